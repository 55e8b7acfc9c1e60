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


def _derive(source_id: str, table: str, distinct: pl.Series) -> pl.Series:
    prefix = f"{source_id}\x1f{table}\x1f"
    return pl.Series([str(uuid.uuid5(_NAMESPACE, prefix + v)) for v in distinct.to_list()], dtype=pl.String)


def _mapping(source_id: str, table: str, values: pl.Series) -> pl.DataFrame:
    """Each distinct source id hashed once: a column of school ids has a handful of values in
    hundreds of thousands of rows."""
    distinct = values.drop_nulls().unique()
    return pl.DataFrame({"key": distinct, "hub_id": _derive(source_id, table, distinct)})


def hub_ids(source_id: str, table: str, values: pl.Series) -> pl.Series:
    """Vectorised over a column of source ids; nulls stay null."""
    mapping = _mapping(source_id, table, values)
    joined = values.cast(pl.String).to_frame("key").join(mapping, on="key", how="left", maintain_order="left")
    return joined["hub_id"].alias(values.name)


def hub_id_lists(source_id: str, table: str, values: pl.Series) -> pl.Series:
    """The same for a column of lists of source ids; null lists stay null, order is kept."""
    frame = _mapping(source_id, table, values.explode())
    mapping = dict(zip(frame["key"].to_list(), frame["hub_id"].to_list(), strict=True))
    return pl.Series(
        values.name,
        [None if ids is None else [mapping[i] for i in ids] for ids in values.to_list()],
        dtype=pl.List(pl.String),
    )
