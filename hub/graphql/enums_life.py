"""Enums for the school-life and personal-detail vocabularies (hub/canonical), UPPER_CASE, each
with OTHER so a value a later canonical model adds never breaks an older client's response."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="Which register a mark is in: AM, PM, a period, or the whole day.")
class AttendanceSession(enum.Enum):
    AM = "am"
    PM = "pm"
    PERIOD = "period"
    ALL_DAY = "all_day"
    OTHER = "other"


@strawberry.enum(description="The canonical meaning of a mark; `sourceCode` keeps the source's own code.")
class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    LATE = "late"
    TARDY = "tardy"
    EXCUSED = "excused"
    UNEXCUSED = "unexcused"
    OFFSITE = "offsite"
    MISC = "misc"
    OTHER = "other"


@strawberry.enum
class GradeKind(enum.Enum):
    FINAL = "final"
    SEMESTER = "semester"
    QUARTER = "quarter"
    EXAM = "exam"
    PROGRESS = "progress"
    OTHER = "other"


@strawberry.enum
class ResultStatus(enum.Enum):
    GRADED = "graded"
    MISSING = "missing"
    EXEMPT = "exempt"
    LATE = "late"
    PASS = "pass"  # noqa: S105 (a result, not a password)
    FAIL = "fail"
    NOT_GRADED = "not_graded"
    OTHER = "other"


@strawberry.enum
class CalendarEventKind(enum.Enum):
    OCCASION = "occasion"
    HOLIDAY = "holiday"
    ASSIGNMENT = "assignment"
    OTHER = "other"


@strawberry.enum
class Weekday(enum.Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"
    OTHER = "other"


@strawberry.enum
class Sex(enum.Enum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"
    OTHER = "other"


@strawberry.enum
class AddressKind(enum.Enum):
    HOME = "home"
    MAILING = "mailing"
    OTHER = "other"


@strawberry.enum
class ContactPointKind(enum.Enum):
    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"
