"""Turn what adapters produced into rows ready to diff and write: de-duplication, content hashes,
hub ids.

The steps are separate because the engine runs them in a cheap order (ADR 7): it hashes every
incoming record in the source's own terms, diffs on (source record id, hash), and derives hub ids
only for the records that changed. `prepare` runs them all, for callers that want every row in
stored form.
"""

from __future__ import annotations

from hashlib import blake2b

import polars as pl

from hub.canonical import EntitySpec, FieldType
from hub.sync.ids import hub_id_lists, hub_ids


def prepare(spec: EntitySpec, source_id: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Canonical frame (source ids) → frame with hub ids and a content hash per record."""
    return to_hub_ids(spec, source_id, with_content_hash(spec, deduplicated(spec, frame)))


def deduplicated(spec: EntitySpec, frame: pl.DataFrame) -> pl.DataFrame:
    """The entity's columns, each record once: a record read twice (pages shifting under a paging
    read) keeps its last version."""
    return frame.select(list(spec.polars_schema())).unique(
        "source_record_id", keep="last", maintain_order=True
    )


def content_columns(spec: EntitySpec) -> list[str]:
    """What a record's content is, for the diff: its school and every field. Not its
    `source_updated_at`: many exports stamp every row anew, and a new stamp alone is no change."""
    return ["school_id", *spec.field_names]


def with_content_hash(spec: EntitySpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Add `content_hash` over the record's content, references still as source ids: hub ids are
    a function of source ids, so the hash changes exactly when the content does."""
    return frame.with_columns(content_hash=content_hashes(frame, content_columns(spec)))


def to_hub_ids(spec: EntitySpec, source_id: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Replace source ids with hub ids: the record's own (`id`), its school's and every reference."""
    converted = [
        hub_ids(source_id, spec.table, frame["source_record_id"]).alias("id"),
        hub_ids(source_id, "organisations", frame["school_id"]),
    ]
    for field in spec.fields:
        if field.type is FieldType.REFERENCE and field.references:
            converted.append(hub_ids(source_id, field.references, frame[field.name]))
        elif field.type is FieldType.REFERENCE_LIST and field.references:
            converted.append(hub_id_lists(source_id, field.references, frame[field.name]))
    return frame.with_columns(converted)


def content_hashes(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A stable hash of each row's content, independent of polars' internal (unstable) hashing:
    blake2b of the row as one JSON object (JSON escapes newlines, so one line is one row)."""
    if frame.height == 0:
        return pl.Series("content_hash", [], dtype=pl.String)
    lines = frame.select(pl.struct(columns).struct.json_encode()).to_series().to_list()
    return pl.Series("content_hash", [blake2b(line.encode(), digest_size=16).hexdigest() for line in lines])
