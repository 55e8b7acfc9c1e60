"""`viewer`: the calling app and exactly what each school granted it, per source."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.access.grants import GrantRecord
from hub.canonical.catalogue import DATA_TYPES
from hub.graphql.context import Context
from hub.graphql.enums import DataType
from hub.graphql.ids import global_id
from hub.graphql.types import ORGANISATIONS
from hub.store import reads


@strawberry.type(description="The fields granted for one data type (canonical field names).")
class GrantedFields:
    data_type: DataType
    fields: list[str]
    all_fields: bool = strawberry.field(description="True when the school granted every field.")


@strawberry.type(description="A grant's options (see docs/graphql.md).")
class GrantOptionsView:
    primary_enrollments_only: bool
    future_enrollments_active: bool
    endless_teacher_enrollments: bool
    use_grade_posting_end_date: bool
    marking_periods_always_active: bool
    ignore_all_schools_records: bool
    custom_fields: list[str] = strawberry.field(
        description="The custom-field keys served; empty when every key is."
    )
    max_requests_per_minute: int
    log_full_payloads: bool = strawberry.field(
        description="The hub keeps this app's requests and responses for 7 days (troubleshooting)."
    )


@strawberry.type(description="What one school allowed this app to read from one source.")
class ViewerGrant:
    school_id: strawberry.ID = strawberry.field(description="The school's global id.")
    school_hub_id: strawberry.ID
    school_name: str | None
    source_id: strawberry.ID
    source_name: str | None
    data_types: list[DataType]
    fields: list[GrantedFields]
    options: GrantOptionsView
    granted_at: datetime


@strawberry.type(description="The calling app.")
class Viewer:
    name: str
    client_id: str
    requests_per_minute: int = strawberry.field(description="This app's rate limit.")
    grants: list[ViewerGrant]


def viewer(ctx: Context) -> Viewer:
    grants = ctx.policy.grants
    schools = reads.by_ids(
        ctx.conn, ORGANISATIONS, ctx.filters.school_filter(ORGANISATIONS), {g.school_id for g in grants}
    )
    sources = reads.source_names(ctx.conn, {g.source_id for g in grants})
    return Viewer(
        name=ctx.app.name,
        client_id=ctx.app.client_id,
        requests_per_minute=ctx.policy.requests_per_minute(),
        grants=[
            ViewerGrant(
                school_id=strawberry.ID(global_id("School", g.school_id)),
                school_hub_id=strawberry.ID(g.school_id),
                school_name=schools[g.school_id]["name"] if g.school_id in schools else None,
                source_id=strawberry.ID(g.source_id),
                source_name=sources.get(g.source_id),
                data_types=[DataType(d) for d in g.data_types],
                fields=[_fields(g, d) for d in g.data_types],
                options=_options(g),
                granted_at=g.created_at,
            )
            for g in grants
        ],
    )


def _fields(grant: GrantRecord, data_type: str) -> GrantedFields:
    every = DATA_TYPES[data_type].field_names
    granted = [f for f in every if grant.grants_field(data_type, f)]
    return GrantedFields(data_type=DataType(data_type), fields=granted, all_fields=len(granted) == len(every))


def _options(grant: GrantRecord) -> GrantOptionsView:
    o = grant.typed_options
    return GrantOptionsView(
        primary_enrollments_only=o.primary_enrollments_only,
        future_enrollments_active=o.future_enrollments_active,
        endless_teacher_enrollments=o.endless_teacher_enrollments,
        use_grade_posting_end_date=o.use_grade_posting_end_date,
        marking_periods_always_active=o.marking_periods_always_active,
        ignore_all_schools_records=o.ignore_all_schools_records,
        custom_fields=list(o.custom_fields),
        max_requests_per_minute=o.max_requests_per_minute,
        log_full_payloads=o.log_full_payloads,
    )
