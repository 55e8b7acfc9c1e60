"""Scalars straight from rows into JSON values, as the GraphQL types would serialise them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from hub.graphql.enums import ClassKind, EnrollmentRole, Role, to_enum
from hub.graphql.ids import global_id

Row = dict[str, Any]
Render = Callable[[Row], Any]


def _iso(column: str) -> Render:
    def render(row: Row) -> Any:
        value: date | None = row[column]
        return None if value is None else value.isoformat()

    return render


def _column(column: str) -> Render:
    return lambda row: row[column]


def _strings(column: str) -> Render:
    return lambda row: None if row[column] is None else [str(v) for v in row[column]]


def _common(type_name: str) -> dict[str, Render]:
    return {
        "__typename": lambda _: type_name,
        "id": lambda row: global_id(type_name, row["id"]),
        "hubId": _column("id"),
        "sourceRecordId": _column("source_record_id"),
        "updatedAt": _iso("updated_at"),
        "deletedAt": _iso("deleted_at"),
    }


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _plain(*names: str) -> dict[str, Render]:
    return {name: _column(_snake(name)) for name in names}


SCALARS: dict[str, dict[str, Render]] = {
    "School": {
        "__typename": lambda _: "School",
        "id": lambda row: global_id("School", row["id"]),
        "hubId": _column("id"),
        "sourceRecordId": _column("source_record_id"),
        "sourceId": _column("source_id"),
        **_plain("name", "identifier"),
    },
    "Person": {
        **_common("Person"),
        "role": lambda row: Role(row["role"]).name,
        **_plain("roleDetail", "givenName", "middleName", "familyName", "preferredName", "username"),
        **_plain("email", "phone", "sms", "identifier", "enabled", "gender"),
        "grades": _strings("grades"),
        "dateOfBirth": _iso("date_of_birth"),
    },
    "Class": {
        **_common("Class"),
        **_plain("title", "code", "room"),
        "kind": lambda row: _name(to_enum(ClassKind, row["kind"])),
        "periods": _strings("periods"),
        "grades": _strings("grades"),
        "subjects": _strings("subjects"),
    },
    "Enrollment": {
        **_common("Enrollment"),
        "role": lambda row: _name(to_enum(EnrollmentRole, row["role"])),
        "primary": _column("primary"),
        "beginDate": _iso("begin_date"),
        "endDate": _iso("end_date"),
    },
}


def _name(member: Any) -> str | None:
    return None if member is None else str(member.name)
