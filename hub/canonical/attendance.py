"""Attendance: one mark per student per session (AM/PM, period or whole day), and term summaries.

Sources disagree on codes (UK registers use "/", "\\", "L", "N"…; US SIS use PRESENT, TARDY…), so
a mark carries both the canonical `status` apps can rely on and the source's own `source_code`.
"""

from hub.canonical.spec import EntitySpec, Field, FieldType

# Canonical vocabularies, documented in docs/canonical-model.md.
ATTENDANCE_SESSIONS = ("am", "pm", "period", "all_day")
ATTENDANCE_STATUSES = (
    "present",
    "absent",
    "late",
    "tardy",
    "excused",
    "unexcused",
    "offsite",
    "misc",
)

ATTENDANCE_MARK = EntitySpec(
    name="attendance_mark",
    table="attendance_marks",
    description="A student's attendance in one session (AM/PM register, a period, or a whole day).",
    data_type="attendance",
    fields=(
        Field("student_id", FieldType.REFERENCE, references="people"),
        Field("date", FieldType.DATE),
        Field("session", FieldType.STRING, "am, pm, period or all_day"),
        Field("period", FieldType.STRING, "The source's period code (HR, P5, advisory) for period marks"),
        Field("class_id", FieldType.REFERENCE, "The class the mark was taken in", references="classes"),
        Field(
            "status", FieldType.STRING, "present, absent, late, tardy, excused, unexcused, offsite or misc"
        ),
        Field("source_code", FieldType.STRING, "The source's own code, as sent (/, N, L, TARDY …)"),
        Field("minutes_late", FieldType.INTEGER),
        Field("note", FieldType.STRING, sensitive=True),
        Field("recorded_by", FieldType.STRING, "Who took or last changed the mark, as the source names them"),
        Field("recorded_at", FieldType.DATETIME),
    ),
    indexes=(("student_id", "date"), ("school_id", "date")),
)

ATTENDANCE_SUMMARY = EntitySpec(
    name="attendance_summary",
    table="attendance_summaries",
    description="A student's attendance totals over an academic session (or the year to date).",
    data_type="attendance",
    fields=(
        Field("student_id", FieldType.REFERENCE, references="people"),
        Field("session_id", FieldType.REFERENCE, "The period summarised", references="academic_sessions"),
        Field("days_possible", FieldType.FLOAT),
        Field("days_attended", FieldType.FLOAT),
        Field("days_absent", FieldType.FLOAT),
        Field("days_absent_excused", FieldType.FLOAT),
        Field("days_absent_unexcused", FieldType.FLOAT),
        Field("days_partially_absent", FieldType.FLOAT),
        Field("periods_absent", FieldType.INTEGER),
        Field("periods_absent_excused", FieldType.INTEGER),
        Field("periods_absent_unexcused", FieldType.INTEGER),
        Field("periods_late", FieldType.INTEGER),
        Field("periods_tardy", FieldType.INTEGER),
        Field("periods_offsite", FieldType.INTEGER),
        Field("periods_misc", FieldType.INTEGER),
    ),
    indexes=(("student_id",),),
)
