"""Tables of canonical records, built from the entity specs in hub.canonical."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from hub.canonical import ENTITIES, EntitySpec, FieldType
from hub.store.columns import UTCDateTime
from hub.store.models import Base

# Columns every canonical record carries (DESIGN.md "Canonical model").
COMMON_COLUMNS = (
    "id",
    "source_id",
    "source_record_id",
    "school_id",
    "source_updated_at",
    "updated_at",
    "change_version",
    "deleted_at",
    "content_hash",
)


def _column_type(field_type: FieldType) -> TypeEngine[Any]:
    types: dict[FieldType, TypeEngine[Any]] = {
        FieldType.STRING: Text(),
        FieldType.INTEGER: BigInteger(),
        FieldType.FLOAT: Float(),
        FieldType.BOOLEAN: Boolean(),
        FieldType.DATE: Date(),
        FieldType.DATETIME: UTCDateTime(),
        FieldType.STRING_LIST: JSON(),
        FieldType.REFERENCE: String(36),
        FieldType.REFERENCE_LIST: JSON(),
    }
    return types[field_type]


def build_table(spec: EntitySpec, metadata: MetaData) -> Table:
    table = Table(
        spec.table,
        metadata,
        Column("id", String(36), primary_key=True),
        Column("source_id", String(36), ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        Column("source_record_id", Text, nullable=False),
        Column("school_id", String(36), nullable=True),
        Column("source_updated_at", UTCDateTime, nullable=True),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("change_version", BigInteger, nullable=False, index=True),
        Column("deleted_at", UTCDateTime, nullable=True),
        Column("content_hash", String(32), nullable=False),
        *(
            Column(f.name, _column_type(f.type), nullable=True, comment=f.description or None)
            for f in spec.fields
        ),
        UniqueConstraint("source_id", "source_record_id", name=f"uq_{spec.table}_source_record"),
        comment=spec.description,
    )
    # A school's rows in id order: keyset pages per school (hub.store.reads) walk this index and
    # stop at the page size instead of sorting every row of the school.
    Index(f"ix_{spec.table}_school_id_id", table.c.school_id, table.c.id)
    for columns in spec.indexes:
        Index(f"ix_{spec.table}_{'_'.join(columns)}", *(table.c[c] for c in columns))
    return table


def build_canonical_tables(metadata: MetaData) -> dict[str, Table]:
    """Tables keyed by entity name."""
    return {spec.name: build_table(spec, metadata) for spec in ENTITIES}


# Built on the hub's one metadata, so Alembic sees them beside the hub's own tables.
CANONICAL_TABLES: dict[str, Table] = build_canonical_tables(Base.metadata)
