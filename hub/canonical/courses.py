"""Courses: what is taught, independent of when and by whom."""

from hub.canonical.spec import EntitySpec, Field, FieldType

COURSE = EntitySpec(
    name="course",
    table="courses",
    description="A course in the catalogue of a school or district.",
    data_type="classes",
    fields=(
        Field("title", FieldType.STRING),
        Field("code", FieldType.STRING),
        Field("school_year_id", FieldType.REFERENCE, references="academic_sessions"),
        Field("grades", FieldType.STRING_LIST, "Grade levels"),
        Field("subjects", FieldType.STRING_LIST),
    ),
)
