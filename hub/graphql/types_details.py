"""GraphQL types for people's details: demographics, addresses, contact points, how contacts
relate to students, photos and the source's custom fields.

Built like the roster types (hub.graphql.types): from visible rows only, withheld fields already
NULL (most of these are sensitive: the field-mask test covers them), references per batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import Table

from hub.graphql import edges
from hub.graphql.context import Batch, Context, Info
from hub.graphql.edges import follow, node_fields
from hub.graphql.enums import to_enum
from hub.graphql.enums_life import AddressKind, ContactPointKind, Sex
from hub.graphql.fields import field
from hub.graphql.loading import Build, Rows
from hub.graphql.types import Node, Person
from hub.store import CANONICAL_TABLES

DEMOGRAPHICS = CANONICAL_TABLES["demographics"]
ADDRESSES = CANONICAL_TABLES["address"]
CONTACT_POINTS = CANONICAL_TABLES["contact_point"]
CONTACT_RELATIONSHIPS = CANONICAL_TABLES["contact_relationship"]
PHOTOS = CANONICAL_TABLES["photo"]
CUSTOM_FIELDS = CANONICAL_TABLES["custom_field"]


@strawberry.type(description="A person's demographic data and programme flags (sensitive).")
class Demographics(Node):
    source_record_id: str
    sex: Sex | None
    ethnicity: str | None = strawberry.field(description="The source's ethnicity code or label.")
    country_of_birth: str | None = strawberry.field(description="ISO 3166 alpha-2 where known.")
    language: str | None = strawberry.field(description="First or home language.")
    english_learner: bool | None = strawberry.field(description="EL / EAL.")
    free_reduced_lunch: bool | None = strawberry.field(description="FRL / free school meals.")
    special_needs: bool | None = strawberry.field(description="SEN / IEP / 504.")
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


@strawberry.type(description="A postal address of a person.")
class Address(Node):
    source_record_id: str
    kind: AddressKind | None
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None = strawberry.field(description="State, county or province.")
    postcode: str | None
    country: str | None = strawberry.field(description="ISO 3166 alpha-2.")
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


@strawberry.type(description="A phone number or email address of a person.")
class ContactPoint(Node):
    source_record_id: str
    kind: ContactPointKind | None
    value: str | None
    label: str | None = strawberry.field(description="home, work, mobile … as the source labels it.")
    primary: bool | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


@strawberry.type(description="How a contact relates to a student, and what they may be called for.")
class ContactRelationship(Node):
    source_record_id: str
    relationship: str | None = strawberry.field(description="mother, father, guardian … (lower case).")
    priority: int | None = strawberry.field(description="1 is called first.")
    custody: bool | None = strawberry.field(description="Custody (US) / parental responsibility (UK).")
    emergency: bool | None = strawberry.field(description="An emergency contact.")
    lives_with: bool | None = strawberry.field(description="The student lives with them.")
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    student_id: strawberry.Private[str | None]
    contact_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description="Null, with FORBIDDEN_SCOPE, without the students scope.")
    def student(self, info: Info) -> Person | None:
        found: Person | None = follow(
            info.context,
            self.batch,
            "student_id",
            self.student_id,
            edges.people(),
            scope="students",
            school_id=self.school_id,
        )
        return found

    @field(description="The parent, guardian or other contact (same contacts scope).")
    def contact(self, info: Info) -> Person | None:
        found: Person | None = follow(
            info.context,
            self.batch,
            "contact_id",
            self.contact_id,
            edges.people(),
            scope="contacts",
            school_id=self.school_id,
        )
        return found


@strawberry.type(description="A person's photo (sensitive): a URL at the source, or the image inlined.")
class Photo(Node):
    source_record_id: str
    content_type: str | None = strawberry.field(description="image/jpeg, image/png …")
    url: str | None = strawberry.field(description="Where the source serves it, when it is not inlined.")
    data: str | None = strawberry.field(description="The image, base64-encoded, when the source inlines it.")
    taken_at: dt.datetime | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


@strawberry.type(description="One of the source's own extension fields on a record, as text.")
class CustomField(Node):
    source_record_id: str
    entity: str | None = strawberry.field(description="The canonical entity it extends (person, class …).")
    record_source_id: str | None = strawberry.field(description="The source's id of the record it extends.")
    key: str | None
    value: str | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


# --- building nodes from rows ------------------------------------------------------------------------


def _plain(
    type_name: str,
    node_type: type[Any],
    data_type: str,
    table: str,
    fields: tuple[str, ...],
    enums: dict[str, type[Any]] | None = None,
) -> Build[Any]:
    """A builder for a type without edges: its node fields plus `fields` (enum-typed as given)."""

    def build(ctx: Context, rows: Rows) -> list[Any]:
        ctx.record(type_name, data_type, rows, table=table)
        return [
            node_type(
                **node_fields(type_name, r),
                **{f: to_enum(enums[f], r[f]) if enums and f in enums else r[f] for f in fields},
            )
            for r in rows
        ]

    return build


demographics_from = _plain(
    "Demographics",
    Demographics,
    "demographics",
    DEMOGRAPHICS.name,
    (
        "sex",
        "ethnicity",
        "country_of_birth",
        "language",
        "english_learner",
        "free_reduced_lunch",
        "special_needs",
    ),
    {"sex": Sex},
)
addresses_from = _plain(
    "Address",
    Address,
    "addresses",
    ADDRESSES.name,
    ("kind", "line1", "line2", "city", "region", "postcode", "country"),
    {"kind": AddressKind},
)
contact_points_from = _plain(
    "ContactPoint",
    ContactPoint,
    "contacts",
    CONTACT_POINTS.name,
    ("kind", "value", "label", "primary"),
    {"kind": ContactPointKind},
)
photos_from = _plain("Photo", Photo, "photos", PHOTOS.name, ("content_type", "url", "data", "taken_at"))
custom_fields_from = _plain(
    "CustomField",
    CustomField,
    "custom_fields",
    CUSTOM_FIELDS.name,
    ("entity", "record_source_id", "key", "value"),
)


def relationships_from(ctx: Context, rows: Rows) -> list[ContactRelationship]:
    ctx.record("ContactRelationship", "contacts", rows, table=CONTACT_RELATIONSHIPS.name)
    batch = Batch(rows)
    return [
        ContactRelationship(
            **node_fields("ContactRelationship", r),
            relationship=r["relationship"],
            priority=r["priority"],
            custody=r["custody"],
            emergency=r["emergency"],
            lives_with=r["lives_with"],
            school_id=r["school_id"],
            student_id=r["student_id"],
            contact_id=r["contact_id"],
            batch=batch,
        )
        for r in rows
    ]


# Node type → (table, data type, builder): node(id:), the change feed and the schema read this.
DETAIL_NODES: dict[str, tuple[Table, str, Build[Any]]] = {
    "Demographics": (DEMOGRAPHICS, "demographics", demographics_from),
    "Address": (ADDRESSES, "addresses", addresses_from),
    "ContactPoint": (CONTACT_POINTS, "contacts", contact_points_from),
    "ContactRelationship": (CONTACT_RELATIONSHIPS, "contacts", relationships_from),
    "Photo": (PHOTOS, "photos", photos_from),
    "CustomField": (CUSTOM_FIELDS, "custom_fields", custom_fields_from),
}
