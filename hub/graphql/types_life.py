"""GraphQL types for school life: attendance, behaviour, grades, assignments, calendar, timetable.

Built like the roster types (hub.graphql.types): from visible rows only, withheld fields already
NULL, references followed for the whole batch at once (hub.graphql.edges).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import Table

from hub.canonical import ATTENDANCE_SUMMARY
from hub.graphql import edges
from hub.graphql.context import Batch, Context, Info
from hub.graphql.edges import follow, kids, node_fields
from hub.graphql.enums import to_enum
from hub.graphql.enums_life import (
    AttendanceSession,
    AttendanceStatus,
    CalendarEventKind,
    GradeKind,
    ResultStatus,
    Weekday,
)
from hub.graphql.fields import field
from hub.graphql.loading import Build, Rows
from hub.graphql.types import AcademicSession, Class, Course, Node, Person
from hub.store import CANONICAL_TABLES

ATTENDANCE_MARKS = CANONICAL_TABLES["attendance_mark"]
ATTENDANCE_SUMMARIES = CANONICAL_TABLES["attendance_summary"]
BEHAVIOUR_INCIDENTS = CANONICAL_TABLES["behaviour_incident"]
GRADE_RECORDS = CANONICAL_TABLES["grade_record"]
ASSIGNMENTS = CANONICAL_TABLES["assignment"]
ASSIGNMENT_RESULTS = CANONICAL_TABLES["assignment_result"]
CALENDAR_EVENTS = CANONICAL_TABLES["calendar_event"]
TIMETABLE_SLOTS = CANONICAL_TABLES["timetable_slot"]


_Student = "Null, with FORBIDDEN_SCOPE, without the students scope."
_Class = "Null, with FORBIDDEN_SCOPE, without the classes scope."


@strawberry.type(description="A student's attendance in one session (AM/PM register, a period, a day).")
class AttendanceMark(Node):
    source_record_id: str
    date: dt.date | None
    session: AttendanceSession | None
    period: str | None = strawberry.field(description="The source's period code (HR, P5) for period marks.")
    status: AttendanceStatus | None
    source_code: str | None = strawberry.field(description="The source's own code, as sent (/, N, L …).")
    minutes_late: int | None
    note: str | None
    recorded_by: str | None
    recorded_at: dt.datetime | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    student_id: strawberry.Private[str | None]
    class_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description=_Student)
    def student(self, info: Info) -> Person | None:
        return _student(info.context, self.batch, self.student_id, self.school_id)

    @field(name="class", description="The class the mark was taken in. " + _Class)
    def class_(self, info: Info) -> Class | None:
        return _class(info.context, self.batch, self.class_id, self.school_id)


@strawberry.type(description="A student's attendance totals over an academic session.")
class AttendanceSummary(Node):
    source_record_id: str
    days_possible: float | None
    days_attended: float | None
    days_absent: float | None
    days_absent_excused: float | None
    days_absent_unexcused: float | None
    days_partially_absent: float | None
    periods_absent: int | None
    periods_absent_excused: int | None
    periods_absent_unexcused: int | None
    periods_late: int | None
    periods_tardy: int | None
    periods_offsite: int | None
    periods_misc: int | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    student_id: strawberry.Private[str | None]
    session_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description=_Student)
    def student(self, info: Info) -> Person | None:
        return _student(info.context, self.batch, self.student_id, self.school_id)

    @field(description="The period summarised. " + _Class)
    def session(self, info: Info) -> AcademicSession | None:
        return _session(info.context, self.batch, self.session_id, self.school_id)


@strawberry.type(description="A behaviour incident or referral involving one student.")
class BehaviourIncident(Node):
    source_record_id: str
    date: dt.date | None
    incident_type: str | None = strawberry.field(description="The source's category (referral, praise …).")
    violation: str | None
    description: str | None
    staff_name: str | None = strawberry.field(description="Who reported it, as the source names them.")
    action: str | None
    suspension_begin: dt.date | None
    suspension_end: dt.date | None
    processed: bool | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    student_id: strawberry.Private[str | None]
    staff_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description=_Student)
    def student(self, info: Info) -> Person | None:
        return _student(info.context, self.batch, self.student_id, self.school_id)

    @field(description="Who reported it, when the source links them; needs the staff scope.")
    def staff(self, info: Info) -> Person | None:
        ctx = info.context
        return follow(
            ctx,
            self.batch,
            "staff_id",
            self.staff_id,
            edges.people(),
            scope="staff",
            school_id=self.school_id,
        )


@strawberry.type(description="A reported grade: final, semester, quarter, exam or progress.")
class GradeRecord(Node):
    source_record_id: str
    kind: GradeKind | None
    letter: str | None
    percent: float | None = strawberry.field(description="Null when not graded (never 0 for 'no grade').")
    gpa_points: float | None
    weighted_gpa_points: float | None
    credits: float | None
    credits_earned: float | None
    affects_gpa: bool | None
    comment: str | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    student_id: strawberry.Private[str | None]
    course_id: strawberry.Private[str | None]
    class_id: strawberry.Private[str | None]
    session_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description=_Student)
    def student(self, info: Info) -> Person | None:
        return _student(info.context, self.batch, self.student_id, self.school_id)

    @field(description=_Class)
    def course(self, info: Info) -> Course | None:
        ctx = info.context
        return follow(
            ctx,
            self.batch,
            "course_id",
            self.course_id,
            edges.courses(),
            scope="classes",
            school_id=self.school_id,
        )

    @field(name="class", description=_Class)
    def class_(self, info: Info) -> Class | None:
        return _class(info.context, self.batch, self.class_id, self.school_id)

    @field(description="The grading period. " + _Class)
    def session(self, info: Info) -> AcademicSession | None:
        return _session(info.context, self.batch, self.session_id, self.school_id)


@strawberry.type(description="A piece of work set in a class (a gradebook column).")
class Assignment(Node):
    source_record_id: str
    title: str | None
    category: str | None
    assigned_date: dt.date | None
    due_date: dt.date | None
    max_score: float | None = strawberry.field(description="Null for ungraded or pass/fail work.")
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    class_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(name="class", description=_Class)
    def class_(self, info: Info) -> Class | None:
        return _class(info.context, self.batch, self.class_id, self.school_id)

    @field(description="Each student's result (same assignments scope).")
    def results(self, info: Info) -> list[AssignmentResult]:
        ctx = info.context
        return kids(
            ctx,
            self.batch,
            "results",
            ASSIGNMENT_RESULTS,
            "assignments",
            "assignment_id",
            self.hub_id,
            results_from,
        )


@strawberry.type(description="One student's result for one assignment.")
class AssignmentResult(Node):
    source_record_id: str
    score: float | None = strawberry.field(description="Points scored; null when not graded.")
    status: ResultStatus | None
    letter: str | None
    comment: str | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    assignment_id: strawberry.Private[str | None]
    student_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(description=_Student)
    def student(self, info: Info) -> Person | None:
        return _student(info.context, self.batch, self.student_id, self.school_id)

    @strawberry.field
    def assignment(self, info: Info) -> Assignment | None:
        ctx = info.context
        return follow(
            ctx,
            self.batch,
            "assignment_id",
            self.assignment_id,
            edges.Target(
                ASSIGNMENTS, lambda c: c.filters.row_filter(ASSIGNMENTS, "assignments"), assignments_from
            ),
            scope="assignments",
            school_id=self.school_id,
        )


@strawberry.type(description="A dated event on a school's calendar.")
class CalendarEvent(Node):
    source_record_id: str
    date: dt.date | None
    title: str | None
    kind: CalendarEventKind | None
    description: str | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


@strawberry.type(description="One weekly meeting of a class: day, period, times (school local) and room.")
class TimetableSlot(Node):
    source_record_id: str
    day: Weekday | None
    period: str | None
    start_time: str | None = strawberry.field(description="HH:MM, school local time.")
    end_time: str | None = strawberry.field(description="HH:MM, school local time.")
    room: str | None
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    school_id: strawberry.Private[str | None]
    class_id: strawberry.Private[str | None]
    session_id: strawberry.Private[str | None]
    batch: strawberry.Private[Batch]

    @field(name="class", description=_Class)
    def class_(self, info: Info) -> Class | None:
        return _class(info.context, self.batch, self.class_id, self.school_id)

    @field(description="The term it applies in. " + _Class)
    def session(self, info: Info) -> AcademicSession | None:
        return _session(info.context, self.batch, self.session_id, self.school_id)


def _student(ctx: Context, batch: Batch, student_id: str | None, school_id: str | None) -> Person | None:
    found: Person | None = follow(
        ctx, batch, "student_id", student_id, edges.people(), scope="students", school_id=school_id
    )
    return found


def _class(ctx: Context, batch: Batch, class_id: str | None, school_id: str | None) -> Class | None:
    found: Class | None = follow(
        ctx, batch, "class_id", class_id, edges.classes(), scope="classes", school_id=school_id
    )
    return found


def _session(
    ctx: Context, batch: Batch, session_id: str | None, school_id: str | None
) -> AcademicSession | None:
    found: AcademicSession | None = follow(
        ctx, batch, "session_id", session_id, edges.sessions(), scope="classes", school_id=school_id
    )
    return found


# --- building nodes from rows: one Batch per list of rows ------------------------------------------


def _refs(r: dict[str, Any], *columns: str) -> dict[str, Any]:
    return {c: r[c] for c in ("school_id", *columns)}


def marks_from(ctx: Context, rows: Rows) -> list[AttendanceMark]:
    ctx.record("AttendanceMark", "attendance", rows, table=ATTENDANCE_MARKS.name)
    batch = Batch(rows)
    return [
        AttendanceMark(
            **node_fields("AttendanceMark", r),
            **_refs(r, "student_id", "class_id"),
            date=r["date"],
            session=to_enum(AttendanceSession, r["session"]),
            period=r["period"],
            status=to_enum(AttendanceStatus, r["status"]),
            source_code=r["source_code"],
            minutes_late=r["minutes_late"],
            note=r["note"],
            recorded_by=r["recorded_by"],
            recorded_at=r["recorded_at"],
            batch=batch,
        )
        for r in rows
    ]


# The totals: every days_* and periods_* field of the canonical summary.
_SUMMARY_FIELDS = tuple(f.name for f in ATTENDANCE_SUMMARY.fields if f.name.startswith(("days_", "periods_")))


def summaries_from(ctx: Context, rows: Rows) -> list[AttendanceSummary]:
    ctx.record("AttendanceSummary", "attendance", rows, table=ATTENDANCE_SUMMARIES.name)
    batch = Batch(rows)
    return [
        AttendanceSummary(
            **node_fields("AttendanceSummary", r),
            **_refs(r, "student_id", "session_id"),
            **{f: r[f] for f in _SUMMARY_FIELDS},
            batch=batch,
        )
        for r in rows
    ]


def incidents_from(ctx: Context, rows: Rows) -> list[BehaviourIncident]:
    ctx.record("BehaviourIncident", "behaviour", rows, table=BEHAVIOUR_INCIDENTS.name)
    batch = Batch(rows)
    return [
        BehaviourIncident(
            **node_fields("BehaviourIncident", r),
            **_refs(r, "student_id", "staff_id"),
            date=r["date"],
            incident_type=r["incident_type"],
            violation=r["violation"],
            description=r["description"],
            staff_name=r["staff_name"],
            action=r["action"],
            suspension_begin=r["suspension_begin"],
            suspension_end=r["suspension_end"],
            processed=r["processed"],
            batch=batch,
        )
        for r in rows
    ]


def grades_from(ctx: Context, rows: Rows) -> list[GradeRecord]:
    ctx.record("GradeRecord", "grades", rows, table=GRADE_RECORDS.name)
    batch = Batch(rows)
    return [
        GradeRecord(
            **node_fields("GradeRecord", r),
            **_refs(r, "student_id", "course_id", "class_id", "session_id"),
            kind=to_enum(GradeKind, r["kind"]),
            letter=r["letter"],
            percent=r["percent"],
            gpa_points=r["gpa_points"],
            weighted_gpa_points=r["weighted_gpa_points"],
            credits=r["credits"],
            credits_earned=r["credits_earned"],
            affects_gpa=r["affects_gpa"],
            comment=r["comment"],
            batch=batch,
        )
        for r in rows
    ]


def assignments_from(ctx: Context, rows: Rows) -> list[Assignment]:
    ctx.record("Assignment", "assignments", rows, table=ASSIGNMENTS.name)
    batch = Batch(rows)
    return [
        Assignment(
            **node_fields("Assignment", r),
            **_refs(r, "class_id"),
            title=r["title"],
            category=r["category"],
            assigned_date=r["assigned_date"],
            due_date=r["due_date"],
            max_score=r["max_score"],
            batch=batch,
        )
        for r in rows
    ]


def results_from(ctx: Context, rows: Rows) -> list[AssignmentResult]:
    ctx.record("AssignmentResult", "assignments", rows, table=ASSIGNMENT_RESULTS.name)
    batch = Batch(rows)
    return [
        AssignmentResult(
            **node_fields("AssignmentResult", r),
            **_refs(r, "assignment_id", "student_id"),
            score=r["score"],
            status=to_enum(ResultStatus, r["status"]),
            letter=r["letter"],
            comment=r["comment"],
            batch=batch,
        )
        for r in rows
    ]


def events_from(ctx: Context, rows: Rows) -> list[CalendarEvent]:
    ctx.record("CalendarEvent", "calendar", rows, table=CALENDAR_EVENTS.name)
    return [
        CalendarEvent(
            **node_fields("CalendarEvent", r),
            date=r["date"],
            title=r["title"],
            kind=to_enum(CalendarEventKind, r["kind"]),
            description=r["description"],
        )
        for r in rows
    ]


def slots_from(ctx: Context, rows: Rows) -> list[TimetableSlot]:
    ctx.record("TimetableSlot", "timetable", rows, table=TIMETABLE_SLOTS.name)
    batch = Batch(rows)
    return [
        TimetableSlot(
            **node_fields("TimetableSlot", r),
            **_refs(r, "class_id", "session_id"),
            day=to_enum(Weekday, r["day"]),
            period=r["period"],
            start_time=r["start_time"],
            end_time=r["end_time"],
            room=r["room"],
            batch=batch,
        )
        for r in rows
    ]


# Node type → (table, data type, builder): node(id:), the change feed and the schema read this.
LIFE_NODES: dict[str, tuple[Table, str, Build[Any]]] = {
    "AttendanceMark": (ATTENDANCE_MARKS, "attendance", marks_from),
    "AttendanceSummary": (ATTENDANCE_SUMMARIES, "attendance", summaries_from),
    "BehaviourIncident": (BEHAVIOUR_INCIDENTS, "behaviour", incidents_from),
    "GradeRecord": (GRADE_RECORDS, "grades", grades_from),
    "Assignment": (ASSIGNMENTS, "assignments", assignments_from),
    "AssignmentResult": (ASSIGNMENT_RESULTS, "assignments", results_from),
    "CalendarEvent": (CALENDAR_EVENTS, "calendar", events_from),
    "TimetableSlot": (TIMETABLE_SLOTS, "timetable", slots_from),
}
