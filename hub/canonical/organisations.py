"""Organisations: districts, trusts and schools."""

from hub.canonical.spec import EntitySpec, Field, FieldType

ORGANISATION = EntitySpec(
    name="organisation",
    table="organisations",
    description="A district, trust or school. A school's own record is visible with any grant at it.",
    fields=(
        Field("kind", FieldType.STRING, "district, trust, school or other"),
        Field("name", FieldType.STRING, "Display name"),
        Field("identifier", FieldType.STRING, "National or state identifier (NCES, URN, DfE)"),
        Field(
            "parent_id",
            FieldType.REFERENCE,
            "The district or trust this belongs to",
            references="organisations",
        ),
    ),
)
