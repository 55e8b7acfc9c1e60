"""Focus pages → canonical rows. Pure functions: no I/O, no clock.

Roster records (schools, students) map one to one. Every other page belongs to one student and
maps to several rows, so each mapper takes the student's id and school and the page, and returns
rows. Records Focus gives no id of its own (a day's period mark, a contact's address, a timetable
slot) get one composed of what identifies them, so a re-sync lands on the same record.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, cast

import polars as pl

from adapters.focus.dialect import (
    FieldError,
    Record,
    boolean,
    current_marking_period,
    first,
    get,
    grade_level,
    ident,
    instant,
    integer,
    items,
    local_date,
    number,
    person_name,
    text,
)
from adapters.sdk import MappedPage, Page, Reject
from hub.canonical import EntitySpec

# Canonical fields the Focus dialect does not carry (left null by the adapter).
NOT_CARRIED: dict[str, frozenset[str]] = {
    "organisation": frozenset({"parent_id"}),
    "person": frozenset({"phone", "sms", "agent_ids"}),  # contacts come as relationships
    "demographics": frozenset(),
    "photo": frozenset({"taken_at"}),
    "custom_field": frozenset(),
    "address": frozenset({"country"}),
    "contact_point": frozenset(),
    "contact_relationship": frozenset(),
    "attendance_mark": frozenset(),
    "attendance_summary": frozenset(),
    "behaviour_incident": frozenset({"staff_id"}),  # Focus names the teacher, without an id
    "grade_record": frozenset(),
    "assignment": frozenset(),
    "assignment_result": frozenset(),
    "timetable_slot": frozenset(),
    "calendar_event": frozenset({"description"}),
}
# Entities whose Focus pages carry no modification time.
NO_TIMESTAMP = frozenset(
    {"demographics", "photo", "custom_field", "address", "contact_point", "contact_relationship",
     "assignment", "assignment_result", "timetable_slot", "calendar_event"}
)  # fmt: skip

StudentMapper = Callable[[str, str | None, Record], list[Record]]
RecordMapper = Callable[[Record], Record]

ATTENDANCE_STATUSES = {
    "present": "present", "absent": "absent", "late": "late", "tardy": "tardy", "excused": "excused",
    "unexcused": "unexcused", "offsite": "offsite", "misc": "misc", "dismissed": "misc", "other": "misc",
}  # fmt: skip
SESSION_PERIODS = {"AM": "am", "PM": "pm", "DAY": "all_day"}
GRADE_KINDS = {
    "final_grades": "final",
    "semester_grades": "semester",
    "quarter_grades": "quarter",
    "exams": "exam",
}
DAY_LETTERS = {"M": "mon", "T": "tue", "W": "wed", "H": "thu", "R": "thu", "F": "fri", "S": "sat", "U": "sun"}
EVENT_KINDS = {"occasion": "occasion", "event": "occasion", "holiday": "holiday", "assignment": "assignment"}


def to_frame(spec: EntitySpec, rows: list[Record]) -> pl.DataFrame:
    schema = spec.polars_schema()
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def map_records(spec: EntitySpec, page: Page, row: RecordMapper) -> MappedPage:
    """Roster pages: one canonical row per Focus record."""
    rows, rejects = [], []
    for record in cast(list[Any], page.records):
        rid = record.get("id") if isinstance(record, dict) else None
        try:
            if not isinstance(record, dict):
                raise FieldError("id", "record is not a JSON object")
            rows.append(row(record))
        except FieldError as exc:
            rejects.append(Reject(None if rid is None else str(rid), exc.field, exc.reason, page.location))
    return MappedPage(to_frame(spec, rows), rejects)


def map_student_pages(spec: EntitySpec, page: Page, mapper: StudentMapper) -> MappedPage:
    """Per-student pages: records are {"student_id", "school_id", "payload"}; a page that cannot be
    read is rejected whole, naming the student and the field.

    The reject carries no record id: the page held some unknown set of this entity's records (not
    one whose id is the student's), so the engine must not take any stored record's absence from
    this read for a deletion. The client marks students it could not ask about the same way."""
    rows, rejects = [], []
    for record in page.records:
        if record.get("unread"):
            rejects.append(Reject(None, "students.id", record["unread"], page.location))
            continue
        try:
            rows.extend(mapper(record["student_id"], record["school_id"], record["payload"]))
        except FieldError as exc:
            reason = f"student {record['student_id']}: {exc.reason}"
            rejects.append(Reject(None, exc.field, reason, page.location))
    return MappedPage(to_frame(spec, rows), rejects)


# -- roster ------------------------------------------------------------------------------------------


def school_row(r: Record) -> Record:
    sid = _required(ident(r.get("id"), "id"), "id")
    return {
        "source_record_id": sid,
        "school_id": sid,
        "source_updated_at": instant(get(r, "lastUpdated"), "lastUpdated"),
        "kind": "school",
        "name": text(first(r, "title", "name")),
        "identifier": text(first(r, "stateId", "schoolNumber")),
        "parent_id": None,
    }


def student_row(r: Record) -> Record:
    sid = _required(ident(r.get("id"), "id"), "id")
    return {
        "source_record_id": sid,
        "school_id": ident(get(r, "schoolId"), "schoolId"),
        "source_updated_at": instant(get(r, "lastUpdated"), "lastUpdated"),
        "role": "student",
        "role_detail": "student",
        "given_name": text(get(r, "firstName")),
        "middle_name": text(get(r, "middleName")),
        "family_name": text(get(r, "lastName")),
        "preferred_name": text(get(r, "nickname")),
        "username": text(r.get("username")),
        "email": text(r.get("email")),
        "identifier": text(get(r, "stateId")),
        "grades": grade_level(r.get("grade")),
        "enabled": boolean(first(r, "enabled", "active"), "enabled"),
        "date_of_birth": local_date(first(r, "birthdate", "birthday"), "birthdate"),
        "gender": _lower(text(r.get("gender"))),
        "agent_ids": [],
    }


# -- demographic page: demographics, photo, custom fields -------------------------------------------


def demographics_rows(student: str, school: str | None, p: Record) -> list[Record]:
    sex = _lower(text(p.get("gender")))
    return [
        {
            "source_record_id": student,
            "school_id": school,
            "person_id": student,
            "sex": sex if sex in ("female", "male", "other") else ("unknown" if sex else None),
            "ethnicity": text(p.get("ethnicity")),
            "country_of_birth": text(get(p, "birthCountry")),
            "language": text(first(p, "language", "homeLanguage")),
            "english_learner": boolean(first(p, "ell", "englishLearner"), "ell"),
            "free_reduced_lunch": boolean(first(p, "frl", "freeReducedLunch"), "frl"),
            "special_needs": boolean(first(p, "sped", "specialNeeds"), "sped"),
        }
    ]


def photo_rows(student: str, school: str | None, p: Record) -> list[Record]:
    picture, url = p.get("picture"), text(get(p, "pictureUrl"))
    if not picture and not url:
        return []
    if picture:
        try:
            base64.b64decode(str(picture), validate=True)
        except ValueError:
            raise FieldError("picture", "not base64") from None
    return [
        {
            "source_record_id": student,
            "school_id": school,
            "person_id": student,
            "content_type": text(get(p, "pictureContentType")) or "image/jpeg",  # Focus serves JPEGs
            "url": None if picture else url,
            "data": str(picture) if picture else None,
            "taken_at": None,
        }
    ]


def custom_field_rows(student: str, school: str | None, p: Record) -> list[Record]:
    fields = get(p, "customFields") or {}
    if not isinstance(fields, dict):
        raise FieldError("customFields", "expected an object of name: value")
    return [
        {
            "source_record_id": f"{student}:{key}",
            "school_id": school,
            "entity": "person",
            "record_source_id": student,
            "person_id": student,
            "key": key,
            "value": value if isinstance(value, str) else _json_text(value),
        }
        for key, value in fields.items()
        if value is not None
    ]


# -- address page: addresses, contact points, relationships ------------------------------------------


def _contacts(student: str, p: Record) -> list[tuple[str, Record]]:
    out: list[tuple[str, Record]] = []
    for n, c in enumerate(items(p.get("contacts"), "contacts")):
        cid = ident(c.get("id"), "contacts.id") or f"{student}:contact{n + 1}"  # captures can lack ids
        out.append((cid, c))
    return out


def _address(person: str, school: str | None, r: Record) -> Record | None:
    line1 = text(r.get("address"))
    if line1 is None and text(r.get("city")) is None:
        return None
    return {
        "source_record_id": f"{person}:home",
        "school_id": school,
        "person_id": person,
        "kind": "home",
        "line1": line1,
        "line2": text(get(r, "address2")),
        "city": text(r.get("city")),
        "region": text(r.get("state")),
        "postcode": text(r.get("zip")),
        "country": None,
    }


def address_rows(student: str, school: str | None, p: Record) -> list[Record]:
    rows = [_address(student, school, p)]
    for cid, c in _contacts(student, p):
        rows.append(_address(cid, ident(get(c, "schoolId"), "schoolId") or school, c))
    return [r for r in rows if r is not None]


def _points(person: str, school: str | None, r: Record) -> list[Record]:
    rows: dict[str, Record] = {}
    for d in items(r.get("details"), "details"):
        label = (text(d.get("title")) or "other").lower()
        rows[label] = {
            "source_record_id": f"{person}:{label}",
            "school_id": school,
            "person_id": person,
            "kind": (text(d.get("type")) or "phone").lower(),
            "value": text(d.get("value")),
            "label": label,
            "primary": bool(boolean(d.get("primary"), "details.primary")),
        }
    # The top-level email and phone are the primary ones; details may or may not repeat them.
    known = {row["value"] for row in rows.values()}
    for kind, label, value in (
        ("email", "email", text(r.get("email"))),
        ("phone", "phone", text(r.get("phone"))),
    ):
        if value is not None and value not in known and label not in rows:
            rows[label] = {
                "source_record_id": f"{person}:{label}",
                "school_id": school,
                "person_id": person,
                "kind": kind,
                "value": value,
                "label": label,
                "primary": True,
            }
    return list(rows.values())


def contact_point_rows(student: str, school: str | None, p: Record) -> list[Record]:
    rows = _points(student, school, p)
    for cid, c in _contacts(student, p):
        rows.extend(_points(cid, ident(get(c, "schoolId"), "schoolId") or school, c))
    return rows


def relationship_rows(student: str, school: str | None, p: Record) -> list[Record]:
    return [
        {
            "source_record_id": f"{student}:{cid}",
            "school_id": school,
            "student_id": student,
            "contact_id": cid,
            "relationship": _lower(text(c.get("relationship"))),
            "priority": integer(first(c, "priority", "sortOrder"), "priority") or n + 1,
            "custody": boolean(c.get("custody"), "custody"),
            "emergency": boolean(c.get("emergency"), "emergency"),
            "lives_with": boolean(get(c, "livesWith"), "livesWith"),
        }
        for n, (cid, c) in enumerate(_contacts(student, p))
    ]


# -- absences page: marks and the marking period's totals ---------------------------------------------


def _days(p: Record) -> list[Record]:
    # camelCase: "days": [...]; snake_case: "absences": {"2017-02-22": {...}}
    return items(first(p, "days", "absences"), "days")


def attendance_mark_rows(student: str, school: str | None, p: Record) -> list[Record]:
    rows = []
    for day in _days(p):
        when = _required(local_date(day.get("date") or day.get("id"), "date"), "date")
        for n, mark in enumerate(items(day.get("periods"), "periods")):
            key = text(mark.get("period")) or text(mark.get("id")) or str(n + 1)
            word = (text(mark.get("status")) or "").lower()
            if word in ("", "unset"):  # no mark taken for that period
                continue
            status = ATTENDANCE_STATUSES.get(word)
            if status is None:
                raise FieldError("periods.status", f"unknown attendance status {mark.get('status')!r}")
            recorded = instant(get(mark, "lastUpdated"), "lastUpdated")
            session = SESSION_PERIODS.get(key.upper(), "period")
            rows.append(
                {
                    "source_record_id": f"{student}:{when.isoformat()}:{key}",
                    "school_id": school,
                    "source_updated_at": recorded,
                    "student_id": student,
                    "date": when,
                    "session": session,
                    "period": key if session == "period" else None,
                    "class_id": ident(get(mark, "coursePeriodId"), "coursePeriodId"),
                    "status": status,
                    "source_code": text(mark.get("code")) or text(mark.get("status")),
                    "minutes_late": integer(get(mark, "minutesLate"), "minutesLate"),
                    "note": text(mark.get("comment")),
                    "recorded_by": person_name(get(mark, "lastUpdatedBy")),
                    "recorded_at": recorded,
                }
            )
    return rows


_TOTALS = ("days_possible", "days_attended", "days_absent", "days_absent_excused", "days_absent_unexcused",
           "days_partially_absent")  # fmt: skip
_COUNTS = ("periods_absent", "periods_absent_excused", "periods_absent_unexcused", "periods_late",
           "periods_tardy", "periods_offsite", "periods_misc")  # fmt: skip


def attendance_summary_rows(student: str, school: str | None, p: Record) -> list[Record]:
    mp = current_marking_period(p)
    if mp is None or get(p, "daysPossible") is None:
        return []
    # Totals carry no time of their own: they are as new as the newest mark they count.
    stamps = [m["recorded_at"] for m in attendance_mark_rows(student, school, p) if m["recorded_at"]]
    row: Record = {
        "source_record_id": f"{student}:{mp}",
        "school_id": school,
        "source_updated_at": max(stamps) if stamps else None,
        "student_id": student,
        "session_id": mp,
    }
    row.update({name: number(get(p, _camel(name)), name) for name in _TOTALS})
    row.update({name: integer(get(p, _camel(name)), name) for name in _COUNTS})
    return [row]


# -- referrals, grades, portal, schedule ----------------------------------------------------------------


def behaviour_rows(student: str, school: str | None, p: Record) -> list[Record]:
    rows = []
    for r in items(p.get("referrals"), "referrals"):
        rows.append(
            {
                "source_record_id": _required(ident(r.get("id"), "referrals.id"), "referrals.id"),
                "school_id": school,
                "source_updated_at": instant(get(r, "lastUpdated"), "lastUpdated"),
                "student_id": student,
                "date": local_date(first(r, "entryDate", "creationDate"), "entryDate"),
                "incident_type": "referral",
                "violation": text(r.get("violation")),
                "description": text(get(r, "otherViolation")),
                "staff_name": person_name(r.get("teacher")),
                "staff_id": None,
                "action": text(r.get("action")),
                "suspension_begin": local_date(get(r, "suspensionBegin"), "suspensionBegin"),
                "suspension_end": local_date(get(r, "suspensionEnd"), "suspensionEnd"),
                "processed": boolean(r.get("processed"), "processed"),
            }
        )
    return rows


def grade_rows(student: str, school: str | None, p: Record) -> list[Record]:
    """One grades page (final, semester, quarter or exams), tagged by the client with `_page`."""
    page = str(p.get("_page"))
    kind = GRADE_KINDS[page]
    # The wrapper is "grades" on current servers, the page's own name ("final_grades") on older ones.
    wrapper = first(p, "grades", page, _camel(page))
    rows = []
    for g in items(wrapper, page):
        rows.append(
            {
                "source_record_id": _required(ident(g.get("id"), "id"), "id"),
                "school_id": school,
                "source_updated_at": instant(get(g, "lastUpdated"), "lastUpdated"),
                "student_id": student,
                "course_id": ident(get(g, "courseId"), "courseId"),
                "class_id": ident(get(g, "coursePeriodId"), "coursePeriodId"),
                "session_id": ident(get(g, "mpId"), "mpId"),
                "kind": kind,
                "letter": text(get(g, "letterGrade")),
                "percent": number(get(g, "percentGrade"), "percentGrade"),
                "gpa_points": number(get(g, "gpaPoints"), "gpaPoints"),
                "weighted_gpa_points": number(get(g, "weightedGpaPoints"), "weightedGpaPoints"),
                "credits": number(g.get("credits"), "credits"),
                "credits_earned": number(get(g, "creditsEarned"), "creditsEarned"),
                "affects_gpa": boolean(get(g, "affectsGpa"), "affectsGpa"),
                "comment": text(g.get("comment")),
            }
        )
    return rows


def _portal_assignments(p: Record) -> list[tuple[str, Record]]:
    out: list[tuple[str, Record]] = []
    for course in items(p.get("courses"), "courses"):
        class_id = _required(ident(course.get("id"), "courses.id"), "courses.id")
        out.extend((class_id, a) for a in items(course.get("assignments"), "assignments"))
    return out


def assignment_rows(student: str, school: str | None, p: Record) -> list[Record]:
    return [
        {
            "source_record_id": _required(ident(a.get("id"), "assignments.id"), "assignments.id"),
            "school_id": school,
            "class_id": class_id,
            "title": text(a.get("name")),
            "category": text(a.get("category")),
            "assigned_date": local_date(a.get("assigned"), "assigned"),
            "due_date": local_date(a.get("due"), "due"),
            "max_score": number(get(a, "maxGrade"), "maxGrade"),
        }
        for class_id, a in _portal_assignments(p)
    ]


def result_rows(student: str, school: str | None, p: Record) -> list[Record]:
    rows = []
    for _, a in _portal_assignments(p):
        status = _lower(text(a.get("status")))
        if status in (None, "ng") and get(a, "studentGrade") is None:
            continue  # not handed in or graded: no result yet
        aid = _required(ident(a.get("id"), "assignments.id"), "assignments.id")
        rows.append(
            {
                "source_record_id": f"{aid}:{student}",
                "school_id": school,
                "assignment_id": aid,
                "student_id": student,
                "score": number(get(a, "studentGrade"), "studentGrade"),
                "status": status,
                "letter": text(get(a, "letterGrade")),
                "comment": text(a.get("comment")),
            }
        )
    return rows


def timetable_rows(student: str, school: str | None, p: Record) -> list[Record]:
    rows = []
    for c in items(p.get("courses"), "courses"):
        class_id = ident(c.get("id"), "courses.id")
        if class_id is None:
            continue  # a capture without course period ids cannot name the class
        period = text(c.get("period"))
        for letter in (text(c.get("days")) or "").upper():
            day = DAY_LETTERS.get(letter)
            if day is None:
                raise FieldError("days", f"unknown day letter {letter!r} in {c.get('days')!r}")
            rows.append(
                {
                    "source_record_id": f"{class_id}:{day}:{period}",
                    "school_id": school,
                    "class_id": class_id,
                    "day": day,
                    "period": period,
                    "start_time": text(get(c, "startTime")),
                    "end_time": text(get(c, "endTime")),
                    "room": text(c.get("room")),
                    "session_id": ident(get(c, "markingPeriodId"), "markingPeriodId"),
                }
            )
    return rows


def calendar_rows(school: str, p: Record) -> list[Record]:
    rows = []
    for e in items(p.get("events"), "events"):
        kind = EVENT_KINDS.get((text(e.get("type")) or "occasion").lower())
        if kind is None:
            raise FieldError("events.type", f"unknown event type {e.get('type')!r}")
        rows.append(
            {
                "source_record_id": _required(ident(e.get("id"), "events.id"), "events.id"),
                "school_id": school,
                "date": local_date(e.get("date"), "date"),
                "title": text(first(e, "title", "name", "description")),
                "kind": kind,
                "description": None,
            }
        )
    return rows


STUDENT_MAPPERS: dict[str, StudentMapper] = {
    "demographics": demographics_rows,
    "photo": photo_rows,
    "custom_field": custom_field_rows,
    "address": address_rows,
    "contact_point": contact_point_rows,
    "contact_relationship": relationship_rows,
    "attendance_mark": attendance_mark_rows,
    "attendance_summary": attendance_summary_rows,
    "behaviour_incident": behaviour_rows,
    "grade_record": grade_rows,
    "assignment": assignment_rows,
    "assignment_result": result_rows,
    "timetable_slot": timetable_rows,
}


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise FieldError(field, f"missing {field}")
    return value


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
