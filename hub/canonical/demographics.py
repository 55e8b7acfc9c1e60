"""Demographics: protected characteristics and programme flags, one record per person."""

from hub.canonical.spec import EntitySpec, Field, FieldType

DEMOGRAPHICS = EntitySpec(
    name="demographics",
    table="demographics",
    description="A person's demographic data and programme flags. Every field is sensitive.",
    data_type="demographics",
    fields=(
        Field("person_id", FieldType.REFERENCE, references="people"),
        Field("sex", FieldType.STRING, "female, male, other or unknown", sensitive=True),
        Field("ethnicity", FieldType.STRING, "The source's ethnicity code or label", sensitive=True),
        Field("country_of_birth", FieldType.STRING, "ISO 3166 alpha-2 where known", sensitive=True),
        Field("language", FieldType.STRING, "First or home language", sensitive=True),
        Field("english_learner", FieldType.BOOLEAN, "EL / EAL", sensitive=True),
        Field("free_reduced_lunch", FieldType.BOOLEAN, "FRL / free school meals", sensitive=True),
        Field("special_needs", FieldType.BOOLEAN, "SEN / IEP / 504", sensitive=True),
    ),
    indexes=(("person_id",),),
)
