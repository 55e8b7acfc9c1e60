"""The data-type catalogue that scopes and grants are expressed in.

A data type grants one or more entities: `entity` is the main one (people for students, staff and
contacts), `also` the entities that travel with it (attendance summaries with attendance marks,
results with assignments, relationships and contact points with contacts).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.canonical import ENTITIES_BY_NAME, EntitySpec


@dataclass(frozen=True)
class DataType:
    name: str
    description: str
    entity: EntitySpec
    also: tuple[EntitySpec, ...] = ()

    @property
    def entities(self) -> tuple[EntitySpec, ...]:
        return (self.entity, *self.also)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every field a grant of this data type can name, across its entities, without repeats."""
        return tuple(dict.fromkeys(f for e in self.entities for f in e.field_names))

    @property
    def sensitive_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.name for e in self.entities for f in e.fields if f.sensitive))


def _e(name: str) -> EntitySpec:
    return ENTITIES_BY_NAME[name]


DATA_TYPES: dict[str, DataType] = {
    d.name: d
    for d in (
        DataType("students", "Pupils and students on roll", _e("person")),
        DataType("staff", "Teachers, aides and administrators", _e("person")),
        DataType(
            "contacts",
            "Parents, guardians and other contacts; how they relate to students; phone numbers and emails",
            _e("person"),
            (_e("contact_relationship"), _e("contact_point")),
        ),
        DataType("classes", "Classes, courses and academic sessions", _e("class")),
        DataType("enrollments", "Who is in which class, in which role", _e("enrollment")),
        DataType(
            "attendance",
            "Attendance marks (AM/PM, per period or per day) and attendance totals",
            _e("attendance_mark"),
            (_e("attendance_summary"),),
        ),
        DataType(
            "behaviour",
            "Behaviour incidents and referrals, with actions and suspensions",
            _e("behaviour_incident"),
        ),
        DataType(
            "grades",
            "Final, semester, quarter, exam and progress grades, GPA and credits",
            _e("grade_record"),
        ),
        DataType(
            "assignments",
            "Assignments set in classes and each student's result",
            _e("assignment"),
            (_e("assignment_result"),),
        ),
        DataType("calendar", "School calendar: occasions and holidays", _e("calendar_event")),
        DataType("timetable", "When and where each class meets", _e("timetable_slot")),
        DataType(
            "demographics",
            "Sex, ethnicity, country of birth, language, EL / FRL / SEN flags (sensitive)",
            _e("demographics"),
        ),
        DataType("addresses", "Postal addresses of students, staff and contacts (sensitive)", _e("address")),
        DataType("photos", "Photos of students and staff (sensitive)", _e("photo")),
        DataType(
            "custom_fields", "The source's own extension fields, as key/value pairs", _e("custom_field")
        ),
    )
}


def validate_data_types(names: list[str]) -> list[str]:
    """Return `names` de-duplicated, or raise ValueError naming what is not in the catalogue."""
    unknown = [n for n in names if n not in DATA_TYPES]
    if unknown:
        raise ValueError(f"unknown data type(s) {', '.join(unknown)}; known: {', '.join(DATA_TYPES)}")
    return list(dict.fromkeys(names))
