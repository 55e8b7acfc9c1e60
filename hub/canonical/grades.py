"""Grades: a student's mark for a course or class over a grading period, exam or whole course."""

from hub.canonical.spec import EntitySpec, Field, FieldType

GRADE_KINDS = ("final", "semester", "quarter", "exam", "progress")

GRADE_RECORD = EntitySpec(
    name="grade_record",
    table="grade_records",
    description="A reported grade: final, semester, quarter, exam or progress.",
    data_type="grades",
    fields=(
        Field("student_id", FieldType.REFERENCE, references="people"),
        Field("course_id", FieldType.REFERENCE, references="courses"),
        Field("class_id", FieldType.REFERENCE, references="classes"),
        Field("session_id", FieldType.REFERENCE, "The grading period", references="academic_sessions"),
        Field("kind", FieldType.STRING, "final, semester, quarter, exam or progress"),
        Field("letter", FieldType.STRING, "Letter grade (A-, B+ …)"),
        Field("percent", FieldType.FLOAT, "Percentage; null when not graded (never 0 for 'no grade')"),
        Field("gpa_points", FieldType.FLOAT),
        Field("weighted_gpa_points", FieldType.FLOAT),
        Field("credits", FieldType.FLOAT, "Credits the course is worth"),
        Field("credits_earned", FieldType.FLOAT),
        Field("affects_gpa", FieldType.BOOLEAN),
        Field("comment", FieldType.STRING, "Teacher's comment", sensitive=True),
    ),
    indexes=(("student_id",),),
)
