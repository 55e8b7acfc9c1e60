"""Small typed factories: canonical rows and apps inserted through SQLAlchemy Core."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import anyio
import httpx
from sqlalchemy import Connection

from hub.access import AppRecord, grant, issue_token, register_app
from hub.store import CANONICAL_TABLES
from hub.store.columns import new_id
from hub.store.models import SOURCES

_versions = itertools.count(1)
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def make_source(conn: Connection, *, name: str = "sis", adapter: str = "oneroster") -> str:
    source_id = new_id()
    conn.execute(
        SOURCES.insert().values(
            id=source_id, name=name, adapter=adapter, config={}, checkpoint={}, created_at=NOW
        )
    )
    return source_id


def make_record(
    conn: Connection, entity: str, /, *, source_id: str, school_id: str | None, **fields: Any
) -> str:
    """One canonical row of `entity` with every common column filled; returns its hub id."""
    record_id = new_id()
    values = {
        "id": record_id,
        "source_id": source_id,
        "source_record_id": fields.pop("source_record_id", f"{entity}-{record_id[:8]}"),
        "school_id": school_id,
        "source_updated_at": NOW,
        "updated_at": NOW,
        "change_version": next(_versions),
        "deleted_at": fields.pop("deleted_at", None),
        "content_hash": hashlib.md5(repr(sorted(fields.items())).encode()).hexdigest(),
        **fields,
    }
    conn.execute(CANONICAL_TABLES[entity].insert().values(values))
    return record_id


def make_org(conn: Connection, *, source_id: str, kind: str, name: str, parent_id: str | None = None) -> str:
    org_id = make_record(
        conn,
        "organisation",
        source_id=source_id,
        school_id=None,
        kind=kind,
        name=name,
        parent_id=parent_id,
        identifier=f"ID-{name}",
    )
    return org_id


def make_person(
    conn: Connection,
    *,
    source_id: str,
    school_id: str,
    role: str,
    given_name: str,
    family_name: str = "Test",
    deleted: bool = False,
) -> str:
    return make_record(
        conn,
        "person",
        source_id=source_id,
        school_id=school_id,
        role=role,
        role_detail={"student": "student", "staff": "teacher", "contact": "parent"}[role],
        given_name=given_name,
        family_name=family_name,
        username=given_name.lower(),
        email=f"{given_name.lower()}@example.org",
        grades=["7"] if role == "student" else [],
        enabled=True,
        deleted_at=NOW if deleted else None,
    )


@dataclass
class SchoolRows:
    id: str
    name: str
    students: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    courses: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    enrollments: list[str] = field(default_factory=list)


@dataclass
class District:
    source_id: str
    district_id: str
    schools: list[SchoolRows]


def make_school(
    conn: Connection, *, source_id: str, district_id: str, name: str, students: int = 3
) -> SchoolRows:
    school = SchoolRows(
        id=make_org(conn, source_id=source_id, kind="school", name=name, parent_id=district_id), name=name
    )
    sid, src = school.id, source_id
    school.students = [
        make_person(conn, source_id=src, school_id=sid, role="student", given_name=f"{name}Pupil{i}")
        for i in range(students)
    ]
    school.staff = [
        make_person(conn, source_id=src, school_id=sid, role="staff", given_name=f"{name}Teacher")
    ]
    school.contacts = [
        make_person(conn, source_id=src, school_id=sid, role="contact", given_name=f"{name}Parent")
    ]
    school.sessions = [
        make_record(
            conn,
            "academic_session",
            source_id=src,
            school_id=sid,
            kind="school_year",
            title="2025-26",
            start_date=date(2025, 9, 1),
            end_date=date(2026, 7, 20),
            school_year=2026,
        )
    ]
    school.courses = [
        make_record(
            conn,
            "course",
            source_id=src,
            school_id=sid,
            title=f"{name} Maths",
            code="MA",
            grades=["7"],
            subjects=["maths"],
        )
    ]
    school.classes = [
        make_record(
            conn,
            "class",
            source_id=src,
            school_id=sid,
            title=f"{name} 7A Maths",
            code="7A/Ma",
            kind="scheduled",
            course_id=school.courses[0],
            session_ids=school.sessions,
            periods=["1"],
            grades=["7"],
            subjects=["maths"],
        )
    ]
    members = [(pid, "student") for pid in school.students] + [(school.staff[0], "teacher")]
    school.enrollments = [
        make_record(
            conn,
            "enrollment",
            source_id=src,
            school_id=sid,
            person_id=pid,
            class_id=school.classes[0],
            role=role,
            primary=role == "teacher",
            begin_date=date(2025, 9, 1),
        )
        for pid, role in members
    ]
    return school


def make_district(conn: Connection, *, source_name: str = "sis", students: int = 3) -> District:
    """A source holding a district with two schools, each with people, a class and its enrollments."""
    source_id = make_source(conn, name=source_name)
    district_id = make_org(conn, source_id=source_id, kind="district", name=f"{source_name} District")
    schools = [
        make_school(conn, source_id=source_id, district_id=district_id, name=name, students=students)
        for name in ("North", "South")
    ]
    return District(source_id=source_id, district_id=district_id, schools=schools)


def make_app(
    conn: Connection,
    *,
    name: str = "Acme Learning",
    source_id: str | None = None,
    school_ids: list[str] | None = None,
    data_types: list[str] | None = None,
) -> tuple[AppRecord, str]:
    """An app and its secret, granted `data_types` at `school_ids` when given."""
    app, secret = register_app(conn, name)
    if source_id is not None and school_ids:
        grant(
            conn,
            app.id,
            source_id,
            school_ids,
            data_types or ["students", "staff", "contacts", "classes", "enrollments"],
        )
    return app, secret


def make_token(conn: Connection, app_id: str, *, now: datetime | None = None, ttl_seconds: int = 3600) -> str:
    return issue_token(conn, app_id, ttl_seconds, now or datetime.now(UTC)).access_token


class ApiClient:
    """A synchronous face on httpx's ASGI transport (starlette's TestClient wants httpx2 now)."""

    def __init__(self, app: Any, base_url: str = "https://testserver") -> None:
        self.app = app
        self.base_url = base_url

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
                return await client.request(method, url, **kwargs)

        return anyio.run(send)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def graphql(self, query: str, token: str | None, **variables: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


# --- school life and people's details ---------------------------------------------------------------


def make_attendance_mark(
    conn: Connection,
    *,
    source_id: str,
    school_id: str,
    student_id: str,
    on: date,
    status: str = "present",
    session: str = "am",
    class_id: str | None = None,
    note: str | None = None,
) -> str:
    code = {"present": "/", "absent": "N", "late": "L"}.get(status, "#")
    return make_record(
        conn,
        "attendance_mark",
        source_id=source_id,
        school_id=school_id,
        student_id=student_id,
        date=on,
        session=session,
        class_id=class_id,
        status=status,
        source_code=code,
        note=note,
        recorded_at=NOW,
    )


def make_attendance_summary(
    conn: Connection, *, source_id: str, school_id: str, student_id: str, session_id: str | None = None
) -> str:
    return make_record(
        conn,
        "attendance_summary",
        source_id=source_id,
        school_id=school_id,
        student_id=student_id,
        session_id=session_id,
        days_possible=100.0,
        days_attended=95.5,
        days_absent=4.5,
        periods_late=3,
    )


def make_behaviour_incident(
    conn: Connection,
    *,
    source_id: str,
    school_id: str,
    student_id: str,
    on: date,
    staff_id: str | None = None,
    description: str = "Disrupted the lesson",
) -> str:
    return make_record(
        conn,
        "behaviour_incident",
        source_id=source_id,
        school_id=school_id,
        student_id=student_id,
        date=on,
        incident_type="referral",
        description=description,
        staff_id=staff_id,
        action="detention",
        processed=False,
    )


def make_grade_record(
    conn: Connection,
    *,
    source_id: str,
    school_id: str,
    student_id: str,
    kind: str = "final",
    letter: str = "A-",
    session_id: str | None = None,
    class_id: str | None = None,
    course_id: str | None = None,
) -> str:
    return make_record(
        conn,
        "grade_record",
        source_id=source_id,
        school_id=school_id,
        student_id=student_id,
        kind=kind,
        letter=letter,
        percent=91.0,
        session_id=session_id,
        class_id=class_id,
        course_id=course_id,
        comment="Good progress",
    )


def make_assignment(
    conn: Connection, *, source_id: str, school_id: str, class_id: str, title: str, due: date
) -> str:
    return make_record(
        conn,
        "assignment",
        source_id=source_id,
        school_id=school_id,
        class_id=class_id,
        title=title,
        category="Homework",
        due_date=due,
        max_score=20.0,
    )


def make_assignment_result(
    conn: Connection, *, source_id: str, school_id: str, assignment_id: str, student_id: str, score: float
) -> str:
    return make_record(
        conn,
        "assignment_result",
        source_id=source_id,
        school_id=school_id,
        assignment_id=assignment_id,
        student_id=student_id,
        score=score,
        status="graded",
    )


def make_calendar_event(
    conn: Connection, *, source_id: str, school_id: str, on: date, title: str, kind: str = "holiday"
) -> str:
    return make_record(
        conn, "calendar_event", source_id=source_id, school_id=school_id, date=on, title=title, kind=kind
    )


def make_timetable_slot(
    conn: Connection, *, source_id: str, school_id: str, class_id: str, day: str = "mon", period: str = "1"
) -> str:
    return make_record(
        conn,
        "timetable_slot",
        source_id=source_id,
        school_id=school_id,
        class_id=class_id,
        day=day,
        period=period,
        start_time="09:00",
        end_time="09:50",
        room="B12",
    )


def make_demographics(
    conn: Connection, *, source_id: str, school_id: str, person_id: str, ethnicity: str = "WBRI"
) -> str:
    return make_record(
        conn,
        "demographics",
        source_id=source_id,
        school_id=school_id,
        person_id=person_id,
        sex="female",
        ethnicity=ethnicity,
        language="eng",
        special_needs=False,
    )


def make_address(conn: Connection, *, source_id: str, school_id: str, person_id: str) -> str:
    return make_record(
        conn,
        "address",
        source_id=source_id,
        school_id=school_id,
        person_id=person_id,
        kind="home",
        line1="1 High Street",
        city="Leeds",
        postcode="LS1 1AA",
        country="GB",
    )


def make_contact_point(
    conn: Connection, *, source_id: str, school_id: str, person_id: str, value: str = "+44 113 496 0000"
) -> str:
    return make_record(
        conn,
        "contact_point",
        source_id=source_id,
        school_id=school_id,
        person_id=person_id,
        kind="phone",
        value=value,
        label="mobile",
        primary=True,
    )


def make_contact_relationship(
    conn: Connection,
    *,
    source_id: str,
    school_id: str,
    student_id: str,
    contact_id: str,
    relationship: str = "mother",
    priority: int = 1,
) -> str:
    return make_record(
        conn,
        "contact_relationship",
        source_id=source_id,
        school_id=school_id,
        student_id=student_id,
        contact_id=contact_id,
        relationship=relationship,
        priority=priority,
        custody=True,
        emergency=True,
        lives_with=True,
    )


def make_photo(conn: Connection, *, source_id: str, school_id: str, person_id: str) -> str:
    return make_record(
        conn,
        "photo",
        source_id=source_id,
        school_id=school_id,
        person_id=person_id,
        content_type="image/png",
        data="iVBORw0KGgo=",
        taken_at=NOW,
    )


def make_custom_field(conn: Connection, *, source_id: str, school_id: str, person_id: str) -> str:
    return make_record(
        conn,
        "custom_field",
        source_id=source_id,
        school_id=school_id,
        entity="person",
        person_id=person_id,
        key="bus_route",
        value="42",
    )


@dataclass
class SchoolLife:
    """One school's school-life and detail rows: canonical entity name → hub ids."""

    by_entity: dict[str, list[str]] = field(default_factory=dict)

    def add(self, entity: str, record_id: str) -> None:
        self.by_entity.setdefault(entity, []).append(record_id)

    @property
    def ids(self) -> set[str]:
        return {i for ids in self.by_entity.values() for i in ids}


def make_school_life(conn: Connection, *, source_id: str, school: SchoolRows, day: date) -> SchoolLife:
    """For each pupil of `school`: a mark on `day`, a summary, an incident, a grade, a result,
    demographics, an address, a phone, a relationship to the school's contact, a photo and a custom
    field; for the school: an assignment, a timetable slot and a calendar event."""
    life = SchoolLife()
    kw: dict[str, Any] = {"source_id": source_id, "school_id": school.id}
    klass, session = school.classes[0], school.sessions[0]
    assignment = make_assignment(conn, **kw, class_id=klass, title="Fractions", due=day)
    life.add("assignment", assignment)
    life.add("timetable_slot", make_timetable_slot(conn, **kw, class_id=klass))
    life.add("calendar_event", make_calendar_event(conn, **kw, on=day, title="Inset day"))
    for n, pupil in enumerate(school.students):
        status = "absent" if n % 2 else "present"
        mark = make_attendance_mark(conn, **kw, student_id=pupil, on=day, status=status, class_id=klass)
        life.add("attendance_mark", mark)
        life.add(
            "attendance_summary", make_attendance_summary(conn, **kw, student_id=pupil, session_id=session)
        )
        incident = make_behaviour_incident(conn, **kw, student_id=pupil, on=day, staff_id=school.staff[0])
        life.add("behaviour_incident", incident)
        grade = make_grade_record(
            conn, **kw, student_id=pupil, session_id=session, class_id=klass, course_id=school.courses[0]
        )
        life.add("grade_record", grade)
        result = make_assignment_result(
            conn, **kw, assignment_id=assignment, student_id=pupil, score=15.0 + n
        )
        life.add("assignment_result", result)
        life.add("demographics", make_demographics(conn, **kw, person_id=pupil))
        life.add("address", make_address(conn, **kw, person_id=pupil))
        life.add("contact_point", make_contact_point(conn, **kw, person_id=pupil))
        relationship = make_contact_relationship(conn, **kw, student_id=pupil, contact_id=school.contacts[0])
        life.add("contact_relationship", relationship)
        life.add("photo", make_photo(conn, **kw, person_id=pupil))
        life.add("custom_field", make_custom_field(conn, **kw, person_id=pupil))
    return life
