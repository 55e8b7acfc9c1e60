"""Custom fields: source extension data (Focus custom fields, OneRoster metadata.*) as key/value pairs."""

from hub.canonical.spec import EntitySpec, Field, FieldType

CUSTOM_FIELD = EntitySpec(
    name="custom_field",
    table="custom_fields",
    description="One extension value on one record: which entity and record, the key and the value.",
    data_type="custom_fields",
    fields=(
        Field("entity", FieldType.STRING, "The canonical entity it extends (person, class …)"),
        # A reference needs one target table; custom fields hang on any entity, so the generic link
        # is the source's record id, and the common case (people) also gets a real reference.
        Field("record_source_id", FieldType.STRING, "The source's id of the record it extends"),
        Field(
            "person_id",
            FieldType.REFERENCE,
            "The person it extends, when entity is person",
            references="people",
        ),
        Field("key", FieldType.STRING, "The source's field name"),
        Field("value", FieldType.STRING, "As text; the source's type is not kept", sensitive=True),
    ),
    indexes=(("person_id",),),
)
