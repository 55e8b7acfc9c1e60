"""Arbor objects → canonical frames. Pure functions: no I/O, no clock.

Each stream has a row mapper reading one resolved Arbor object (plus the lookups its stream
loaded: academic years for terms, sessions and marks for attendance records …) and raising
`FieldError` naming the Arbor field at fault; `to_canonical` turns those into Rejects, passes
changelog deletions through, and builds a frame with exactly the entity's polars schema.
References stay as Arbor ids; the sync engine resolves them. An Arbor site is one school, so
every record gets the site's school id, except academic years and terms, which (as in OneRoster
1.1) belong to no school record here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import polars as pl

from adapters.arbor.dialect import MODIFIED
from adapters.arbor.marks import status_of
from adapters.arbor.values import (
    FieldError,
    Record,
    ref_id,
    ref_name,
    required,
    text,
    to_bool,
    to_date,
    to_datetime,
    to_int,
)
from adapters.sdk import MappedPage, Page, Reject
from hub.canonical import EntitySpec

Lookups = Mapping[str, Mapping[str, Record]]


@dataclass(frozen=True)
class ArborPage(Page):
    """Resolved objects of one page, with what mapping them needs and the ids the changelog deleted."""

    school_id: str | None = None
    lookups: Lookups = field(default_factory=dict)
    deleted_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    school_id: str | None
    lookups: Lookups

    def lookup(self, path: str, record: Record, field: str) -> Record:
        """The object `record[field]` refers to, from the stream's preloaded `path` lookup."""
        key = required(ref_id(record, field), field)
        found = self.lookups.get(path, {}).get(key)
        if found is None:
            raise FieldError(field, f"refers to {path} {key}, which the source does not list")
        return found


RowMapper = Callable[[Record, Context], Record]

# Canonical fields each stream cannot fill, because the Arbor dialect has no such data (or keeps
# it somewhere this adapter does not read yet). The round-trip test compares everything else.
_PERSON_NOT_CARRIED = frozenset(
    # email and phones arrive as contact_point records; year groups, usernames, account status
    # and agent links live in resources not read (academic level memberships, users) or in
    # student-guardian relationships.
    {"username", "email", "phone", "sms", "grades", "enabled", "agent_ids"}
)
NOT_CARRIED: dict[str, frozenset[str]] = {
    "schools": frozenset({"parent_id"}),  # a site is one school; its trust is not in the dialect
    "academic-years": frozenset(),
    "terms": frozenset(),
    "progress-measurement-periods": frozenset(),
    "registration-forms": frozenset({"course_id", "periods", "grades", "subjects"}),
    "academic-units": frozenset({"course_id", "room", "periods", "grades"}),
    "students": _PERSON_NOT_CARRIED,
    # Arbor has no staff or guardian "role" field: role_detail is the resource (staff, guardian).
    "staff": _PERSON_NOT_CARRIED | {"role_detail"},
    "guardians": _PERSON_NOT_CARRIED | {"role_detail"},
    "registration-form-memberships": frozenset(),
    "academic-unit-enrolments": frozenset(),
    "student-guardian-relationships": frozenset({"emergency", "lives_with"}),
    "email-addresses": frozenset(),
    "telephone-numbers": frozenset(),
    "postal-addresses": frozenset(),
    # Who took the register and when are not in an AttendanceRecord.
    "attendance-records": frozenset({"recorded_by", "recorded_at"}),
    # Arbor keeps actions and exclusions (suspensions) in resources not read.
    "behavioural-incident-student-involvements": frozenset(
        {"incident_type", "action", "suspension_begin", "suspension_end"}
    ),
}


def to_canonical(spec: EntitySpec, page: Page, row: RowMapper) -> MappedPage:
    schema = spec.polars_schema()
    school_id = page.school_id if isinstance(page, ArborPage) else None
    ctx = Context(school_id, page.lookups if isinstance(page, ArborPage) else {})
    rows: list[Record] = []
    rejects: list[Reject] = []
    for record in cast(list[Any], page.records):  # JSON: may hold anything
        if not isinstance(record, dict):
            rejects.append(Reject(None, None, "record is not a JSON object", page.location))
            continue
        record_id = record.get("id")
        if record_id in (None, "") or isinstance(record_id, bool | dict | list):
            rejects.append(Reject(None, "id", f"missing or invalid id {record_id!r}", page.location))
            continue
        try:
            mapped = {"school_id": school_id, **row(record, ctx)}
            stamp = required(to_datetime(record.get(MODIFIED), MODIFIED), MODIFIED)
            # A joined object (a behaviour incident) may have changed after this one: the later
            # stamp is when the source last changed the canonical record.
            joined = mapped.get("source_updated_at")
            mapped["source_updated_at"] = max(stamp, joined) if joined is not None else stamp
            mapped["source_record_id"] = str(record_id)
        except FieldError as exc:
            rejects.append(Reject(str(record_id), exc.field, exc.reason, page.location))
            continue
        rows.append(mapped)
    frame = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    deleted = list(page.deleted_ids) if isinstance(page, ArborPage) else []
    return MappedPage(frame=frame, rejects=rejects, deleted_ids=deleted)


# -- organisation and academic sessions ------------------------------------------------------------


def school_row(r: Record, ctx: Context) -> Record:
    return {
        "school_id": str(r["id"]),
        "kind": "school",
        "name": text(r.get("schoolName")),
        "identifier": text(r.get("urn")),
        "parent_id": None,
    }


def _end_year(record: Record, field: str) -> int | None:
    end = to_date(record.get("endDate"), f"{field}.endDate")
    return end.year if end else None


def academic_year_row(r: Record, ctx: Context) -> Record:
    return {
        "school_id": None,
        "kind": "school_year",
        "title": text(r.get("academicYearName")),
        "start_date": to_date(r.get("startDate"), "startDate"),
        "end_date": to_date(r.get("endDate"), "endDate"),
        "parent_id": None,
        "school_year": _end_year(r, "academicYear"),
    }


def term_row(r: Record, ctx: Context) -> Record:
    year = ctx.lookup("academic-years", r, "academicYear")
    return {
        "school_id": None,
        "kind": "term",
        "title": text(r.get("termName")),
        "start_date": to_date(r.get("startDate"), "startDate"),
        "end_date": to_date(r.get("endDate"), "endDate"),
        "parent_id": ref_id(r, "academicYear"),
        "school_year": _end_year(year, "academicYear"),
    }


def progress_period_row(r: Record, ctx: Context) -> Record:
    year = ctx.lookup("academic-years", r, "academicYear")
    return {
        "school_id": None,
        "kind": "grading_period",
        "title": text(r.get("periodName")),
        "start_date": to_date(r.get("startDate"), "startDate"),
        "end_date": to_date(r.get("endDate"), "endDate"),
        "parent_id": ref_id(r, "academicYear"),
        "school_year": _end_year(year, "academicYear"),
    }


# -- classes ---------------------------------------------------------------------------------------


def registration_form_row(r: Record, ctx: Context) -> Record:
    year = ref_id(r, "academicYear")
    return {
        "title": text(r.get("registrationFormName")),
        "code": text(r.get("code")),
        "kind": "registration",
        "session_ids": [year] if year else [],
        "room": ref_name(r, "room"),
        "periods": [],
        "grades": [],
        "subjects": [],
    }


def academic_unit_row(r: Record, ctx: Context) -> Record:
    start = to_date(r.get("effectiveDate"), "effectiveDate")
    end = to_date(r.get("endDate"), "endDate")
    # A unit names its year and dates, not terms: it runs in the terms its dates cover.
    terms = sorted(
        (to_date(t.get("startDate"), "term.startDate"), term_id)
        for term_id, t in ctx.lookups.get("terms", {}).items()
        if start
        and end
        and (t_start := to_date(t.get("startDate"), "term.startDate"))
        and (t_end := to_date(t.get("endDate"), "term.endDate"))
        and start <= t_start
        and t_end <= end
    )
    subject = ref_name(r, "subject")
    return {
        "title": text(r.get("academicUnitName")),
        "code": text(r.get("academicUnitCode")),
        "kind": "scheduled",
        "session_ids": [term_id for _, term_id in terms],
        "periods": [],
        "grades": [],
        "subjects": [subject] if subject else [],
    }


# -- people ----------------------------------------------------------------------------------------


def _person(r: Record, role: str, role_detail: str, identifier: str | None) -> Record:
    person = r.get("person")
    if not isinstance(person, dict):
        raise FieldError("person", f"expected the embedded Person object, got {person!r}")
    gender = text(person.get("gender"))
    return {
        "role": role,
        "role_detail": role_detail,
        "given_name": text(person.get("legalFirstName")),
        "middle_name": text(person.get("legalMiddleNames")),
        "family_name": text(person.get("legalLastName")),
        "preferred_name": text(person.get("preferredFirstName")),
        "identifier": identifier,
        "grades": [],
        "date_of_birth": to_date(person.get("dateOfBirth"), "person.dateOfBirth"),
        "gender": gender.lower() if gender else None,
        "agent_ids": [],
    }


def student_row(r: Record, ctx: Context) -> Record:
    return _person(r, "student", "student", text(r.get("uniqueLearnerNumber")))


def staff_row(r: Record, ctx: Context) -> Record:
    return _person(r, "staff", "staff", text(r.get("staffNumber")))


def guardian_row(r: Record, ctx: Context) -> Record:
    return _person(r, "contact", "guardian", None)


# -- enrolments and relationships ------------------------------------------------------------------


def _student_enrolment(r: Record, group_field: str) -> Record:
    return {
        "person_id": required(ref_id(r, "student"), "student"),
        "class_id": required(ref_id(r, group_field), group_field),
        "role": "student",
        "primary": False,
        "begin_date": to_date(r.get("startDate"), "startDate"),
        "end_date": to_date(r.get("endDate"), "endDate"),
    }


def form_membership_row(r: Record, ctx: Context) -> Record:
    return _student_enrolment(r, "registrationForm")


def unit_enrolment_row(r: Record, ctx: Context) -> Record:
    return _student_enrolment(r, "academicUnit")


def relationship_row(r: Record, ctx: Context) -> Record:
    relationship = ref_name(r, "guardianRelationshipType")
    return {
        "student_id": required(ref_id(r, "student"), "student"),
        "contact_id": required(ref_id(r, "guardian"), "guardian"),
        "relationship": relationship.lower() if relationship else None,
        "priority": to_int(r.get("emergencyContactPriority"), "emergencyContactPriority"),
        "custody": to_bool(r.get("isLegalGuardian"), "isLegalGuardian"),  # parental responsibility
        "emergency": None,
        "lives_with": None,
    }


# -- contact details -------------------------------------------------------------------------------


def _label(r: Record, field: str) -> str | None:
    name = ref_name(r, field)
    return name.lower() if name else None


def email_row(r: Record, ctx: Context) -> Record:
    order = to_int(r.get("dataOrder"), "dataOrder")
    return {
        "person_id": required(ref_id(r, "emailAddressOwner"), "emailAddressOwner"),
        "kind": "email",
        "value": required(text(r.get("emailAddress")), "emailAddress"),
        "label": _label(r, "emailAddressType"),
        "primary": order == 1 if order is not None else None,
    }


def telephone_row(r: Record, ctx: Context) -> Record:
    ranking = to_int(r.get("telephoneNumberRanking"), "telephoneNumberRanking")
    return {
        "person_id": required(ref_id(r, "numberOwner"), "numberOwner"),
        "kind": "phone",
        "value": required(text(r.get("number")), "number"),
        "label": _label(r, "telephoneNumberType"),
        "primary": ranking == 1 if ranking is not None else None,
    }


def postal_address_row(r: Record, ctx: Context) -> Record:
    return {
        "person_id": required(ref_id(r, "addressOwner"), "addressOwner"),
        "kind": _label(r, "addressType"),
        "line1": text(r.get("address1")),
        "line2": text(r.get("address2")),
        "city": text(r.get("postalTown")),
        "region": text(r.get("postalState")),
        "postcode": text(r.get("postalCode")),
        "country": text(r.get("country")),
    }


# -- school life -----------------------------------------------------------------------------------


def attendance_record_row(r: Record, ctx: Context) -> Record:
    mark = ctx.lookup("attendance-marks", r, "attendanceMark")
    code = text(mark.get("code"))
    status = status_of(code) if code else None
    if code is None or status is None:
        raise FieldError("attendanceMark", f"unknown attendance code {code!r}")
    event = ctx.lookup("sessions", r, "event")
    register = ctx.lookup("attendance-register-types", event, "attendanceRegisterType")
    if to_bool(register.get("isMorning"), "isMorning"):
        session = "am"
    elif to_bool(register.get("isAfternoon"), "isAfternoon"):
        session = "pm"
    else:
        session = "period"  # a lesson register
    start = required(to_datetime(r.get("startDatetime"), "startDatetime"), "startDatetime")
    return {
        "student_id": required(ref_id(r, "student"), "student"),
        "date": start.date(),
        "session": session,
        "period": text(event.get("sessionName")) if session == "period" else None,
        "class_id": ref_id(event, "registrationForm") or ref_id(event, "academicUnit"),
        "status": status,
        "source_code": code,
        "minutes_late": to_int(r.get("minutesLate"), "minutesLate"),
        "note": text(r.get("recordNote")),
        "recorded_by": None,
        "recorded_at": None,
    }


def involvement_row(r: Record, ctx: Context) -> Record:
    incident = ctx.lookup("behavioural-incidents", r, "behaviouralIncident")
    happened: datetime = required(
        to_datetime(incident.get("incidentDatetime"), "incidentDatetime"), "incidentDatetime"
    )
    return {
        "student_id": required(ref_id(r, "student"), "student"),
        "date": happened.date(),
        "incident_type": None,
        "violation": ref_name(incident, "behaviour"),
        "description": text(incident.get("narrative")),
        "staff_name": ref_name(incident, "loggedByStaff"),
        "staff_id": ref_id(incident, "loggedByStaff"),
        "action": None,
        "suspension_begin": None,
        "suspension_end": None,
        "processed": r.get("resolvedDatetime") not in (None, ""),
        "source_updated_at": to_datetime(incident.get(MODIFIED), f"behaviouralIncident.{MODIFIED}"),
    }
