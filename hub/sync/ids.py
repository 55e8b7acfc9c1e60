"""Hub ids: stable UUIDs derived from (source, table, source record id).

Deriving rather than allocating them means a re-sync, or a reference read before its target,
always lands on the same id without a lookup, and an adapter never needs to know hub ids.
"""

from __future__ import annotations

import uuid

import polars as pl

_NAMESPACE = uuid.UUID("9f1c5a3e-6a52-4f0e-9a58-3c1d2b7e4a10")


def hub_id(source_id: str, table: str, source_record_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{source_id}\x1f{table}\x1f{source_record_id}"))


def hub_ids(source_id: str, table: str, values: pl.Series) -> pl.Series:
    """Vectorised over a column of source ids; nulls stay null."""
    prefix = f"{source_id}\x1f{table}\x1f"
    return pl.Series(
        values.name,
        [None if v is None else str(uuid.uuid5(_NAMESPACE, prefix + v)) for v in values.to_list()],
        dtype=pl.String,
    )


def hub_id_lists(source_id: str, table: str, values: pl.Series) -> pl.Series:
    prefix = f"{source_id}\x1f{table}\x1f"
    return pl.Series(
        values.name,
        [
            None if vs is None else [str(uuid.uuid5(_NAMESPACE, prefix + v)) for v in vs]
            for vs in values.to_list()
        ],
        dtype=pl.List(pl.String),
    )
