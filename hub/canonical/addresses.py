"""Postal addresses of students, staff and contacts."""

from hub.canonical.spec import EntitySpec, Field, FieldType

ADDRESS = EntitySpec(
    name="address",
    table="addresses",
    description="A postal address of a person.",
    data_type="addresses",
    fields=(
        Field("person_id", FieldType.REFERENCE, references="people"),
        Field("kind", FieldType.STRING, "home, mailing or other"),
        Field("line1", FieldType.STRING, sensitive=True),
        Field("line2", FieldType.STRING, sensitive=True),
        Field("city", FieldType.STRING, sensitive=True),
        Field("region", FieldType.STRING, "State, county or province"),
        Field("postcode", FieldType.STRING, sensitive=True),
        Field("country", FieldType.STRING, "ISO 3166 alpha-2"),
    ),
    indexes=(("person_id",),),
)
