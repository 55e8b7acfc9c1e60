"""Per-request context: the connection (one transaction), the calling app and its policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import strawberry
from sqlalchemy import Connection

from hub.access import AccessPolicy, AppRecord
from hub.graphql.errors import ForbiddenScopeError

V = TypeVar("V")


@dataclass
class Context:
    conn: Connection
    app: AppRecord
    policy: AccessPolicy

    def require(self, data_type: str, school_id: str | None) -> None:
        """Raise FORBIDDEN_SCOPE unless `school_id` granted `data_type` to this app."""
        if not self.policy.allows(data_type, school_id):
            raise ForbiddenScopeError(data_type, school_id)


Info = strawberry.Info[Context, None]


@dataclass(eq=False)
class Batch:
    """Rows fetched together at one level of a query.

    Resolvers are synchronous, so there is no DataLoader tick to batch on; instead each node
    keeps the batch it came with, and the first nested field asked of any node loads that field
    for the whole batch with one IN query (so a page of 100 enrollments costs one query for
    their people, not 100).
    """

    rows: list[dict[str, Any]]
    _cache: dict[str, Any] = field(default_factory=dict)

    def values(self, column: str) -> set[str]:
        return {row[column] for row in self.rows if row.get(column) is not None}

    def once(self, key: str, load: Callable[[], V]) -> V:
        if key not in self._cache:
            self._cache[key] = load()
        return cast(V, self._cache[key])
