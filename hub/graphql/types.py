"""GraphQL object types for canonical records.

Nodes are built from visible rows only, with the fields a school withheld already NULL (the
policy masks them in SQL). Nested fields load through the policy too, batched per level (see
Batch); a reference the app may not follow comes back null with FORBIDDEN_SCOPE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import strawberry
from sqlalchemy import ColumnElement, Table, Text, and_, cast, or_

from hub.graphql import life_fields as life
from hub.graphql.context import Batch, Context, Info
from hub.graphql.enums import ClassKind, EnrollmentRole, Role, SessionKind, to_enum
from hub.graphql.fields import field
from hub.graphql.ids import global_id, parse_global_id
from hub.graphql.loading import Build, N, PageArgs, Rows, by_ids, children, school_page
from hub.graphql.pagination import Connection
from hub.store import CANONICAL_TABLES
from hub.store.reads import RowFilter

ORGANISATIONS = CANONICAL_TABLES["organisation"]
PEOPLE = CANONICAL_TABLES["person"]
CLASSES = CANONICAL_TABLES["class"]
COURSES = CANONICAL_TABLES["course"]
SESSIONS = CANONICAL_TABLES["academic_session"]
ENROLLMENTS = CANONICAL_TABLES["enrollment"]


@strawberry.interface(description="An object with a global id; any can be fetched with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global id: opaque, stable, unique across types.")
    hub_id: strawberry.ID = strawberry.field(description="The record's hub id (as in exports and the admin).")


@strawberry.type(description="A student, member of staff or contact.")
class Person(Node):
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
    sms: str | None
    identifier: str | None = strawberry.field(description="State or national id (state id, UPN)")
    grades: list[str] | None = strawberry.field(description="Grade levels or year group")
    enabled: bool | None
    date_of_birth: date | None
    gender: str | None
    updated_at: datetime
    deleted_at: datetime | None = strawberry.field(description="Set on tombstones (includeDeleted).")
    school_id: strawberry.Private[str | None]
    agent_ids: strawberry.Private[list[str]]
    batch: strawberry.Private[Batch]
    # School life and personal details: resolvers in hub.graphql.life_fields.
    attendance = life.person_attendance
    attendance_summaries = life.person_attendance_summaries
    behaviour = life.person_behaviour
    grade_records = life.person_grade_records
    results = life.person_results
    demographics = life.person_demographics
    addresses = life.person_addresses
    contact_points = life.person_contact_points
    relationships = life.person_relationships
    photo = life.person_photo
    custom_fields = life.person_custom_fields

    @field(description="This person's enrollments; needs the enrollments scope.")
    def enrollments(self, info: Info) -> list[Enrollment] | None:
        ctx = info.context
        ctx.require("enrollments", self.school_id)
        # Built once per batch (inside `once`), not once per row.
        groups = self.batch.once(
            "enrollments",
            lambda: children(
                ctx,
                ENROLLMENTS,
                ctx.filters.row_filter(ENROLLMENTS, "enrollments"),
                "person_id",
                self.batch.values("id"),
                enrollments_from,
            ),
        )
        return groups.get(self.hub_id, [])

    @field(description="A student's contacts (parents, guardians); needs the contacts scope.")
    def contacts(self, info: Info) -> list[Person] | None:
        ctx = info.context
        ctx.require("contacts", self.school_id)
        found = self.batch.once(
            "contacts",
            lambda: by_ids(
                ctx,
                PEOPLE,
                ctx.filters.row_filter(PEOPLE, "contacts"),
                self.batch.list_values("agent_ids"),
                people_from,
            ),
        )
        return [found[i] for i in self.agent_ids if i in found]


@strawberry.type(description="A course in a school's (or its district's) catalogue.")
class Course(Node):
    source_record_id: str
    title: str | None
    code: str | None
    grades: list[str] | None
    subjects: list[str] | None
    district_level: bool = strawberry.field(description="True for a district's course, held by no school.")
    updated_at: datetime
    deleted_at: datetime | None


@strawberry.type(description="A school year, semester, term or grading period.")
class AcademicSession(Node):
    source_record_id: str
    kind: SessionKind | None
    title: str | None
    start_date: date | None
    end_date: date | None
    school_year: int | None
    district_level: bool
    updated_at: datetime
    deleted_at: datetime | None


@strawberry.type(description="A scheduled class, homeroom or registration group.")
class Class(Node):
    source_record_id: str
    title: str | None
    code: str | None
    kind: ClassKind | None
    room: str | None
    periods: list[str] | None
    grades: list[str] | None
    subjects: list[str] | None
    updated_at: datetime
    deleted_at: datetime | None
    school_id: strawberry.Private[str | None]
    course_id: strawberry.Private[str | None]
    session_ids: strawberry.Private[list[str]]
    batch: strawberry.Private[Batch]
    timetable = life.class_timetable
    assignments = life.class_assignments

    @strawberry.field
    def course(self, info: Info) -> Course | None:
        ctx = info.context
        courses = self.batch.once(
            "course",
            lambda: by_ids(
                ctx,
                COURSES,
                ctx.filters.row_filter(COURSES, "classes"),
                self.batch.values("course_id"),
                courses_from,
            ),
        )
        return courses.get(self.course_id) if self.course_id else None

    @strawberry.field
    def sessions(self, info: Info) -> list[AcademicSession]:
        ctx = info.context
        sessions = self.batch.once(
            "sessions",
            lambda: by_ids(
                ctx,
                SESSIONS,
                ctx.filters.row_filter(SESSIONS, "classes"),
                self.batch.list_values("session_ids"),
                sessions_from,
            ),
        )
        return [sessions[sid] for sid in self.session_ids if sid in sessions]

    @field(description="Who is in this class; needs the enrollments scope.")
    def enrollments(self, info: Info) -> list[Enrollment] | None:
        ctx = info.context
        ctx.require("enrollments", self.school_id)
        groups = self.batch.once(
            "enrollments",
            lambda: children(
                ctx,
                ENROLLMENTS,
                ctx.filters.row_filter(ENROLLMENTS, "enrollments"),
                "class_id",
                self.batch.values("id"),
                enrollments_from,
            ),
        )
        return groups.get(self.hub_id, [])


@strawberry.type(description="A person's membership of a class.")
class Enrollment(Node):
    source_record_id: str
    role: EnrollmentRole | None
    primary: bool | None = strawberry.field(description="The class's primary teacher.")
    begin_date: date | None
    end_date: date | None
    updated_at: datetime
    deleted_at: datetime | None
    school_id: strawberry.Private[str | None]
    person_id: strawberry.Private[str | None]
    class_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description="Null, with FORBIDDEN_SCOPE, when the person's data type is not granted.")
    def person(self, info: Info) -> Person | None:
        ctx = info.context
        found = self.batch.once(
            "person",
            lambda: by_ids(
                ctx, PEOPLE, ctx.filters.people_filter(PEOPLE), self.batch.values("person_id"), people_from
            ),
        )
        person = found.get(self.person_id) if self.person_id else None
        if person is None and self.person_id:
            # Name the scope from what the enrollment says, never from the hidden row itself.
            ctx.require("students" if self.role is EnrollmentRole.STUDENT else "staff", self.school_id)
        return person

    @field(name="class", description="Null, with FORBIDDEN_SCOPE, without the classes scope.")
    def class_(self, info: Info) -> Class | None:
        ctx = info.context
        classes = self.batch.once(
            "class",
            lambda: by_ids(
                ctx,
                CLASSES,
                ctx.filters.row_filter(CLASSES, "classes"),
                self.batch.values("class_id"),
                classes_from,
            ),
        )
        found = classes.get(self.class_id) if self.class_id else None
        if found is None and self.class_id:
            ctx.require("classes", self.school_id)
        return found


@strawberry.type(description="A school this app has a grant at.")
class School(Node):
    source_record_id: str
    source_id: strawberry.ID
    name: str | None
    identifier: str | None = strawberry.field(description="National or state identifier (NCES, URN, DfE)")
    # School life: resolvers in hub.graphql.life_fields.
    attendance = life.school_attendance
    attendance_summaries = life.school_attendance_summaries
    behaviour = life.school_behaviour
    calendar = life.school_calendar
    timetable = life.school_timetable
    grades = life.school_grades
    assignments = life.school_assignments

    @field(description="Needs the students scope at this school.")
    def students(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
    ) -> Connection[Person] | None:
        args = PageArgs(first, after, updated_since, include_deleted)
        return self._people(info, "students", args)

    @field(description="Needs the staff scope at this school.")
    def staff(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
    ) -> Connection[Person] | None:
        return self._people(info, "staff", PageArgs(first, after, updated_since, include_deleted))

    @field(description="Needs the contacts scope at this school.")
    def contacts(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
    ) -> Connection[Person] | None:
        return self._people(info, "contacts", PageArgs(first, after, updated_since, include_deleted))

    @field(description="Needs the classes scope at this school. `sessionId` keeps classes running in it.")
    def classes(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
        session_id: strawberry.ID | None = None,
    ) -> Connection[Class] | None:
        args = PageArgs(first, after, updated_since, include_deleted)
        listing = school_listing(info.context, self, "classes", args, session_id=session_id)
        return school_page(info.context, CLASSES, listing.visible, args, listing.where, classes_from)

    @field(description="Needs the classes scope. Includes the district's courses held by no school.")
    def courses(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
    ) -> Connection[Course] | None:
        args = PageArgs(first, after, updated_since, include_deleted)
        return self._catalogue(info, COURSES, args, courses_from)

    @field(description="Needs the classes scope. Includes the district's sessions held by no school.")
    def sessions(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
    ) -> Connection[AcademicSession] | None:
        args = PageArgs(first, after, updated_since, include_deleted)
        return self._catalogue(info, SESSIONS, args, sessions_from)

    @field(description="Needs the enrollments scope at this school; filter by role or class.")
    def enrollments(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
        role: EnrollmentRole | None = None,
        class_id: strawberry.ID | None = None,
    ) -> Connection[Enrollment] | None:
        args = PageArgs(first, after, updated_since, include_deleted)
        listing = school_listing(info.context, self, "enrollments", args, role=role, class_id=class_id)
        return school_page(info.context, ENROLLMENTS, listing.visible, args, listing.where, enrollments_from)

    def _people(self, info: Info, data_type: str, args: PageArgs) -> Connection[Person]:
        listing = school_listing(info.context, self, data_type, args)
        return school_page(info.context, PEOPLE, listing.visible, args, listing.where, people_from)

    def _catalogue(self, info: Info, table: Table, args: PageArgs, build: Build[N]) -> Connection[N]:
        listing = school_listing(info.context, self, table.name, args)
        return school_page(info.context, table, listing.visible, args, listing.where, build)


@dataclass(frozen=True)
class Listing:
    """What a school connection reads: rows through `visible`, narrowed by `where`."""

    visible: RowFilter
    where: list[ColumnElement[bool]]


class SchoolRef(Protocol):
    @property
    def hub_id(self) -> strawberry.ID: ...
    @property
    def source_id(self) -> strawberry.ID: ...


def school_listing(
    ctx: Context,
    school: SchoolRef,
    name: str,
    args: PageArgs,
    *,
    session_id: strawberry.ID | None = None,
    role: EnrollmentRole | None = None,
    class_id: strawberry.ID | None = None,
) -> Listing:
    """The rows a school's connection `name` may read (FORBIDDEN_SCOPE without its data type).

    Shared by the resolvers and the compiled path (hub.graphql.compiled), so both read alike.
    """
    if name in ROSTER_CONNECTIONS:
        table, data_type = ROSTER_CONNECTIONS[name]
        ctx.require(data_type, school.hub_id)
        listing = roster_listing(ctx, name, args, session_id=session_id, role=role, class_id=class_id)
        return Listing(listing.visible, [table.c.school_id == school.hub_id, *listing.where])
    if name in (COURSES.name, SESSIONS.name):
        ctx.require("classes", school.hub_id)
        table = COURSES if name == COURSES.name else SESSIONS
        visible = ctx.filters.row_filter(table, "classes", include_deleted=args.include_deleted)
        # The school's own records and its district's (same source, no school): the policy decides
        # whether district-level records are visible at all (ignore_all_schools_records).
        mine = or_(
            table.c.school_id == school.hub_id,
            and_(table.c.school_id.is_(None), table.c.source_id == str(school.source_id)),
        )
        return Listing(visible, [mine])
    raise ValueError(f"no school connection {name!r}")


# School connections over a school's own rows: connection → (table, data type).
ROSTER_CONNECTIONS: dict[str, tuple[Table, str]] = {
    "students": (PEOPLE, "students"),
    "staff": (PEOPLE, "staff"),
    "contacts": (PEOPLE, "contacts"),
    "classes": (CLASSES, "classes"),
    "enrollments": (ENROLLMENTS, "enrollments"),
}


def roster_listing(
    ctx: Context,
    name: str,
    args: PageArgs,
    *,
    session_id: strawberry.ID | None = None,
    role: EnrollmentRole | None = None,
    class_id: strawberry.ID | None = None,
) -> Listing:
    """What the roster connection `name` reads at any granted school (the caller says which, and
    checks the scope there): the compiled path reads it for a page of schools in one statement."""
    table, data_type = ROSTER_CONNECTIONS[name]
    visible = ctx.filters.row_filter(table, data_type, include_deleted=args.include_deleted)
    where: list[ColumnElement[bool]] = []
    if name == "classes" and session_id is not None:
        sid = _hub_id(str(session_id), "AcademicSession")
        # Session ids are a JSON array of UUIDs: a quoted match on its text is exact.
        where.append(cast(visible.column("session_ids"), Text).like(f'%"{sid}"%'))
    if name == "enrollments":
        if role is not None:
            where.append(visible.column("role") == role.value)
        if class_id is not None:
            where.append(visible.column("class_id") == _hub_id(str(class_id), "Class"))
    return Listing(visible, where)


def _hub_id(value: str, type_name: str) -> str:
    """A filter argument given as a global id (or, for convenience, a hub id)."""
    try:
        found_type, hub_id = parse_global_id(value)
    except Exception:
        return value
    return hub_id if found_type == type_name else value


# --- building nodes from rows: one Batch per list of rows ------------------------------------------

# How rows returned as each type are recorded (Context.record): data type (None: by role, or a
# school) and whether field masks apply. The compiled path records through this too.
RECORDED: dict[str, tuple[str | None, bool]] = {
    "School": (None, False),
    "Person": (None, True),
    "Class": ("classes", True),
    "Course": ("classes", False),
    "AcademicSession": ("classes", False),
    "Enrollment": ("enrollments", True),
}


def _record(ctx: Context, type_name: str, rows: Rows) -> None:
    data_type, masked = RECORDED[type_name]
    ctx.record(type_name, data_type, rows, masked=masked)


def _common(type_name: str, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": strawberry.ID(global_id(type_name, r["id"])),
        "hub_id": strawberry.ID(r["id"]),
        "source_record_id": r["source_record_id"],
        "updated_at": r["updated_at"],
        "deleted_at": r["deleted_at"],
    }


def _list(value: Any) -> list[str] | None:
    return None if value is None else list(value)


def people_from(ctx: Context, rows: Rows) -> list[Person]:
    _record(ctx, "Person", rows)
    batch = Batch(rows)
    return [
        Person(
            **_common("Person", r),
            role=Role(r["role"]),
            role_detail=r["role_detail"],
            given_name=r["given_name"],
            middle_name=r["middle_name"],
            family_name=r["family_name"],
            preferred_name=r["preferred_name"],
            username=r["username"],
            email=r["email"],
            phone=r["phone"],
            sms=r["sms"],
            identifier=r["identifier"],
            grades=_list(r["grades"]),
            enabled=r["enabled"],
            date_of_birth=r["date_of_birth"],
            gender=r["gender"],
            school_id=r["school_id"],
            agent_ids=list(r["agent_ids"] or ()),
            batch=batch,
        )
        for r in rows
    ]


def classes_from(ctx: Context, rows: Rows) -> list[Class]:
    _record(ctx, "Class", rows)
    batch = Batch(rows)
    return [
        Class(
            **_common("Class", r),
            title=r["title"],
            code=r["code"],
            kind=to_enum(ClassKind, r["kind"]),
            room=r["room"],
            periods=_list(r["periods"]),
            grades=_list(r["grades"]),
            subjects=_list(r["subjects"]),
            school_id=r["school_id"],
            course_id=r["course_id"],
            session_ids=list(r["session_ids"] or ()),
            batch=batch,
        )
        for r in rows
    ]


def courses_from(ctx: Context, rows: Rows) -> list[Course]:
    _record(ctx, "Course", rows)
    return [
        Course(
            **_common("Course", r),
            title=r["title"],
            code=r["code"],
            grades=_list(r["grades"]),
            subjects=_list(r["subjects"]),
            district_level=r["school_id"] is None,
        )
        for r in rows
    ]


def sessions_from(ctx: Context, rows: Rows) -> list[AcademicSession]:
    _record(ctx, "AcademicSession", rows)
    return [
        AcademicSession(
            **_common("AcademicSession", r),
            kind=to_enum(SessionKind, r["kind"]),
            title=r["title"],
            start_date=r["start_date"],
            end_date=r["end_date"],
            school_year=r["school_year"],
            district_level=r["school_id"] is None,
        )
        for r in rows
    ]


def enrollments_from(ctx: Context, rows: Rows) -> list[Enrollment]:
    _record(ctx, "Enrollment", rows)
    batch = Batch(rows)
    return [
        Enrollment(
            **_common("Enrollment", r),
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


def schools_from(ctx: Context, rows: Rows) -> list[School]:
    _record(ctx, "School", rows)
    return [
        School(
            id=strawberry.ID(global_id("School", r["id"])),
            hub_id=strawberry.ID(r["id"]),
            source_record_id=r["source_record_id"],
            source_id=strawberry.ID(r["source_id"]),
            name=r["name"],
            identifier=r["identifier"],
        )
        for r in rows
    ]


# Each node type: its table, builder and how to filter it (node(id:) and the change feed).
BUILDERS: dict[str, tuple[Table, Build[Any]]] = {
    "School": (ORGANISATIONS, schools_from),
    "Person": (PEOPLE, people_from),
    "Class": (CLASSES, classes_from),
    "Course": (COURSES, courses_from),
    "AcademicSession": (SESSIONS, sessions_from),
    "Enrollment": (ENROLLMENTS, enrollments_from),
}
