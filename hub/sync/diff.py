"""Diff incoming records against the store: insert, update, unchanged, tombstone."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Diff:
    inserts: pl.DataFrame  # incoming rows not in the store
    updates: pl.DataFrame  # incoming rows whose content changed, or that come back from a tombstone
    unchanged: int
    tombstones: pl.DataFrame  # id, school_id of stored live rows that are gone
    live_per_school: pl.DataFrame  # school_id, live: stored live rows before the run (deletion guard)


def diff(
    incoming: pl.DataFrame,
    stored: pl.DataFrame,
    *,
    complete: bool,
    deleted_ids: list[str],
    kept_ids: list[str] | None = None,
) -> Diff:
    """`complete` means incoming is the whole source: live stored rows missing from it are gone.

    `deleted_ids` are hub ids the source itself reported deleted (they win over a complete read).
    `kept_ids` are hub ids the source sent but that were quarantined: missing from incoming, yet
    not gone, so they keep their stored version.
    """
    joined = incoming.join(stored.select("id", "stored_hash", "stored_deleted"), on="id", how="left")
    is_new = pl.col("stored_hash").is_null()
    changed = (pl.col("stored_hash") != pl.col("content_hash")) | pl.col("stored_deleted")
    if deleted_ids:
        joined = joined.filter(~pl.col("id").is_in(deleted_ids))
    inserts = joined.filter(is_new).drop("stored_hash", "stored_deleted")
    updates = joined.filter(~is_new & changed).drop("stored_hash", "stored_deleted")
    unchanged = joined.filter(~is_new & ~changed).height

    live = stored.filter(~pl.col("stored_deleted"))
    gone = live.filter(pl.col("id").is_in(deleted_ids))
    if complete:
        absent = live.join(incoming.select("id"), on="id", how="anti").filter(
            ~pl.col("id").is_in(kept_ids or [])
        )
        gone = pl.concat([gone, absent]).unique("id", maintain_order=True)
    live_per_school = live.group_by("school_id").agg(live=pl.len())
    return Diff(inserts, updates, unchanged, gone.select("id", "school_id"), live_per_school)
