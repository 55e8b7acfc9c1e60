"""Diff incoming records against the store: insert, update, unchanged, tombstone.

Records are matched on their source record id and compared by content hash, both of which exist
before any hub id is derived; so the engine derives ids and builds write rows for the changed
records only (ADR 7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import polars as pl

from hub.store.canonical_writes import LIVE_SCHEMA


@dataclass(frozen=True)
class Diff:
    inserts: pl.DataFrame  # incoming rows not in the store
    updates: pl.DataFrame  # incoming rows whose content changed, or that come back from a tombstone
    unchanged: int
    tombstones: pl.DataFrame  # id, school_id of stored live rows that are gone
    # school_id, live: stored live rows before the run; the deletion guard reads it only when a run
    # tombstones something, so the engine fills it in then (`canonical_writes.live_per_school`).
    live_per_school: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LIVE_SCHEMA))


PART_ROWS = 500_000  # a join's working memory grows with its rows: larger diffs run in parts


def diff(
    incoming: pl.DataFrame,
    stored: pl.DataFrame,
    *,
    complete: bool,
    deleted_ids: list[str],
    kept_ids: list[str] | None = None,
    identities: Callable[[], pl.DataFrame],
    columns: list[str] | None = None,
) -> Diff:
    """`incoming`: records with `source_record_id` and `content_hash` (as the adapter gave them);
    `stored`: what the store holds for the source (`canonical_writes.load_state`: source record
    id, stored hash, tombstone flag). Inserts and updates come back as incoming rows, in incoming
    order, with `columns` of them (default: all). `identities` gives source record id, hub id
    and school of the stored rows (`canonical_writes.load_identities`); it is called only when
    something is gone.

    `complete` means incoming is the whole source: live stored rows missing from it are gone.
    `deleted_ids` are source record ids the source itself reported deleted (they win over a
    complete read). `kept_ids` are source record ids the source sent but that were quarantined:
    missing from incoming, yet not gone, so they keep their stored version.

    Past PART_ROWS records the diff runs in parts, split by a hash of the source record id: a
    record's diff depends only on its own incoming and stored rows (and the id lists, which every
    part sees), so the parts' results are the whole's, with a part's join in memory at a time.
    """
    parts = -(-max(incoming.height, stored.height) // PART_ROWS)
    if parts <= 1:
        return _diff(incoming, stored, complete, deleted_ids, kept_ids, identities, columns)
    identities = cache(identities)  # read once, however many parts tombstone something
    numbered = incoming.with_row_index(_ORDER)
    # Filtered part by part rather than partitioned at once: one part's copy at a time.
    incoming_part, stored_part = _part_of(incoming, parts), _part_of(stored, parts)
    results = [
        _diff(
            numbered.filter(incoming_part == k),
            stored.filter(stored_part == k),
            complete,
            deleted_ids,
            kept_ids,
            identities,
            None if columns is None else [*columns, _ORDER],
        )
        for k in range(parts)
    ]

    def in_incoming_order(frames: list[pl.DataFrame]) -> pl.DataFrame:
        return pl.concat(frames).sort(_ORDER).drop(_ORDER)

    return Diff(
        in_incoming_order([r.inserts for r in results]),
        in_incoming_order([r.updates for r in results]),
        sum(r.unchanged for r in results),
        pl.concat([r.tombstones for r in results]),
    )


_ORDER = "_diff_order"


def _part_of(frame: pl.DataFrame, parts: int) -> pl.Series:
    return frame.select(pl.col("source_record_id").hash() % parts).to_series()


def _diff(
    incoming: pl.DataFrame,
    stored: pl.DataFrame,
    complete: bool,
    deleted_ids: list[str],
    kept_ids: list[str] | None,
    identities: Callable[[], pl.DataFrame],
    columns: list[str] | None,
) -> Diff:
    joined = incoming.join(stored, on="source_record_id", how="left", maintain_order="left")
    is_new = pl.col("stored_hash").is_null()
    changed = (pl.col("stored_hash") != pl.col("content_hash")) | pl.col("stored_deleted")
    if deleted_ids:
        joined = joined.filter(~pl.col("source_record_id").is_in(deleted_ids))
    returned = columns or incoming.columns
    inserts = joined.filter(is_new).select(returned)
    updates = joined.filter(~is_new & changed).select(returned)
    unchanged = joined.height - inserts.height - updates.height

    live = stored.filter(~pl.col("stored_deleted")).select("source_record_id")
    gone = live.filter(pl.col("source_record_id").is_in(deleted_ids))
    if complete:
        absent = live.join(incoming.select("source_record_id"), on="source_record_id", how="anti").filter(
            ~pl.col("source_record_id").is_in(kept_ids or [])
        )
        gone = pl.concat([gone, absent]).unique("source_record_id", maintain_order=True)
    return Diff(inserts, updates, unchanged, _tombstones(gone, identities))


def _tombstones(gone: pl.DataFrame, identities: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """id, school_id of the gone source record ids, in their order."""
    if gone.height == 0:
        return pl.DataFrame(schema={"id": pl.String, "school_id": pl.String})
    return gone.join(identities(), on="source_record_id", how="left", maintain_order="left").select(
        "id", "school_id"
    )


def nothing_changed(live_per_school: pl.DataFrame) -> Diff:
    """The diff of an entity whose read matched the last applied one (see digests.py)."""
    empty = pl.DataFrame()
    no_ids = pl.DataFrame(schema={"id": pl.String, "school_id": pl.String})
    return Diff(empty, empty, 0, no_ids, live_per_school)
