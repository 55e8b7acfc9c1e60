"""`node(id:)`: any record by global id, read through the same policy filters as every list."""

from __future__ import annotations

from typing import Any

from hub.graphql.context import Context
from hub.graphql.ids import parse_global_id
from hub.graphql.node_types import BUILDERS, SCOPED_NODES
from hub.graphql.types import ORGANISATIONS, PEOPLE
from hub.store import reads
from hub.store.reads import RowFilter


def node(ctx: Context, value: str) -> Any:
    type_name, hub_id = parse_global_id(value)
    table, build = BUILDERS[type_name]
    rows = reads.by_ids(ctx.conn, table, _visible(ctx, type_name), {hub_id})
    found = build(ctx, list(rows.values()))
    return found[0] if found else None


def _visible(ctx: Context, type_name: str) -> RowFilter:
    filters = ctx.filters
    if type_name == "School":
        return filters.school_filter(ORGANISATIONS)
    if type_name == "Person":
        return filters.people_filter(PEOPLE)
    if type_name in SCOPED_NODES:
        scoped, data_type, _ = SCOPED_NODES[type_name]
        return filters.row_filter(scoped, data_type)
    table, _ = BUILDERS[type_name]
    return filters.row_filter(table, "enrollments" if type_name == "Enrollment" else "classes")
