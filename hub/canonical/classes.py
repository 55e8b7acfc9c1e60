"""Classes: a course taught to a group in given sessions."""

from hub.canonical.spec import EntitySpec, Field, FieldType

CLASS = EntitySpec(
    name="class",
    table="classes",
    description="A scheduled class, homeroom or registration group.",
    data_type="classes",
    fields=(
        Field("title", FieldType.STRING),
        Field("code", FieldType.STRING),
        Field("kind", FieldType.STRING, "scheduled, homeroom or registration"),
        Field("course_id", FieldType.REFERENCE, references="courses"),
        Field(
            "session_ids",
            FieldType.REFERENCE_LIST,
            "The academic sessions it runs in",
            references="academic_sessions",
        ),
        Field("room", FieldType.STRING),
        Field("periods", FieldType.STRING_LIST),
        Field("grades", FieldType.STRING_LIST),
        Field("subjects", FieldType.STRING_LIST),
    ),
)
