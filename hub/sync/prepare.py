"""Turn what adapters produced into rows ready to diff: hub ids, de-duplication, content hashes."""

from __future__ import annotations

from hashlib import blake2b

import polars as pl

from hub.canonical import EntitySpec, FieldType
from hub.sync.ids import hub_id_lists, hub_ids


def prepare(spec: EntitySpec, source_id: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Canonical frame (source ids) → frame with hub ids and a content hash per record.

    A record read twice (pages shifting under a paging read) keeps its last version.
    """
    frame = frame.select(list(spec.polars_schema())).unique(
        "source_record_id", keep="last", maintain_order=True
    )
    converted = [
        hub_ids(source_id, spec.table, frame["source_record_id"]).alias("id"),
        hub_ids(source_id, "organisations", frame["school_id"]),
    ]
    for field in spec.fields:
        if field.type is FieldType.REFERENCE and field.references:
            converted.append(hub_ids(source_id, field.references, frame[field.name]))
        elif field.type is FieldType.REFERENCE_LIST and field.references:
            converted.append(hub_id_lists(source_id, field.references, frame[field.name]))
    frame = frame.with_columns(converted)
    return frame.with_columns(content_hash=content_hashes(frame, ["school_id", *spec.field_names]))


def content_hashes(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A stable hash of each row's content, independent of polars' internal (unstable) hashing."""
    if frame.height == 0:
        return pl.Series("content_hash", [], dtype=pl.String)
    # JSON escapes newlines inside values, so one line is exactly one row.
    lines = frame.select(columns).write_ndjson().rstrip("\n").split("\n")
    return pl.Series("content_hash", [blake2b(line.encode(), digest_size=16).hexdigest() for line in lines])
