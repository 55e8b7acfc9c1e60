"""Contact details and relationships: who may be called about a student, and how.

Both belong to the "contacts" data type: an app that may see a student's contacts needs how they
relate to the student and how to reach them, and nothing here is useful without the other.
"""

from hub.canonical.spec import EntitySpec, Field, FieldType

CONTACT_POINT = EntitySpec(
    name="contact_point",
    table="contact_points",
    description="A phone number or email address of a person.",
    data_type="contacts",
    fields=(
        Field("person_id", FieldType.REFERENCE, references="people"),
        Field("kind", FieldType.STRING, "email or phone"),
        Field("value", FieldType.STRING, sensitive=True),
        Field("label", FieldType.STRING, "home, work, mobile, personal … as the source labels it"),
        Field("primary", FieldType.BOOLEAN),
    ),
    indexes=(("person_id",),),
)

CONTACT_RELATIONSHIP = EntitySpec(
    name="contact_relationship",
    table="contact_relationships",
    description="How a contact relates to a student, and what they may be called for.",
    data_type="contacts",
    fields=(
        Field("student_id", FieldType.REFERENCE, references="people"),
        Field("contact_id", FieldType.REFERENCE, references="people"),
        Field("relationship", FieldType.STRING, "mother, father, guardian, grandparent … (lower case)"),
        Field("priority", FieldType.INTEGER, "1 is called first"),
        Field(
            "custody", FieldType.BOOLEAN, "Has custody (US) / parental responsibility (UK)", sensitive=True
        ),
        Field("emergency", FieldType.BOOLEAN, "An emergency contact"),
        Field("lives_with", FieldType.BOOLEAN, "The student lives with them", sensitive=True),
    ),
    indexes=(("student_id",), ("contact_id",)),
)
