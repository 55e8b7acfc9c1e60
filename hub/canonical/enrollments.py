"""Enrollments: a person in a class, as student, teacher or aide."""

from hub.canonical.spec import EntitySpec, Field, FieldType

ENROLLMENT = EntitySpec(
    name="enrollment",
    table="enrollments",
    description="A person's membership of a class.",
    data_type="enrollments",
    fields=(
        Field("person_id", FieldType.REFERENCE, references="people"),
        Field("class_id", FieldType.REFERENCE, references="classes"),
        Field("role", FieldType.STRING, "student, teacher, aide, administrator …"),
        Field("primary", FieldType.BOOLEAN, "The primary teacher of the class"),
        Field("begin_date", FieldType.DATE),
        Field("end_date", FieldType.DATE),
    ),
    indexes=(("class_id",), ("person_id",)),
)
