"""Photos of people: a URL at the source or the image itself (base64)."""

from hub.canonical.spec import EntitySpec, Field, FieldType

PHOTO = EntitySpec(
    name="photo",
    table="photos",
    description="A person's photo. Sensitive: shown to schools with a warning when granted.",
    data_type="photos",
    fields=(
        Field("person_id", FieldType.REFERENCE, references="people"),
        Field("content_type", FieldType.STRING, "image/jpeg, image/png …"),
        Field("url", FieldType.STRING, "Where the source serves it, when it is not inlined", sensitive=True),
        # Base64 keeps the canonical model JSON-safe; photos are small (a few tens of kB).
        Field(
            "data", FieldType.STRING, "The image, base64-encoded, when the source inlines it", sensitive=True
        ),
        Field("taken_at", FieldType.DATETIME),
    ),
    indexes=(("person_id",),),
)
