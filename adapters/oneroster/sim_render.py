"""Canonical rows → OneRoster 1.1 / 1.2 JSON records, for the simulator (the mapping run backwards).

1.2 differs where the mapping reads it: users carry `roles` (primary role at their school,
secondary roles at their other schools), `primaryOrg` and `preferredFirstName` instead of `role`
and `orgs`; sessions name their `org`; references point under the 1.2 base path. Birth date and
sex go to the separate demographics collection in both versions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import polars as pl

from adapters.oneroster import vocab
from adapters.oneroster.versions import Version, collection_path

Record = dict[str, Any]
Renderer = Callable[[Record, Version], Record]


def _ref(version: Version, collection: str, sourced_id: str | None, kind: str) -> Record | None:
    if sourced_id is None:
        return None
    path = collection_path(version, collection)
    return {"href": f"{path}/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def _compact(record: Record) -> Record:
    """Drop absent optional fields, as real feeds do."""
    return {k: v for k, v in record.items() if v is not None}


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def render_org(row: Record, v: Version) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "name": row["name"],
        "type": vocab.ORG_TYPES[row["kind"]],
        "identifier": row["identifier"],
        "parent": _ref(v, "orgs", row["parent_id"], "org"),
    })  # fmt: skip


def render_session(row: Record, v: Version) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "title": row["title"],
        "type": vocab.SESSION_TYPES[row["kind"]],
        "startDate": _date(row["start_date"]),
        "endDate": _date(row["end_date"]),
        "parent": _ref(v, "academicSessions", row["parent_id"], "academicSession"),
        "schoolYear": str(row["school_year"]) if row["school_year"] is not None else None,
        # 1.2 names the session's org; district-wide sessions (no school) are rendered without one.
        "org": _ref(v, "orgs", row["school_id"], "org") if v == "1.2" else None,
    })  # fmt: skip


def render_course(row: Record, v: Version) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "title": row["title"],
        "courseCode": row["code"],
        "schoolYear": _ref(v, "academicSessions", row["school_year_id"], "academicSession"),
        "grades": row["grades"],
        "subjects": row["subjects"],
        "org": _ref(v, "orgs", row["school_id"], "org"),
    })  # fmt: skip


def render_class(row: Record, v: Version) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "title": row["title"],
        "classCode": row["code"],
        "classType": vocab.CLASS_TYPES[row["kind"]],
        "location": row["room"],
        "grades": row["grades"],
        "subjects": row["subjects"],
        "course": _ref(v, "courses", row["course_id"], "course"),
        "school": _ref(v, "orgs", row["school_id"], "org"),
        "terms": [_ref(v, "academicSessions", s, "academicSession") for s in row["session_ids"]],
        "periods": row["periods"],
    })  # fmt: skip


def render_user(row: Record, v: Version, other_orgs: list[str] | None = None) -> Record:
    """`other_orgs`: schools beyond the person's own (a contact's other children's schools)."""
    orgs = ([row["school_id"]] if row["school_id"] else []) + list(other_orgs or ())
    record = _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "username": row["username"] or "",  # required by the spec; contacts often have none
        "enabledUser": _bool(row["enabled"]),
        "givenName": row["given_name"],
        "familyName": row["family_name"],
        "middleName": row["middle_name"],
        "identifier": row["identifier"],
        "email": row["email"],
        "sms": row["sms"],
        "phone": row["phone"],
        "agents": [_ref(v, "users", a, "user") for a in row["agent_ids"]] or None,
        "grades": row["grades"] or None,
    })  # fmt: skip
    if v == "1.1":
        record["role"] = row["role_detail"]
        record["orgs"] = [_ref(v, "orgs", o, "org") for o in orgs]
        return record
    record["roles"] = [
        {"roleType": "primary" if n == 0 else "secondary", "role": row["role_detail"],
         "org": _ref(v, "orgs", o, "org")}
        for n, o in enumerate(orgs)
    ] or [{"roleType": "primary", "role": row["role_detail"]}]  # fmt: skip
    if row["school_id"]:
        record["primaryOrg"] = _ref(v, "orgs", row["school_id"], "org")
    if row["preferred_name"]:
        record["preferredFirstName"] = row["preferred_name"]
    return record


def render_demographics(row: Record, v: Version) -> Record:
    """`row` is a person with their demographics' `ethnicity` and `country_of_birth` joined on."""
    record = _compact({
        "sourcedId": row["source_record_id"],  # a demographics record shares its user's sourcedId
        "status": "active",
        "birthDate": _date(row["date_of_birth"]),
        "sex": row["gender"],
        "countryOfBirthCode": row.get("country_of_birth"),
    })  # fmt: skip
    ethnicity = row.get("ethnicity")
    if ethnicity is not None:
        chosen = vocab.ETHNICITY_FLAGS[ethnicity]
        for flag in vocab.ETHNICITY_FLAGS.values():  # 1.1 spells booleans as strings, 1.2 as JSON
            record[flag] = _bool(flag == chosen) if v == "1.1" else flag == chosen
    return record


def render_enrollment(row: Record, v: Version) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "user": _ref(v, "users", row["person_id"], "user"),
        "class": _ref(v, "classes", row["class_id"], "class"),
        "school": _ref(v, "orgs", row["school_id"], "org"),
        "role": row["role"],
        "primary": _bool(row["primary"]),
        "beginDate": _date(row["begin_date"]),
        "endDate": _date(row["end_date"]),
    })  # fmt: skip


def category_id(title: str) -> str:
    """The simulator's sourcedId for a gradebook category (the canonical row keeps only its title)."""
    return "category-" + "-".join(title.lower().split())


def categories_of(
    assignments: pl.DataFrame, renamed: Mapping[str, tuple[str, datetime]] | None = None
) -> pl.DataFrame:
    """One category per distinct name (`source_record_id`, `title`, `source_updated_at`), modified
    no later than its first line item (so a line item's joined stamp is its own) unless `renamed`
    since (new title → its old sourcedId and when)."""
    renamed = renamed or {}
    titles = assignments.filter(pl.col("category").is_not_null())
    frame = titles.group_by("category", maintain_order=True).agg(pl.col("source_updated_at").min())
    ids, stamps = [], []
    for title, first in frame.iter_rows():
        sourced_id, when = renamed.get(title, (category_id(title), first))
        ids.append(sourced_id)
        stamps.append(max(first, when))
    return pl.DataFrame(
        {"source_record_id": ids, "title": frame["category"], "source_updated_at": stamps},
        schema={
            "source_record_id": pl.String,
            "title": pl.String,
            "source_updated_at": pl.Datetime("us", "UTC"),
        },
    )


def render_category(row: Record, v: Version) -> Record:
    return {"sourcedId": row["source_record_id"], "status": "active", "title": row["title"]}


def render_line_item(row: Record, v: Version) -> Record:
    """`row` is an assignment with its category's sourcedId joined on as `category_id`."""
    # 1.1 dates its line items with dates, 1.2 with datetimes.
    when = _date if v == "1.1" else _midnight
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "title": row["title"],
        "assignDate": when(row["assigned_date"]),
        "dueDate": when(row["due_date"]),
        "class": _ref(v, "classes", row["class_id"], "class"),
        "school": _ref(v, "orgs", row["school_id"], "org") if v == "1.2" else None,
        "category": _ref(v, "categories", row["category_id"], "category") if row["category"] else None,
        "resultValueMin": 0.0 if row["max_score"] is not None else None,
        "resultValueMax": row["max_score"],
    })  # fmt: skip


def render_result(row: Record, v: Version) -> Record:
    """`row` is an assignment_result with its assignment's `class_id` joined on."""
    status = row["status"]
    record = _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "lineItem": _ref(v, "lineItems", row["assignment_id"], "lineItem"),
        "student": _ref(v, "users", row["student_id"], "user"),
        "scoreStatus": vocab.SCORE_STATUS_NAMES[status] if status else None,
        "score": row["score"],
        "comment": row["comment"],
    })  # fmt: skip
    if v == "1.2":
        record.update(_compact({
            "class": _ref(v, "classes", row["class_id"], "class"),
            "textScore": row["letter"],
            "late": status == "late",
            "missing": status == "missing",
        }))  # fmt: skip
    return record


def _midnight(value: date | None) -> str | None:
    return f"{value.isoformat()}T00:00:00.000Z" if value is not None else None


RENDERERS: dict[str, Renderer] = {
    "organisation": render_org,
    "academic_session": render_session,
    "course": render_course,
    "class": render_class,
    "person": render_user,
    "demographics": render_demographics,
    "enrollment": render_enrollment,
    "category": render_category,
    "assignment": render_line_item,
    "assignment_result": render_result,
}
