"""The GraphQL v1 schema: `viewer`, `schools` and `school(id)`, read-only.

Importable without a database (`strawberry export-schema hub.graphql.schema:schema`).
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hub.graphql.context import Info
from hub.graphql.enums import DataType
from hub.graphql.errors import MaskUnexpectedErrors, is_unexpected
from hub.graphql.fields import field
from hub.graphql.pagination import Connection, connection, decode_cursor, page_size
from hub.graphql.types import ORGANISATIONS, School, schools_from
from hub.store import reads


@strawberry.type(description="What one school allowed this app to read from one source.")
class ViewerGrant:
    school_id: strawberry.ID
    school_name: str | None
    source_id: strawberry.ID
    source_name: str | None
    data_types: list[DataType]
    granted_at: datetime


@strawberry.type(description="The calling app.")
class Viewer:
    name: str
    client_id: str
    grants: list[ViewerGrant]


@strawberry.type
class Query:
    @field(description="The calling app and its grants, per school and source.")
    def viewer(self, info: Info) -> Viewer:
        ctx = info.context
        grants = ctx.policy.grants
        schools = reads.by_ids(
            ctx.conn, ORGANISATIONS, ctx.policy.school_filter(ORGANISATIONS), {g.school_id for g in grants}
        )
        sources = reads.source_names(ctx.conn, {g.source_id for g in grants})
        return Viewer(
            name=ctx.app.name,
            client_id=ctx.app.client_id,
            grants=[
                ViewerGrant(
                    school_id=strawberry.ID(g.school_id),
                    school_name=schools[g.school_id]["name"] if g.school_id in schools else None,
                    source_id=strawberry.ID(g.source_id),
                    source_name=sources.get(g.source_id),
                    data_types=[DataType(d) for d in g.data_types],
                    granted_at=g.created_at,
                )
                for g in grants
            ],
        )

    @field(description="Schools this app has any grant at.")
    def schools(self, info: Info, first: int | None = 100, after: str | None = None) -> Connection[School]:
        ctx = info.context
        size, after_id = page_size(first), decode_cursor(after)
        rows, more = reads.page(
            ctx.conn, ORGANISATIONS, ctx.policy.school_filter(ORGANISATIONS), first=size, after_id=after_id
        )
        return connection(rows, more, schools_from)

    @field(description="One school by id; null unless this app has a grant there.")
    def school(self, info: Info, id: strawberry.ID) -> School | None:
        ctx = info.context
        rows = reads.by_ids(ctx.conn, ORGANISATIONS, ctx.policy.school_filter(ORGANISATIONS), {str(id)})
        found = schools_from(list(rows.values()))
        return found[0] if found else None


class SatchelSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Log only what went wrong on our side; refusals (scope, limits) are answers, not faults.
        super().process_errors([e for e in errors if is_unexpected(e)], execution_context)


schema = SatchelSchema(
    query=Query,
    extensions=[MaskUnexpectedErrors],
    config=StrawberryConfig(auto_camel_case=True),
)
