"""Per-request context: the connection (one transaction), the calling app and its policy, and
what the request touched (for `extensions.withheld` and the audit log)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, TypeVar, cast

import strawberry
from sqlalchemy import Connection

from hub.access import AccessPolicy, AppRecord
from hub.access.policy import PERSON_DATA_TYPES
from hub.graphql.errors import ForbiddenScopeError
from hub.graphql.filters import Filters

V = TypeVar("V")


@dataclass
class Touched:
    """What one GraphQL type returned in this request: rows, schools, data types, and which data
    types came from which school (so a school's access counts are exact)."""

    rows: int = 0
    schools: set[str] = field(default_factory=set)
    data_types: set[str] = field(default_factory=set)
    reads: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class Context:
    conn: Connection
    app: AppRecord
    policy: AccessPolicy
    # (GraphQL type, canonical field, data type) → schools whose rows came back with it withheld.
    withheld: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    touched: dict[str, Touched] = field(default_factory=lambda: defaultdict(Touched))
    # Change-feed scope snapshots the issued cursors refer to: hash → snapshot (saved after).
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    _withheld_cache: dict[tuple[str, str, str | None, str | None], frozenset[str]] = field(
        default_factory=dict
    )
    # The policy's row filters, memoised by scope (hub.graphql.filters): read through these.
    filters: Filters = field(init=False)

    def __post_init__(self) -> None:
        self.filters = Filters(self.policy)

    def require(self, data_type: str, school_id: str | None) -> None:
        """Raise FORBIDDEN_SCOPE unless `school_id` granted `data_type` to this app."""
        if not self.policy.allows(data_type, school_id):
            raise ForbiddenScopeError(data_type, school_id)

    def record(
        self,
        type_name: str,
        data_type: str | None,
        rows: list[dict[str, Any]],
        *,
        masked: bool = True,
        table: str | None = None,
    ) -> None:
        """Note rows about to be returned as `type_name`, and which of their fields are withheld.

        `data_type` None means people, whose data type follows from each row's role; `masked`
        False for tables a data type grants whole (courses and sessions come with classes);
        `table` for an entity a data type grants besides its main one (attendance summaries).
        """
        # Rows share few (school, source, role) combinations: decide once per combination.
        is_school = type_name == "School"
        combinations = _combinations(rows, "id" if is_school else "school_id")
        self.record_kinds(type_name, data_type, len(rows), combinations, masked=masked, table=table)

    def record_tuples(
        self,
        type_name: str,
        data_type: str | None,
        at: Mapping[str, int],
        rows: Sequence[Sequence[Any]],
        *,
        masked: bool = True,
    ) -> None:
        """`record` for rows read as the driver's tuples, `at` naming their columns' positions."""
        combinations = _tuple_combinations(rows, at, "id" if type_name == "School" else "school_id")
        self.record_kinds(type_name, data_type, len(rows), combinations, masked=masked)

    def record_kinds(
        self,
        type_name: str,
        data_type: str | None,
        rows: int,
        combinations: Iterable[tuple[Any, Any, Any]],
        *,
        masked: bool = True,
        table: str | None = None,
    ) -> None:
        """`record` from what it reads of the rows: how many, and their distinct (school, source,
        role) combinations (role None where the table has none)."""
        is_school = type_name == "School"
        touched = self.touched[type_name]
        touched.rows += rows
        for school_id, source_id, role in combinations:
            if school_id is not None:
                touched.schools.add(school_id)
            dt = data_type or (None if is_school else _ROLE_DATA_TYPES.get(role))
            if dt is None:
                continue
            touched.data_types.add(dt)
            if school_id is not None:
                touched.reads.add((school_id, dt))
            if not masked:
                continue
            key = (dt, source_id, school_id, table)
            if key not in self._withheld_cache:
                self._withheld_cache[key] = self.policy.withheld_fields(*key)
            for name in self._withheld_cache[key]:
                self.withheld[(type_name, name, dt)].add(school_id)


_ROLE_DATA_TYPES = {role: data_type for data_type, role in PERSON_DATA_TYPES.items()}


def _combinations(rows: list[dict[str, Any]], school: str) -> set[tuple[Any, Any, Any]]:
    """Each row's (school, source, role); no school or role where the rows have no such column."""
    if rows and school in rows[0] and "role" in rows[0]:
        # One C call per row (a nested page records thousands); rows read together share columns.
        return set(map(itemgetter(school, "source_id", "role"), rows))
    return {(row.get(school), row["source_id"], row.get("role")) for row in rows}


def _tuple_combinations(
    rows: Sequence[Sequence[Any]], at: Mapping[str, int], school: str
) -> set[tuple[Any, Any, Any]]:
    """`_combinations` of tuples, `at` naming their columns' positions; no role where none was read."""
    if not rows:
        return set()
    if "role" in at:
        return set(map(itemgetter(at[school], at["source_id"], at["role"]), rows))
    return {(s, source, None) for s, source in map(itemgetter(at[school], at["source_id"]), rows)}


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

    def list_values(self, column: str) -> set[str]:
        return {v for row in self.rows for v in row.get(column) or ()}

    def once(self, key: str, load: Callable[[], V]) -> V:
        if key not in self._cache:
            self._cache[key] = load()
        return cast(V, self._cache[key])
