"""School calendar: occasions, holidays and (as some SIS list them) assignment due dates."""

from hub.canonical.spec import EntitySpec, Field, FieldType

CALENDAR_EVENT = EntitySpec(
    name="calendar_event",
    table="calendar_events",
    description="A dated event on a school's calendar.",
    data_type="calendar",
    fields=(
        Field("date", FieldType.DATE),
        Field("title", FieldType.STRING),
        Field("kind", FieldType.STRING, "occasion, holiday or assignment"),
        Field("description", FieldType.STRING),
    ),
    indexes=(("school_id", "date"),),
)
