"""The fields School, Person and Class gain for school life and people's details.

hub.graphql.types declares each as one line (`attendance = life_fields.person_attendance`) so the
roster module stays small; the resolvers live here. The types they return are in types_life and
types_details, which import hub.graphql.types themselves: so they are named lazily here
(strawberry.lazy) and imported when a resolver first runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import ColumnElement

from hub.graphql.context import Context, Info
from hub.graphql.edges import Narrow, hub_id_arg, kids
from hub.graphql.enums_life import GradeKind
from hub.graphql.errors import BadArgumentError
from hub.graphql.loading import Build, PageArgs, school_page
from hub.graphql.pagination import Connection
from hub.store import CANONICAL_TABLES
from hub.store.reads import RowFilter

if TYPE_CHECKING:
    from hub.graphql.types import Class, Person, School
    from hub.graphql.types_details import (
        Address,
        ContactPoint,
        ContactRelationship,
        CustomField,
        Demographics,
        Photo,
    )
    from hub.graphql.types_life import (
        Assignment,
        AssignmentResult,
        AttendanceMark,
        AttendanceSummary,
        BehaviourIncident,
        CalendarEvent,
        GradeRecord,
        TimetableSlot,
    )

_LIFE = "hub.graphql.types_life"
_DETAILS = "hub.graphql.types_details"
MarkRef = Annotated["AttendanceMark", strawberry.lazy(_LIFE)]
SummaryRef = Annotated["AttendanceSummary", strawberry.lazy(_LIFE)]
IncidentRef = Annotated["BehaviourIncident", strawberry.lazy(_LIFE)]
GradeRef = Annotated["GradeRecord", strawberry.lazy(_LIFE)]
AssignmentRef = Annotated["Assignment", strawberry.lazy(_LIFE)]
ResultRef = Annotated["AssignmentResult", strawberry.lazy(_LIFE)]
EventRef = Annotated["CalendarEvent", strawberry.lazy(_LIFE)]
SlotRef = Annotated["TimetableSlot", strawberry.lazy(_LIFE)]
DemographicsRef = Annotated["Demographics", strawberry.lazy(_DETAILS)]
AddressRef = Annotated["Address", strawberry.lazy(_DETAILS)]
ContactPointRef = Annotated["ContactPoint", strawberry.lazy(_DETAILS)]
RelationshipRef = Annotated["ContactRelationship", strawberry.lazy(_DETAILS)]
PhotoRef = Annotated["Photo", strawberry.lazy(_DETAILS)]
CustomFieldRef = Annotated["CustomField", strawberry.lazy(_DETAILS)]
# `from` is a Python keyword: the argument is `from_` here and `from` in the schema.
From = Annotated[dt.date, strawberry.argument(name="from", description="First day included.")]
OptionalFrom = Annotated[dt.date | None, strawberry.argument(name="from", description="First day included.")]


def _field(description: str) -> Callable[[Callable[..., Any]], Any]:
    """A strawberry field from a resolver taking `root`, to declare on the type it belongs to."""

    def make(resolver: Callable[..., Any]) -> Any:
        return strawberry.field(resolver=resolver, description=description)

    return make


def _dates(column: str, start: dt.date | None, end: dt.date | None) -> Narrow:
    """Rows dated within [start, end], on the masked column (a withheld date matches nothing)."""
    if start is not None and end is not None and start > end:
        raise BadArgumentError("`from` must not be after `to`", argument="from")

    def narrow(visible: RowFilter) -> Sequence[ColumnElement[bool]]:
        clauses = []
        if start is not None:
            clauses.append(visible.column(column) >= start)
        if end is not None:
            clauses.append(visible.column(column) <= end)
        return clauses

    return narrow


def _listed(
    ctx: Context,
    root: Person | Class,
    data_type: str,
    entity: str,
    column: str,
    build: Build[Any],
    key: str = "",
    narrow: Narrow | None = None,
) -> list[Any]:
    """Children of `root` in `entity` via `column`, for the whole batch at once (FORBIDDEN_SCOPE
    without `data_type` at the parent's school)."""
    ctx.require(data_type, root.school_id)
    table = CANONICAL_TABLES[entity]
    return kids(
        ctx, root.batch, f"{entity}:{column}:{key}", table, data_type, column, root.hub_id, build, narrow
    )


# --- Person ------------------------------------------------------------------------------------------


@_field("A student's attendance marks, optionally within dates; needs the attendance scope.")
def person_attendance(
    root: Person, info: Info, from_: OptionalFrom = None, to: dt.date | None = None
) -> list[MarkRef] | None:
    from hub.graphql.types_life import marks_from

    narrow = _dates("date", from_, to)
    return _listed(
        info.context, root, "attendance", "attendance_mark", "student_id", marks_from, f"{from_}:{to}", narrow
    )


@_field("A student's attendance totals, one per session summarised; needs the attendance scope.")
def person_attendance_summaries(root: Person, info: Info) -> list[SummaryRef] | None:
    from hub.graphql.types_life import summaries_from

    return _listed(info.context, root, "attendance", "attendance_summary", "student_id", summaries_from)


@_field("A student's behaviour incidents, optionally within dates; needs the behaviour scope.")
def person_behaviour(
    root: Person, info: Info, from_: OptionalFrom = None, to: dt.date | None = None
) -> list[IncidentRef] | None:
    from hub.graphql.types_life import incidents_from

    narrow = _dates("date", from_, to)
    return _listed(
        info.context,
        root,
        "behaviour",
        "behaviour_incident",
        "student_id",
        incidents_from,
        f"{from_}:{to}",
        narrow,
    )


@_field(
    "A student's reported grades (`grades` is their grade level); filter by kind or grading "
    "period; needs the grades scope."
)
def person_grade_records(
    root: Person, info: Info, kind: GradeKind | None = None, session_id: strawberry.ID | None = None
) -> list[GradeRef] | None:
    from hub.graphql.types_life import grades_from

    narrow = _grade_filter(kind, session_id)
    return _listed(
        info.context,
        root,
        "grades",
        "grade_record",
        "student_id",
        grades_from,
        f"{kind}:{session_id}",
        narrow,
    )


@_field("A student's assignment results; needs the assignments scope.")
def person_results(root: Person, info: Info) -> list[ResultRef] | None:
    from hub.graphql.types_life import results_from

    return _listed(info.context, root, "assignments", "assignment_result", "student_id", results_from)


@_field("Needs the demographics scope (sensitive).")
def person_demographics(root: Person, info: Info) -> DemographicsRef | None:
    from hub.graphql.types_details import demographics_from

    found = _listed(info.context, root, "demographics", "demographics", "person_id", demographics_from)
    return found[0] if found else None


@_field("Needs the addresses scope (sensitive).")
def person_addresses(root: Person, info: Info) -> list[AddressRef] | None:
    from hub.graphql.types_details import addresses_from

    return _listed(info.context, root, "addresses", "address", "person_id", addresses_from)


@_field("Phone numbers and email addresses; needs the contacts scope.")
def person_contact_points(root: Person, info: Info) -> list[ContactPointRef] | None:
    from hub.graphql.types_details import contact_points_from

    return _listed(info.context, root, "contacts", "contact_point", "person_id", contact_points_from)


@_field(
    "A student's contacts with how they relate (or, for a contact, the students they relate to), "
    "priority first; needs the contacts scope."
)
def person_relationships(root: Person, info: Info) -> list[RelationshipRef] | None:
    from hub.graphql.enums import Role
    from hub.graphql.types_details import relationships_from

    column = "student_id" if root.role is Role.STUDENT else "contact_id"
    found = _listed(info.context, root, "contacts", "contact_relationship", column, relationships_from)
    return sorted(found, key=lambda r: (r.priority is None, r.priority or 0))


@_field("Needs the photos scope (sensitive). The most recent photo when the source keeps several.")
def person_photo(root: Person, info: Info) -> PhotoRef | None:
    from hub.graphql.types_details import photos_from

    found = _listed(info.context, root, "photos", "photo", "person_id", photos_from)
    return max(found, key=lambda p: p.taken_at or dt.datetime.min.replace(tzinfo=dt.UTC), default=None)


@_field("The source's extension fields on this person; needs the custom_fields scope.")
def person_custom_fields(root: Person, info: Info) -> list[CustomFieldRef] | None:
    from hub.graphql.types_details import custom_fields_from

    return _listed(info.context, root, "custom_fields", "custom_field", "person_id", custom_fields_from)


# --- Class -------------------------------------------------------------------------------------------


@_field("When and where this class meets; needs the timetable scope.")
def class_timetable(root: Class, info: Info) -> list[SlotRef] | None:
    from hub.graphql.types_life import slots_from

    return _listed(info.context, root, "timetable", "timetable_slot", "class_id", slots_from)


@_field("Work set in this class, with each student's result; needs the assignments scope.")
def class_assignments(root: Class, info: Info) -> list[AssignmentRef] | None:
    from hub.graphql.types_life import assignments_from

    return _listed(info.context, root, "assignments", "assignment", "class_id", assignments_from)


# --- School ------------------------------------------------------------------------------------------


def _school_page(
    info: Info,
    root: School,
    data_type: str,
    entity: str,
    args: PageArgs,
    build: Build[Any],
    narrow: Narrow | None = None,
) -> Connection[Any]:
    ctx = info.context
    ctx.require(data_type, root.hub_id)
    table = CANONICAL_TABLES[entity]
    visible = ctx.filters.row_filter(table, data_type, include_deleted=args.include_deleted)
    where = [table.c.school_id == root.hub_id, *(narrow(visible) if narrow else ())]
    return school_page(ctx, table, visible, args, where, build)


@_field("Attendance marks dated from `from` to `to` (inclusive); needs the attendance scope.")
def school_attendance(
    root: School,
    info: Info,
    from_: From,
    to: dt.date,
    first: int | None = 100,
    after: str | None = None,
    updated_since: dt.datetime | None = None,
    include_deleted: bool = False,
) -> Connection[MarkRef] | None:
    from hub.graphql.types_life import marks_from

    args = PageArgs(first, after, updated_since, include_deleted)
    return _school_page(
        info, root, "attendance", "attendance_mark", args, marks_from, _dates("date", from_, to)
    )


@_field("Attendance totals per student and session; needs the attendance scope.")
def school_attendance_summaries(
    root: School,
    info: Info,
    first: int | None = 100,
    after: str | None = None,
    updated_since: dt.datetime | None = None,
    include_deleted: bool = False,
    session_id: strawberry.ID | None = None,
) -> Connection[SummaryRef] | None:
    from hub.graphql.types_life import summaries_from

    args = PageArgs(first, after, updated_since, include_deleted)
    narrow = _session_filter(session_id)
    return _school_page(info, root, "attendance", "attendance_summary", args, summaries_from, narrow)


@_field("Behaviour incidents, optionally within dates; needs the behaviour scope.")
def school_behaviour(
    root: School,
    info: Info,
    from_: OptionalFrom = None,
    to: dt.date | None = None,
    first: int | None = 100,
    after: str | None = None,
    updated_since: dt.datetime | None = None,
    include_deleted: bool = False,
) -> Connection[IncidentRef] | None:
    from hub.graphql.types_life import incidents_from

    args = PageArgs(first, after, updated_since, include_deleted)
    narrow = _dates("date", from_, to)
    return _school_page(info, root, "behaviour", "behaviour_incident", args, incidents_from, narrow)


@_field("Calendar events, optionally within dates; needs the calendar scope.")
def school_calendar(
    root: School,
    info: Info,
    from_: OptionalFrom = None,
    to: dt.date | None = None,
    first: int | None = 100,
    after: str | None = None,
    updated_since: dt.datetime | None = None,
    include_deleted: bool = False,
) -> Connection[EventRef] | None:
    from hub.graphql.types_life import events_from

    args = PageArgs(first, after, updated_since, include_deleted)
    return _school_page(
        info, root, "calendar", "calendar_event", args, events_from, _dates("date", from_, to)
    )


@_field("Every class's weekly slots; needs the timetable scope.")
def school_timetable(
    root: School,
    info: Info,
    first: int | None = 100,
    after: str | None = None,
    updated_since: dt.datetime | None = None,
    include_deleted: bool = False,
) -> Connection[SlotRef] | None:
    from hub.graphql.types_life import slots_from

    args = PageArgs(first, after, updated_since, include_deleted)
    return _school_page(info, root, "timetable", "timetable_slot", args, slots_from)


@_field("Reported grades, by kind or grading period (`sessionId`); needs the grades scope.")
def school_grades(
    root: School,
    info: Info,
    kind: GradeKind | None = None,
    session_id: strawberry.ID | None = None,
    first: int | None = 100,
    after: str | None = None,
    updated_since: dt.datetime | None = None,
    include_deleted: bool = False,
) -> Connection[GradeRef] | None:
    from hub.graphql.types_life import grades_from

    args = PageArgs(first, after, updated_since, include_deleted)
    narrow = _grade_filter(kind, session_id)
    return _school_page(info, root, "grades", "grade_record", args, grades_from, narrow)


@_field("Assignments, optionally of one class; needs the assignments scope.")
def school_assignments(
    root: School,
    info: Info,
    class_id: strawberry.ID | None = None,
    first: int | None = 100,
    after: str | None = None,
    updated_since: dt.datetime | None = None,
    include_deleted: bool = False,
) -> Connection[AssignmentRef] | None:
    from hub.graphql.types_life import assignments_from

    args = PageArgs(first, after, updated_since, include_deleted)

    def narrow(visible: RowFilter) -> Sequence[ColumnElement[bool]]:
        return [] if class_id is None else [visible.column("class_id") == hub_id_arg(str(class_id), "Class")]

    return _school_page(info, root, "assignments", "assignment", args, assignments_from, narrow)


def _session_filter(session_id: strawberry.ID | None) -> Narrow:
    def narrow(visible: RowFilter) -> Sequence[ColumnElement[bool]]:
        if session_id is None:
            return []
        return [visible.column("session_id") == hub_id_arg(str(session_id), "AcademicSession")]

    return narrow


def _grade_filter(kind: GradeKind | None, session_id: strawberry.ID | None) -> Narrow:
    by_session = _session_filter(session_id)

    def narrow(visible: RowFilter) -> Sequence[ColumnElement[bool]]:
        clauses = list(by_session(visible))
        if kind is not None:
            clauses.append(visible.column("kind") == kind.value)
        return clauses

    return narrow
