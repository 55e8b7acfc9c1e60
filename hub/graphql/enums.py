"""GraphQL enums (UPPER_CASE values) for canonical vocabularies, with OTHER for values we don't know."""

from __future__ import annotations

import enum
from typing import TypeVar

import strawberry


@strawberry.enum(description="What a person is at a school; each role is its own data type.")
class Role(enum.Enum):
    STUDENT = "student"
    STAFF = "staff"
    CONTACT = "contact"


@strawberry.enum(description="A person's role in a class.")
class EnrollmentRole(enum.Enum):
    STUDENT = "student"
    TEACHER = "teacher"
    AIDE = "aide"
    ADMINISTRATOR = "administrator"
    PROCTOR = "proctor"
    GUARDIAN = "guardian"
    OTHER = "other"


@strawberry.enum
class ClassKind(enum.Enum):
    SCHEDULED = "scheduled"
    HOMEROOM = "homeroom"
    REGISTRATION = "registration"
    OTHER = "other"


@strawberry.enum
class SessionKind(enum.Enum):
    SCHOOL_YEAR = "school_year"
    SEMESTER = "semester"
    TERM = "term"
    QUARTER = "quarter"
    GRADING_PERIOD = "grading_period"
    OTHER = "other"


@strawberry.enum(description="A kind of data a school grants; the scope named by FORBIDDEN_SCOPE errors.")
class DataType(enum.Enum):
    STUDENTS = "students"
    STAFF = "staff"
    CONTACTS = "contacts"
    CLASSES = "classes"
    ENROLLMENTS = "enrollments"
    # School life and people's details (hub.graphql.types_life, types_details).
    ATTENDANCE = "attendance"
    BEHAVIOUR = "behaviour"
    GRADES = "grades"
    ASSIGNMENTS = "assignments"
    CALENDAR = "calendar"
    TIMETABLE = "timetable"
    DEMOGRAPHICS = "demographics"
    ADDRESSES = "addresses"
    PHOTOS = "photos"
    CUSTOM_FIELDS = "custom_fields"


E = TypeVar("E", bound=enum.Enum)


def to_enum(kind: type[E], value: str | None) -> E | None:
    """The member for a stored value, OTHER for one this API version doesn't know, None for None."""
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        return kind["OTHER"]
