"""The GraphQL v1 schema: `viewer`, `schools`, `school(id)`, `node(id)` and `changes`, read-only.

Importable without a database (`strawberry export-schema hub.graphql.schema:schema`).
"""

from __future__ import annotations

from functools import cache

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hub.graphql import changes as change_feed
from hub.graphql import node as nodes
from hub.graphql import viewer as viewers
from hub.graphql.changes import ChangeConnection
from hub.graphql.context import Info
from hub.graphql.enums import DataType
from hub.graphql.errors import MaskUnexpectedErrors, is_unexpected
from hub.graphql.fields import field
from hub.graphql.ids import parse_global_id
from hub.graphql.limits import QueryLimits
from hub.graphql.pagination import Connection, connection, decode_cursor, page_size
from hub.graphql.types import (
    ORGANISATIONS,
    AcademicSession,
    Class,
    Course,
    Enrollment,
    Node,
    Person,
    School,
    schools_from,
)
from hub.graphql.viewer import Viewer
from hub.store import reads


@strawberry.type
class Query:
    @field(description="The calling app and its grants, per school and source.")
    def viewer(self, info: Info) -> Viewer:
        return viewers.viewer(info.context)

    @field(description="Schools this app has any grant at.")
    def schools(self, info: Info, first: int | None = 100, after: str | None = None) -> Connection[School]:
        ctx = info.context
        size, after_id = page_size(first), decode_cursor(after)
        rows, more = reads.page(
            ctx.conn, ORGANISATIONS, ctx.filters.school_filter(ORGANISATIONS), first=size, after_id=after_id
        )
        return connection(rows, more, lambda r: schools_from(ctx, r))

    @field(description="One school by global id (or hub id); null unless this app has a grant there.")
    def school(self, info: Info, id: strawberry.ID) -> School | None:
        ctx = info.context
        hub_id = str(id)
        try:
            type_name, hub_id = parse_global_id(hub_id)
        except Exception:
            type_name = "School"
        if type_name != "School":
            return None
        rows = reads.by_ids(ctx.conn, ORGANISATIONS, ctx.filters.school_filter(ORGANISATIONS), {hub_id})
        found = schools_from(ctx, list(rows.values()))
        return found[0] if found else None

    @field(description="Any record by global id; null when it does not exist or is not granted.")
    def node(self, info: Info, id: strawberry.ID) -> Node | None:
        found: Node | None = nodes.node(info.context, str(id))
        return found

    @field(
        description="Every insert, update and deletion this app may see, in change-version order, "
        "starting after `after` (null: from the beginning). Keep `types` the same for a cursor."
    )
    def changes(
        self,
        info: Info,
        after: str | None = None,
        types: list[DataType] | None = None,
        first: int | None = 1000,
    ) -> ChangeConnection:
        return change_feed.changes(info.context, after, types, first)


class SatchelSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Log only what went wrong on our side; refusals (scope, limits) are answers, not faults.
        super().process_errors([e for e in errors if is_unexpected(e)], execution_context)


@cache
def build_schema(introspection: bool = True) -> SatchelSchema:
    extensions: list[type[SchemaExtension]] = [QueryLimits, MaskUnexpectedErrors]
    if not introspection:
        extensions.append(DisableIntrospection)
    return SatchelSchema(
        query=Query,
        types=[Person, Class, Course, AcademicSession, Enrollment, School],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build_schema()
