"""The canonical model: every source is mapped into these entities."""

from hub.canonical.academic_sessions import ACADEMIC_SESSION
from hub.canonical.classes import CLASS
from hub.canonical.courses import COURSE
from hub.canonical.enrollments import ENROLLMENT
from hub.canonical.organisations import ORGANISATION
from hub.canonical.people import PERSON, ROLE_DATA_TYPES
from hub.canonical.spec import EntitySpec, Field, FieldType

# Order matters: referenced entities come before those that reference them.
ENTITIES: tuple[EntitySpec, ...] = (ORGANISATION, ACADEMIC_SESSION, COURSE, CLASS, PERSON, ENROLLMENT)
ENTITIES_BY_NAME: dict[str, EntitySpec] = {e.name: e for e in ENTITIES}

__all__ = [
    "ACADEMIC_SESSION",
    "CLASS",
    "COURSE",
    "ENROLLMENT",
    "ENTITIES",
    "ENTITIES_BY_NAME",
    "ORGANISATION",
    "PERSON",
    "ROLE_DATA_TYPES",
    "EntitySpec",
    "Field",
    "FieldType",
]
