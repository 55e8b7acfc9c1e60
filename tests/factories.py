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
    conn: Connection, entity: str, *, source_id: str, school_id: str | None, **fields: Any
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
