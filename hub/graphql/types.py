"""GraphQL object types for canonical records.

Nodes are built from visible rows only. Nested fields load through the policy too, batched per
level (see Batch); a reference the app may not follow comes back null with FORBIDDEN_SCOPE.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy import Table

from hub.graphql.context import Batch, Context, Info
from hub.graphql.enums import ClassKind, EnrollmentRole, Role, SessionKind, to_enum
from hub.graphql.fields import field
from hub.graphql.pagination import Connection, connection, decode_cursor, page_size
from hub.store import CANONICAL_TABLES, reads

ORGANISATIONS = CANONICAL_TABLES["organisation"]
PEOPLE = CANONICAL_TABLES["person"]
CLASSES = CANONICAL_TABLES["class"]
COURSES = CANONICAL_TABLES["course"]
SESSIONS = CANONICAL_TABLES["academic_session"]
ENROLLMENTS = CANONICAL_TABLES["enrollment"]

N = TypeVar("N")
Rows = list[dict[str, Any]]
Build = Callable[[Rows], list[N]]


@strawberry.type(description="A student, member of staff or contact.")
class Person:
    id: strawberry.ID
    source_record_id: str
    role: Role
    role_detail: str | None = strawberry.field(description="The source's own role: teacher, aide, parent …")
    given_name: str | None
    middle_name: str | None
    family_name: str | None
    preferred_name: str | None
    username: str | None
    email: str | None
    phone: str | None
    identifier: str | None = strawberry.field(description="State or national id (state id, UPN)")
    grades: list[str] = strawberry.field(description="Grade levels or year group")
    enabled: bool | None
    updated_at: datetime
    school_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description="This person's enrollments; needs the enrollments scope.")
    def enrollments(self, info: Info) -> list[Enrollment] | None:
        ctx = info.context
        ctx.require("enrollments", self.school_id)
        groups = self.batch.once(
            "enrollments",
            lambda: _children(ctx, ENROLLMENTS, "enrollments", "person_id", self.batch, enrollments_from),
        )
        return groups.get(self.id, [])


@strawberry.type(description="A course in a school's catalogue.")
class Course:
    id: strawberry.ID
    source_record_id: str
    title: str | None
    code: str | None
    grades: list[str]
    subjects: list[str]


@strawberry.type(description="A school year, semester, term or grading period.")
class AcademicSession:
    id: strawberry.ID
    source_record_id: str
    kind: SessionKind | None
    title: str | None
    start_date: date | None
    end_date: date | None
    school_year: int | None


@strawberry.type(description="A scheduled class, homeroom or registration group.")
class Class:
    id: strawberry.ID
    source_record_id: str
    title: str | None
    code: str | None
    kind: ClassKind | None
    room: str | None
    periods: list[str]
    grades: list[str]
    subjects: list[str]
    updated_at: datetime
    school_id: strawberry.Private[str | None]
    course_id: strawberry.Private[str | None]
    session_ids: strawberry.Private[list[str]]
    batch: strawberry.Private[Batch]

    @strawberry.field
    def course(self, info: Info) -> Course | None:
        ctx = info.context
        courses = self.batch.once(
            "course", lambda: _by_ids(ctx, COURSES, "classes", self.batch.values("course_id"), courses_from)
        )
        return courses.get(self.course_id) if self.course_id else None

    @strawberry.field
    def sessions(self, info: Info) -> list[AcademicSession]:
        ctx = info.context
        ids = {sid for row in self.batch.rows for sid in row.get("session_ids") or ()}
        sessions = self.batch.once("sessions", lambda: _by_ids(ctx, SESSIONS, "classes", ids, sessions_from))
        return [sessions[sid] for sid in self.session_ids if sid in sessions]

    @field(description="Who is in this class; needs the enrollments scope.")
    def enrollments(self, info: Info) -> list[Enrollment] | None:
        ctx = info.context
        ctx.require("enrollments", self.school_id)
        groups = self.batch.once(
            "enrollments",
            lambda: _children(ctx, ENROLLMENTS, "enrollments", "class_id", self.batch, enrollments_from),
        )
        return groups.get(self.id, [])


@strawberry.type(description="A person's membership of a class.")
class Enrollment:
    id: strawberry.ID
    source_record_id: str
    role: EnrollmentRole | None
    primary: bool | None
    begin_date: date | None
    end_date: date | None
    school_id: strawberry.Private[str | None]
    person_id: strawberry.Private[str | None]
    class_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description="Null, with FORBIDDEN_SCOPE, when the person's data type is not granted.")
    def person(self, info: Info) -> Person | None:
        ctx = info.context

        def load() -> dict[str, Person]:
            ids = self.batch.values("person_id")
            visible = ctx.policy.people_filter(PEOPLE)
            return {p.id: p for p in people_from(list(reads.by_ids(ctx.conn, PEOPLE, visible, ids).values()))}

        found = self.batch.once("person", load).get(self.person_id) if self.person_id else None
        if found is None and self.person_id:
            # Name the scope from what the enrollment says, never from the hidden row itself.
            ctx.require("students" if self.role is EnrollmentRole.STUDENT else "staff", self.school_id)
        return found

    @field(name="class", description="Null, with FORBIDDEN_SCOPE, without the classes scope.")
    def class_(self, info: Info) -> Class | None:
        ctx = info.context
        classes = self.batch.once(
            "class", lambda: _by_ids(ctx, CLASSES, "classes", self.batch.values("class_id"), classes_from)
        )
        found = classes.get(self.class_id) if self.class_id else None
        if found is None and self.class_id:
            ctx.require("classes", self.school_id)
        return found


@strawberry.type(description="A school this app has a grant at.")
class School:
    id: strawberry.ID
    source_record_id: str
    source_id: strawberry.ID
    name: str | None
    identifier: str | None = strawberry.field(description="National or state identifier (NCES, URN, DfE)")

    @field(description="Needs the students scope at this school.")
    def students(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> Connection[Person] | None:
        return _school_page(info, self.id, PEOPLE, "students", first, after, people_from)

    @field(description="Needs the staff scope at this school.")
    def staff(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> Connection[Person] | None:
        return _school_page(info, self.id, PEOPLE, "staff", first, after, people_from)

    @field(description="Needs the contacts scope at this school.")
    def contacts(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> Connection[Person] | None:
        return _school_page(info, self.id, PEOPLE, "contacts", first, after, people_from)

    @field(description="Needs the classes scope at this school.")
    def classes(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> Connection[Class] | None:
        return _school_page(info, self.id, CLASSES, "classes", first, after, classes_from)

    @field(description="Needs the classes scope at this school.")
    def courses(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> Connection[Course] | None:
        return _school_page(info, self.id, COURSES, "classes", first, after, courses_from)

    @field(description="Needs the classes scope at this school.")
    def academic_sessions(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> Connection[AcademicSession] | None:
        return _school_page(info, self.id, SESSIONS, "classes", first, after, sessions_from)

    @field(description="Needs the enrollments scope at this school.")
    def enrollments(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> Connection[Enrollment] | None:
        return _school_page(info, self.id, ENROLLMENTS, "enrollments", first, after, enrollments_from)


# --- building nodes from rows: one Batch per list of rows ------------------------------------------


def people_from(rows: Rows) -> list[Person]:
    batch = Batch(rows)
    return [
        Person(
            id=strawberry.ID(r["id"]),
            source_record_id=r["source_record_id"],
            role=Role(r["role"]),
            role_detail=r["role_detail"],
            given_name=r["given_name"],
            middle_name=r["middle_name"],
            family_name=r["family_name"],
            preferred_name=r["preferred_name"],
            username=r["username"],
            email=r["email"],
            phone=r["phone"],
            identifier=r["identifier"],
            grades=list(r["grades"] or ()),
            enabled=r["enabled"],
            updated_at=r["updated_at"],
            school_id=r["school_id"],
            batch=batch,
        )
        for r in rows
    ]


def classes_from(rows: Rows) -> list[Class]:
    batch = Batch(rows)
    return [
        Class(
            id=strawberry.ID(r["id"]),
            source_record_id=r["source_record_id"],
            title=r["title"],
            code=r["code"],
            kind=to_enum(ClassKind, r["kind"]),
            room=r["room"],
            periods=list(r["periods"] or ()),
            grades=list(r["grades"] or ()),
            subjects=list(r["subjects"] or ()),
            updated_at=r["updated_at"],
            school_id=r["school_id"],
            course_id=r["course_id"],
            session_ids=list(r["session_ids"] or ()),
            batch=batch,
        )
        for r in rows
    ]


def courses_from(rows: Rows) -> list[Course]:
    return [
        Course(
            id=strawberry.ID(r["id"]),
            source_record_id=r["source_record_id"],
            title=r["title"],
            code=r["code"],
            grades=list(r["grades"] or ()),
            subjects=list(r["subjects"] or ()),
        )
        for r in rows
    ]


def sessions_from(rows: Rows) -> list[AcademicSession]:
    return [
        AcademicSession(
            id=strawberry.ID(r["id"]),
            source_record_id=r["source_record_id"],
            kind=to_enum(SessionKind, r["kind"]),
            title=r["title"],
            start_date=r["start_date"],
            end_date=r["end_date"],
            school_year=r["school_year"],
        )
        for r in rows
    ]


def enrollments_from(rows: Rows) -> list[Enrollment]:
    batch = Batch(rows)
    return [
        Enrollment(
            id=strawberry.ID(r["id"]),
            source_record_id=r["source_record_id"],
            role=to_enum(EnrollmentRole, r["role"]),
            primary=r["primary"],
            begin_date=r["begin_date"],
            end_date=r["end_date"],
            school_id=r["school_id"],
            person_id=r["person_id"],
            class_id=r["class_id"],
            batch=batch,
        )
        for r in rows
    ]


def schools_from(rows: Rows) -> list[School]:
    return [
        School(
            id=strawberry.ID(r["id"]),
            source_record_id=r["source_record_id"],
            source_id=strawberry.ID(r["source_id"]),
            name=r["name"],
            identifier=r["identifier"],
        )
        for r in rows
    ]


# --- loading through the policy ----------------------------------------------------------------------


def _school_page(
    info: Info,
    school_id: str,
    table: Table,
    data_type: str,
    first: int | None,
    after: str | None,
    build: Build[N],
) -> Connection[N]:
    ctx = info.context
    size, after_id = page_size(first), decode_cursor(after)
    ctx.require(data_type, school_id)
    rows, more = reads.page(
        ctx.conn,
        table,
        ctx.policy.row_filter(table, data_type),
        first=size,
        after_id=after_id,
        where=[table.c.school_id == school_id],
    )
    return connection(rows, more, build)


def _by_ids(ctx: Context, table: Table, data_type: str, ids: set[str], build: Build[N]) -> dict[str, N]:
    rows = list(reads.by_ids(ctx.conn, table, ctx.policy.row_filter(table, data_type), ids).values())
    return {row["id"]: node for row, node in zip(rows, build(rows), strict=True)}


def _children(
    ctx: Context, table: Table, data_type: str, column: str, parents: Batch, build: Build[N]
) -> dict[str, list[N]]:
    """Children of every parent in the batch, in one query; all children share one batch."""
    groups = reads.grouped_by(
        ctx.conn, table, ctx.policy.row_filter(table, data_type), column, parents.values("id")
    )
    flat = [row for rows in groups.values() for row in rows]
    nodes = iter(build(flat))
    return {key: [next(nodes) for _ in rows] for key, rows in groups.items()}
