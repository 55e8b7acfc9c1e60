"""Hub ids: stable UUIDs derived from (source, table, source record id).

Deriving rather than allocating them means a re-sync, or a reference read before its target,
always lands on the same id without a lookup, and an adapter never needs to know hub ids.
"""

from __future__ import annotations

import hashlib
import uuid

import polars as pl

_NAMESPACE = uuid.UUID("9f1c5a3e-6a52-4f0e-9a58-3c1d2b7e4a10")


def hub_id(source_id: str, table: str, source_record_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{source_id}\x1f{table}\x1f{source_record_id}"))


def _derive(source_id: str, table: str, distinct: pl.Series) -> pl.Series:
    """uuid5 of each value, without building a UUID object per value (several times faster):
    SHA-1 of namespace + name, first 16 bytes, version 5 and RFC 4122 variant bits set."""
    prefix = hashlib.sha1(_NAMESPACE.bytes + f"{source_id}\x1f{table}\x1f".encode(), usedforsecurity=False)
    out = []
    for value in distinct.to_list():
        digest = prefix.copy()
        digest.update(value.encode())
        raw = bytearray(digest.digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x50
        raw[8] = (raw[8] & 0x3F) | 0x80
        h = raw.hex()
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return pl.Series(out, dtype=pl.String)


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
    if frame.height == 0:
        return values.cast(pl.List(pl.String))
    mapped = values.list.eval(
        pl.element().replace_strict(frame["key"], frame["hub_id"], return_dtype=pl.String)
    )
    return mapped.alias(values.name)
