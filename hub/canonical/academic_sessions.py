"""Academic sessions: school years, semesters, terms and grading periods."""

from hub.canonical.spec import EntitySpec, Field, FieldType

ACADEMIC_SESSION = EntitySpec(
    name="academic_session",
    table="academic_sessions",
    description="A school year, semester, term or grading period.",
    data_type="classes",
    fields=(
        Field("kind", FieldType.STRING, "school_year, semester, term, quarter or grading_period"),
        Field("title", FieldType.STRING),
        Field("start_date", FieldType.DATE),
        Field("end_date", FieldType.DATE),
        Field("parent_id", FieldType.REFERENCE, references="academic_sessions"),
        Field("school_year", FieldType.INTEGER, "The year the school year ends in"),
    ),
)
