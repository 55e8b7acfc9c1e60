"""The canonical model is whole: every entity is granted by a catalogue data type, every reference
points at a canonical table, and the migrations create exactly the tables the specs describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from hub.canonical import ENTITIES, ENTITIES_BY_NAME, FieldType
from hub.canonical.catalogue import DATA_TYPES
from hub.store import CANONICAL_TABLES, metadata

NEW_DATA_TYPES = {
    "attendance", "behaviour", "grades", "assignments", "calendar", "timetable", "demographics",
    "addresses", "contacts", "photos", "custom_fields",
}  # fmt: skip


def test_every_entity_is_granted_by_the_data_type_it_names() -> None:
    granted = {e.name for d in DATA_TYPES.values() for e in d.entities}
    assert granted == set(ENTITIES_BY_NAME) - {"organisation", "academic_session", "course"}
    for data_type in DATA_TYPES.values():
        for spec in data_type.entities:
            assert spec.data_type in (data_type.name, None), spec.name
    assert set(DATA_TYPES) >= NEW_DATA_TYPES


def test_names_are_unique_and_references_point_at_canonical_tables() -> None:
    tables = {e.table for e in ENTITIES}
    assert len(tables) == len(ENTITIES)
    seen: set[str] = set()
    for spec in ENTITIES:
        assert len(set(spec.field_names)) == len(spec.field_names), spec.name
        for field in spec.fields:
            is_reference = field.type in (FieldType.REFERENCE, FieldType.REFERENCE_LIST)
            assert is_reference == (field.references is not None), f"{spec.name}.{field.name}"
            if field.references:
                assert field.references in tables, f"{spec.name}.{field.name}"
                # Entities come after what they reference, so a loader can go in order.
                assert field.references in seen | {spec.table}, f"{spec.name}.{field.name}"
        for columns in spec.indexes:
            assert set(columns) <= {"school_id", "id", *spec.field_names}, spec.name
        seen.add(spec.table)


def test_sensitive_fields_are_marked() -> None:
    sensitive = {f"{e.name}.{f.name}" for e in ENTITIES for f in e.fields if f.sensitive}
    assert {
        "demographics.ethnicity",
        "demographics.special_needs",
        "photo.data",
        "photo.url",
        "address.line1",
        "address.postcode",
        "contact_point.value",
    } <= sensitive
    assert set(DATA_TYPES["demographics"].sensitive_fields) == set(
        ENTITIES_BY_NAME["demographics"].field_names
    ) - {"person_id"}
    assert "periods_late" in DATA_TYPES["attendance"].field_names  # summaries travel with marks


def test_migrations_create_every_canonical_table_as_the_specs_describe(engine: Engine) -> None:
    """On SQLite and PostgreSQL: tables, columns, types, nullability and indexes all match."""
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        assert {t.name for t in CANONICAL_TABLES.values()} <= existing
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    canonical = {t.name for t in CANONICAL_TABLES.values()}
    ours = [d for d in _flatten(diffs) if _table_of(d) in canonical]
    assert ours == []


def _flatten(diffs: list[object]) -> list[object]:
    out: list[object] = []
    for d in diffs:
        out.extend(_flatten(d) if isinstance(d, list) else [d])
    return out


def _table_of(diff: object) -> str | None:
    # Diffs are tuples like ("add_table", Table), ("add_column", schema, table, Column),
    # ("modify_nullable", schema, table, column, …), ("add_index", Index).
    if not isinstance(diff, tuple):
        return None
    for part in diff[1:]:
        if isinstance(part, str) and part in CANONICAL_TABLES_BY_TABLE:
            return part
        name = getattr(getattr(part, "table", None), "name", None) or getattr(part, "name", None)
        if isinstance(name, str) and name in CANONICAL_TABLES_BY_TABLE:
            return name
    return None


CANONICAL_TABLES_BY_TABLE = {t.name for t in CANONICAL_TABLES.values()}
