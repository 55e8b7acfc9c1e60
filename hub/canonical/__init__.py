"""The canonical model: every source is mapped into these entities."""

from hub.canonical.academic_sessions import ACADEMIC_SESSION
from hub.canonical.addresses import ADDRESS
from hub.canonical.assignments import ASSIGNMENT, ASSIGNMENT_RESULT
from hub.canonical.attendance import ATTENDANCE_MARK, ATTENDANCE_SUMMARY
from hub.canonical.behaviour import BEHAVIOUR_INCIDENT
from hub.canonical.calendar import CALENDAR_EVENT
from hub.canonical.classes import CLASS
from hub.canonical.contacts import CONTACT_POINT, CONTACT_RELATIONSHIP
from hub.canonical.courses import COURSE
from hub.canonical.custom_fields import CUSTOM_FIELD
from hub.canonical.demographics import DEMOGRAPHICS
from hub.canonical.enrollments import ENROLLMENT
from hub.canonical.grades import GRADE_RECORD
from hub.canonical.organisations import ORGANISATION
from hub.canonical.people import PERSON, ROLE_DATA_TYPES
from hub.canonical.photos import PHOTO
from hub.canonical.spec import EntitySpec, Field, FieldType
from hub.canonical.timetable import TIMETABLE_SLOT

# Order matters: referenced entities come before those that reference them.
ENTITIES: tuple[EntitySpec, ...] = (
    ORGANISATION,
    ACADEMIC_SESSION,
    COURSE,
    CLASS,
    PERSON,
    ENROLLMENT,
    # People's details
    DEMOGRAPHICS,
    ADDRESS,
    CONTACT_POINT,
    CONTACT_RELATIONSHIP,
    PHOTO,
    # School life
    CALENDAR_EVENT,
    TIMETABLE_SLOT,
    ATTENDANCE_MARK,
    ATTENDANCE_SUMMARY,
    BEHAVIOUR_INCIDENT,
    ASSIGNMENT,
    ASSIGNMENT_RESULT,
    GRADE_RECORD,
    CUSTOM_FIELD,
)
ENTITIES_BY_NAME: dict[str, EntitySpec] = {e.name: e for e in ENTITIES}

__all__ = [
    "ACADEMIC_SESSION",
    "ADDRESS",
    "ASSIGNMENT",
    "ASSIGNMENT_RESULT",
    "ATTENDANCE_MARK",
    "ATTENDANCE_SUMMARY",
    "BEHAVIOUR_INCIDENT",
    "CALENDAR_EVENT",
    "CLASS",
    "CONTACT_POINT",
    "CONTACT_RELATIONSHIP",
    "COURSE",
    "CUSTOM_FIELD",
    "DEMOGRAPHICS",
    "ENROLLMENT",
    "ENTITIES",
    "ENTITIES_BY_NAME",
    "GRADE_RECORD",
    "ORGANISATION",
    "PERSON",
    "PHOTO",
    "ROLE_DATA_TYPES",
    "TIMETABLE_SLOT",
    "EntitySpec",
    "Field",
    "FieldType",
]
