"""The shape of a canonical entity, declared once.

Each entity module declares an `EntitySpec`; the store builds its table from it, the sync engine
builds its polars schema and content hash from it, and the access catalogue lists its fields.
So adding an entity is one module (plus one migration).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import polars as pl


class FieldType(enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    STRING_LIST = "string_list"  # stored as a JSON array
    REFERENCE = "reference"  # hub id of another canonical record (adapters give the source's id)
    REFERENCE_LIST = "reference_list"  # JSON array of hub ids (adapters give the source's ids)

    @property
    def polars_dtype(self) -> pl.DataType:
        return _POLARS_DTYPES[self]


_POLARS_DTYPES: dict[FieldType, pl.DataType] = {
    FieldType.STRING: pl.String(),
    FieldType.INTEGER: pl.Int64(),
    FieldType.FLOAT: pl.Float64(),
    FieldType.BOOLEAN: pl.Boolean(),
    FieldType.DATE: pl.Date(),
    FieldType.DATETIME: pl.Datetime("us", "UTC"),
    FieldType.STRING_LIST: pl.List(pl.String()),
    FieldType.REFERENCE: pl.String(),
    FieldType.REFERENCE_LIST: pl.List(pl.String()),
}


@dataclass(frozen=True)
class Field:
    """One canonical field. `sensitive` fields are shown to schools with a warning when granted."""

    name: str
    type: FieldType
    description: str = ""
    sensitive: bool = False
    references: str | None = None  # table name, for REFERENCE and REFERENCE_LIST fields


@dataclass(frozen=True)
class EntitySpec:
    """A canonical entity: its table, the data type that scopes it, and its fields."""

    name: str  # singular, e.g. "person"
    table: str  # plural table name, e.g. "people"
    description: str
    fields: tuple[Field, ...]
    # Data type that grants rows of this entity; None means "visible with any grant at the school".
    data_type: str | None = None
    indexes: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    def polars_schema(self) -> dict[str, pl.DataType]:
        """Schema of the frame an adapter produces: identity columns plus every field."""
        schema: dict[str, pl.DataType] = {
            "source_record_id": pl.String(),
            "school_id": pl.String(),
            "source_updated_at": pl.Datetime("us", "UTC"),
        }
        schema.update({f.name: f.type.polars_dtype for f in self.fields})
        return schema
