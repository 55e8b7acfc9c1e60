"""People: students, staff and contacts share one entity, told apart by role."""

from hub.canonical.spec import EntitySpec, Field, FieldType

PERSON = EntitySpec(
    name="person",
    table="people",
    description="A student, member of staff or contact (parent, guardian, relative).",
    # The data type depends on the role: see ROLE_DATA_TYPES.
    fields=(
        Field("role", FieldType.STRING, "student, staff or contact"),
        Field("role_detail", FieldType.STRING, "The source's own role: teacher, aide, parent, guardian …"),
        Field("given_name", FieldType.STRING),
        Field("middle_name", FieldType.STRING),
        Field("family_name", FieldType.STRING),
        Field("preferred_name", FieldType.STRING),
        Field("username", FieldType.STRING),
        Field("email", FieldType.STRING, sensitive=True),
        Field("phone", FieldType.STRING, sensitive=True),
        Field("sms", FieldType.STRING, sensitive=True),
        Field("identifier", FieldType.STRING, "State or national id (state id, UPN)", sensitive=True),
        Field("grades", FieldType.STRING_LIST, "Grade levels or year group"),
        Field("enabled", FieldType.BOOLEAN),
        Field("date_of_birth", FieldType.DATE, sensitive=True),
        Field("gender", FieldType.STRING, sensitive=True),
        Field(
            "agent_ids",
            FieldType.REFERENCE_LIST,
            "Related people (a student's contacts)",
            references="people",
        ),
    ),
    indexes=(("school_id", "role", "id"),),  # a school's students (etc.) in id order
)

ROLE_DATA_TYPES = {"student": "students", "staff": "staff", "contact": "contacts"}
