"""The data-type catalogue that scopes and grants are expressed in."""

from __future__ import annotations

from dataclasses import dataclass

from hub.canonical import ENTITIES_BY_NAME, EntitySpec


@dataclass(frozen=True)
class DataType:
    name: str
    description: str
    entity: EntitySpec


DATA_TYPES: dict[str, DataType] = {
    d.name: d
    for d in (
        DataType("students", "Pupils and students on roll", ENTITIES_BY_NAME["person"]),
        DataType("staff", "Teachers, aides and administrators", ENTITIES_BY_NAME["person"]),
        DataType("contacts", "Parents, guardians and other contacts", ENTITIES_BY_NAME["person"]),
        DataType("classes", "Classes, courses and academic sessions", ENTITIES_BY_NAME["class"]),
        DataType("enrollments", "Who is in which class, in which role", ENTITIES_BY_NAME["enrollment"]),
    )
}


def validate_data_types(names: list[str]) -> list[str]:
    """Return `names` de-duplicated, or raise ValueError naming what is not in the catalogue."""
    unknown = [n for n in names if n not in DATA_TYPES]
    if unknown:
        raise ValueError(f"unknown data type(s) {', '.join(unknown)}; known: {', '.join(DATA_TYPES)}")
    return list(dict.fromkeys(names))
