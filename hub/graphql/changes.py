"""`changes`: the change feed as GraphQL (the logic is in hub.graphql.feed)."""

from __future__ import annotations

import enum
from collections import defaultdict
from typing import Any

import strawberry

from hub.graphql.context import Context
from hub.graphql.enums import DataType
from hub.graphql.feed import FeedEvent, read_changes
from hub.graphql.ids import global_id
from hub.graphql.node_types import BUILDERS
from hub.graphql.pagination import PageInfo, page_size
from hub.graphql.types import Node

DEFAULT_CHANGES_PAGE = 1000


@strawberry.enum(description="What to do with the record in a replica.")
class Operation(enum.Enum):
    UPSERT = "upsert"
    DELETE = "delete"


@strawberry.type(description="One change: insert or update (UPSERT), or deletion (DELETE).")
class Change:
    cursor: str = strawberry.field(description="Resume after this change with `changes(after:)`.")
    type: str = strawberry.field(description="The GraphQL type of the record: Person, Class …")
    id: strawberry.ID = strawberry.field(description="The record's global id.")
    hub_id: strawberry.ID
    data_type: DataType
    operation: Operation
    change_version: int = strawberry.field(description="The store's version of the record's last change.")
    node: Node | None = strawberry.field(description="The record as it is now; null for DELETE.")


@strawberry.type
class ChangeConnection:
    edges: list[Change]
    page_info: PageInfo = strawberry.field(
        description="`endCursor` is where to resume, and is set even when no changes came back."
    )


def changes(
    ctx: Context, after: str | None, types: list[DataType] | None, first: int | None
) -> ChangeConnection:
    size = page_size(first if first is not None else DEFAULT_CHANGES_PAGE)
    wanted = tuple(sorted({t.value for t in types} if types else {t.value for t in DataType}))
    page = read_changes(ctx, wanted, after, size)
    nodes = _nodes(ctx, page.events)
    edges = [
        Change(
            cursor=e.cursor,
            type=e.type_name,
            id=strawberry.ID(global_id(e.type_name, e.hub_id)),
            hub_id=strawberry.ID(e.hub_id),
            data_type=DataType(e.data_type),
            operation=Operation.UPSERT if e.upsert else Operation.DELETE,
            change_version=e.change_version,
            node=nodes.get(n),
        )
        for n, e in enumerate(page.events)
    ]
    return ChangeConnection(
        edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor)
    )


def _nodes(ctx: Context, events: list[FeedEvent]) -> dict[int, Any]:
    """Nodes for the UPSERTs, built per type in one batch each (so nested fields batch too)."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for n, e in enumerate(events):
        if e.upsert:
            by_type[e.type_name].append(n)
    nodes: dict[int, Any] = {}
    for type_name, positions in by_type.items():
        _, build = BUILDERS[type_name]
        built = build(ctx, [events[n].row for n in positions])
        nodes.update(zip(positions, built, strict=True))
    return nodes
