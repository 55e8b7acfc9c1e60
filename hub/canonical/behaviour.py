"""Behaviour: incidents (Focus referrals, Arbor behaviour incidents) recorded against a student."""

from hub.canonical.spec import EntitySpec, Field, FieldType

BEHAVIOUR_INCIDENT = EntitySpec(
    name="behaviour_incident",
    table="behaviour_incidents",
    description="A behaviour incident or referral involving one student.",
    data_type="behaviour",
    fields=(
        Field("student_id", FieldType.REFERENCE, references="people"),
        Field("date", FieldType.DATE),
        Field("incident_type", FieldType.STRING, "The source's category (referral, detention, praise …)"),
        Field("violation", FieldType.STRING, "What rule was broken, as the source words it"),
        Field("description", FieldType.STRING, sensitive=True),
        Field("staff_name", FieldType.STRING, "Who reported it, as the source names them"),
        Field(
            "staff_id",
            FieldType.REFERENCE,
            "Who reported it, when the source links them",
            references="people",
        ),
        Field("action", FieldType.STRING, "The action taken (detention, suspension …)"),
        Field("suspension_begin", FieldType.DATE),
        Field("suspension_end", FieldType.DATE),
        Field("processed", FieldType.BOOLEAN, "The school has dealt with it"),
    ),
    indexes=(("student_id",),),
)
