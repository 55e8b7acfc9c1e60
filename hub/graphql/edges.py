"""Edges between canonical records for the school-life and personal-detail types: a reference
(one record by id) or children (records pointing at their parent), each loaded for the whole
batch in one statement through the policy, like the roster edges in hub.graphql.types.

Builders of the roster types live in hub.graphql.types, which imports the modules that use this
one; so targets import them when first followed, not at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

import strawberry
from sqlalchemy import ColumnElement, Table

from hub.graphql.context import Batch, Context
from hub.graphql.errors import BadArgumentError
from hub.graphql.ids import global_id, parse_global_id
from hub.graphql.loading import Build, N, by_ids, children
from hub.store.reads import RowFilter

Narrow = Callable[[RowFilter], Sequence[ColumnElement[bool]]]


@dataclass(frozen=True)
class Target(Generic[N]):
    """What a reference points at: its table, how the policy filters it, how to build nodes."""

    table: Table
    visible: Callable[[Context], RowFilter]
    build: Build[N]


def node_fields(type_name: str, r: dict[str, Any]) -> dict[str, Any]:
    """The fields every node type carries, from its row."""
    return {
        "id": strawberry.ID(global_id(type_name, r["id"])),
        "hub_id": strawberry.ID(r["id"]),
        "source_record_id": r["source_record_id"],
        "updated_at": r["updated_at"],
        "deleted_at": r["deleted_at"],
    }


def follow(
    ctx: Context,
    batch: Batch,
    column: str,
    value: str | None,
    target: Target[N],
    *,
    scope: str,
    school_id: str | None,
) -> N | None:
    """The record `value` names, loaded for every row of the batch at once.

    Null when it is hidden; FORBIDDEN_SCOPE naming `scope` (what the reference says it is, never
    what the hidden row says) when the school did not grant that data type.
    """
    found = batch.once(
        f"ref:{column}",
        lambda: by_ids(ctx, target.table, target.visible(ctx), batch.values(column), target.build),
    )
    node = found.get(value) if value else None
    if node is None and value:
        ctx.require(scope, school_id)
    return node


def kids(
    ctx: Context,
    batch: Batch,
    key: str,
    table: Table,
    data_type: str,
    column: str,
    parent_id: str,
    build: Build[N],
    narrow: Narrow | None = None,
) -> list[N]:
    """Rows of `table` whose `column` names a parent in the batch: one statement per batch and
    `key` (include the arguments in `key`: aliases may ask the same edge with others)."""

    def load() -> dict[str, list[N]]:
        visible = ctx.filters.row_filter(table, data_type)
        where = narrow(visible) if narrow is not None else ()
        return children(ctx, table, visible, column, batch.values("id"), build, where)

    return batch.once(key, load).get(parent_id, [])


# --- targets of references to the roster types ----------------------------------------------------


def people() -> Target[Any]:
    from hub.graphql.types import PEOPLE, people_from

    return Target(PEOPLE, lambda ctx: ctx.filters.people_filter(PEOPLE), people_from)


def classes() -> Target[Any]:
    from hub.graphql.types import CLASSES, classes_from

    return Target(CLASSES, lambda ctx: ctx.filters.row_filter(CLASSES, "classes"), classes_from)


def courses() -> Target[Any]:
    from hub.graphql.types import COURSES, courses_from

    return Target(COURSES, lambda ctx: ctx.filters.row_filter(COURSES, "classes"), courses_from)


def sessions() -> Target[Any]:
    from hub.graphql.types import SESSIONS, sessions_from

    return Target(SESSIONS, lambda ctx: ctx.filters.row_filter(SESSIONS, "classes"), sessions_from)


def hub_id_arg(value: str, type_name: str) -> str:
    """A filter argument given as a global id (or, for convenience, a hub id)."""
    try:
        found_type, hub_id = parse_global_id(value)
    except BadArgumentError:
        return value
    return hub_id if found_type == type_name else value
