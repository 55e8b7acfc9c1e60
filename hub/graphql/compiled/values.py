"""Scalars straight from rows into JSON values, as the GraphQL types would serialise them, and the
columns each field reads (the compiled path selects only those)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, String

from hub.graphql.enums import ClassKind, EnrollmentRole, Role, SessionKind, to_enum
from hub.graphql.ids import global_id
from hub.graphql.types import BUILDERS
from hub.store.json_nodes import MAX_FIELDS, JsonField, JsonNode

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
    column = _column_of(field)
    return frozenset() if column is None else frozenset({column})


def _column_of(field: str) -> str | None:
    """The column a scalar field is read from (None: derived, or no column)."""
    return _RENAMED.get(field, snake(field))


# --- the same scalars rendered by the database (hub.store.json_nodes) -------------------------------

_ENUMS: dict[tuple[str, str], type[enum.Enum]] = {
    ("Person", "role"): Role,
    ("Class", "kind"): ClassKind,
    ("AcademicSession", "kind"): SessionKind,
    ("Enrollment", "role"): EnrollmentRole,
}


def json_node(type_name: str, fields: list[tuple[str, str]]) -> JsonNode | None:
    """The node of `type_name` with these (response key, field) as a JSON object rendered in SQL,
    equal to what SCALARS render; None when a field has no SQL rendering (lists, datetimes,
    districtLevel): such nodes are rendered here, from their rows."""
    rendered = [_json_field(type_name, key, name) for key, name in fields]
    if not rendered or len(rendered) > MAX_FIELDS or any(f is None for f in rendered):
        return None
    return JsonNode(tuple(f for f in rendered if f is not None))


def _json_field(type_name: str, key: str, name: str) -> JsonField | None:
    if type_name not in BUILDERS or name not in SCALARS[type_name]:
        return None
    if name == "__typename":
        return JsonField(key, "const", constant=type_name)
    if name == "id":
        return JsonField(key, "global_id", column="id", constant=type_name)
    column = _column_of(name)
    table = BUILDERS[type_name][0]
    if column is None or column not in table.c:
        return None
    kind = _ENUMS.get((type_name, name))
    if kind is not None:
        names = tuple((str(member.value), member.name) for member in kind)
        # As to_enum: OTHER for a value this API doesn't know (Role has none: roles are the data types).
        other = "OTHER" if "OTHER" in kind.__members__ else None
        return JsonField(key, "enum", column=column, constant=other, names=names)
    column_type = table.c[column].type
    if isinstance(column_type, Boolean):
        return JsonField(key, "bool", column=column)
    if isinstance(column_type, Date) and not isinstance(column_type, DateTime):
        return JsonField(key, "date", column=column)
    if isinstance(column_type, String | Integer | BigInteger):  # Text is a String
        return JsonField(key, "plain", column=column)
    return None  # JSON lists and datetimes: rendered from the row
