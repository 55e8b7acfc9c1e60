"""Scalars straight from rows into JSON values, as the GraphQL types would serialise them, and the
columns each field reads (the compiled path selects only those)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date
from operator import itemgetter
from typing import Any

from hub.graphql.enums import ClassKind, EnrollmentRole, Role, SessionKind, to_enum
from hub.graphql.ids import global_id

Row = dict[str, Any]
Render = Callable[[Row], Any]


def _iso(column: str) -> Render:
    def render(row: Row) -> Any:
        value: date | None = row[column]
        return None if value is None else value.isoformat()

    return render


def _column(column: str) -> Render:
    return itemgetter(column)  # a C call per row, not a Python frame


def _strings(column: str) -> Render:
    return lambda row: None if row[column] is None else [str(v) for v in row[column]]


def _enum(kind: type[enum.Enum], column: str) -> Render:
    """An enum member's name, as `to_enum` picks it (OTHER for a value this API doesn't know),
    looked up in a dict instead of constructing the member per row."""
    names: Mapping[Any, str] = {member.value: member.name for member in kind}

    def render(row: Row) -> Any:
        value = row[column]
        if value is None:
            return None
        name = names.get(value)
        return name if name is not None else to_enum(kind, value).name  # type: ignore[union-attr]

    return render


def _common(type_name: str) -> dict[str, Render]:
    return {
        "__typename": lambda _: type_name,
        "id": lambda row: global_id(type_name, row["id"]),
        "hubId": _column("id"),
        "sourceRecordId": _column("source_record_id"),
        "updatedAt": _iso("updated_at"),
        "deletedAt": _iso("deleted_at"),
    }


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _plain(*names: str) -> dict[str, Render]:
    return {name: _column(snake(name)) for name in names}


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
        "role": _enum(Role, "role"),
        **_plain("roleDetail", "givenName", "middleName", "familyName", "preferredName", "username"),
        **_plain("email", "phone", "sms", "identifier", "enabled", "gender"),
        "grades": _strings("grades"),
        "dateOfBirth": _iso("date_of_birth"),
    },
    "Class": {
        **_common("Class"),
        **_plain("title", "code", "room"),
        "kind": _enum(ClassKind, "kind"),
        "periods": _strings("periods"),
        "grades": _strings("grades"),
        "subjects": _strings("subjects"),
    },
    "Course": {
        **_common("Course"),
        **_plain("title", "code"),
        "grades": _strings("grades"),
        "subjects": _strings("subjects"),
        "districtLevel": lambda row: row["school_id"] is None,
    },
    "AcademicSession": {
        **_common("AcademicSession"),
        "kind": _enum(SessionKind, "kind"),
        **_plain("title", "schoolYear"),
        "startDate": _iso("start_date"),
        "endDate": _iso("end_date"),
        "districtLevel": lambda row: row["school_id"] is None,
    },
    "Enrollment": {
        **_common("Enrollment"),
        "role": _enum(EnrollmentRole, "role"),
        "primary": _column("primary"),
        "beginDate": _iso("begin_date"),
        "endDate": _iso("end_date"),
    },
}

# The columns every row of a type is read with: what the audit records (Context.record: school,
# source, a person's role) and what its edges follow.
BASE_COLUMNS: dict[str, frozenset[str]] = {
    "Person": frozenset({"id", "source_id", "school_id", "role"}),
    "Class": frozenset({"id", "source_id", "school_id"}),
    "Enrollment": frozenset({"id", "source_id", "school_id", "person_id", "class_id", "role"}),
    "Course": frozenset({"id", "source_id", "school_id"}),
    "AcademicSession": frozenset({"id", "source_id", "school_id"}),
}
# Edges that follow a reference held in the row.
EDGE_COLUMNS: dict[tuple[str, str], str] = {
    ("Person", "contacts"): "agent_ids",
    ("Class", "course"): "course_id",
    ("Class", "sessions"): "session_ids",
}
_RENAMED = {"id": "id", "hubId": "id", "sourceRecordId": "source_record_id", "__typename": None}
_RENAMED |= {"districtLevel": None}  # derived from school_id, a base column


def field_columns(type_name: str, field: str) -> frozenset[str]:
    """The columns a field of `type_name` reads (edges to children read the base columns)."""
    if (type_name, field) in EDGE_COLUMNS:
        return frozenset({EDGE_COLUMNS[(type_name, field)]})
    if field not in SCALARS[type_name]:
        return frozenset()
    column = _RENAMED.get(field, snake(field))
    return frozenset() if column is None else frozenset({column})
