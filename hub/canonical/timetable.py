"""Timetable: when and where a class meets, one slot per day and period."""

from hub.canonical.spec import EntitySpec, Field, FieldType

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

TIMETABLE_SLOT = EntitySpec(
    name="timetable_slot",
    table="timetable_slots",
    description="One weekly meeting of a class: day, period, times and room.",
    data_type="timetable",
    fields=(
        Field("class_id", FieldType.REFERENCE, references="classes"),
        Field("day", FieldType.STRING, "mon, tue, wed, thu, fri, sat or sun"),
        Field("period", FieldType.STRING, "The source's period code (1, P5, HR)"),
        # Local school time as "HH:MM": a wall-clock time has no date or zone to carry.
        Field("start_time", FieldType.STRING, "HH:MM, school local time"),
        Field("end_time", FieldType.STRING, "HH:MM, school local time"),
        Field("room", FieldType.STRING),
        Field("session_id", FieldType.REFERENCE, "The term it applies in", references="academic_sessions"),
    ),
    indexes=(("class_id",),),
)
