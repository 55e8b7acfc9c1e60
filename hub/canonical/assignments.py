"""Assignments set in a class, and each student's result for one."""

from hub.canonical.spec import EntitySpec, Field, FieldType

ASSIGNMENT = EntitySpec(
    name="assignment",
    table="assignments",
    description="A piece of work set in a class (gradebook column).",
    data_type="assignments",
    fields=(
        Field("class_id", FieldType.REFERENCE, references="classes"),
        Field("title", FieldType.STRING),
        Field("category", FieldType.STRING, "Gradebook category (Homework, Project Work …)"),
        Field("assigned_date", FieldType.DATE),
        Field("due_date", FieldType.DATE),
        Field("max_score", FieldType.FLOAT, "Points available; null for ungraded or pass/fail work"),
    ),
    indexes=(("class_id",),),
)

ASSIGNMENT_RESULT = EntitySpec(
    name="assignment_result",
    table="assignment_results",
    description="One student's result for one assignment.",
    data_type="assignments",
    fields=(
        Field("assignment_id", FieldType.REFERENCE, references="assignments"),
        Field("student_id", FieldType.REFERENCE, references="people"),
        Field("score", FieldType.FLOAT, "Points scored; null when not graded"),
        Field("status", FieldType.STRING, "graded, missing, exempt, late, pass, fail, not_graded"),
        Field("letter", FieldType.STRING),
        Field("comment", FieldType.STRING, sensitive=True),
    ),
    indexes=(("assignment_id",), ("student_id",)),
)
