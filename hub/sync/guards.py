"""Safety checks that refuse a run before it applies anything."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from hub.sync.diff import Diff


class SyncRefusedError(Exception):
    """The run read fine but applying it would be unsafe; nothing was applied."""


def check_quarantine_share(quarantined: int, read: int, max_share: float) -> None:
    if read and quarantined / read > max_share:
        raise SyncRefusedError(
            f"{quarantined} of {read} records ({quarantined / read:.0%}) were quarantined, over the limit of "
            f"{max_share:.0%} (SATCHEL_QUARANTINE_MAX_SHARE); nothing was applied. "
            "The quarantined records and their reasons are in the run record."
        )


def check_deletion_share(diffs: Iterable[Diff], max_share: float) -> None:
    """Refuse a run that would tombstone more than `max_share` of any school's live records."""
    diffs = list(diffs)
    if not diffs:  # every entity read as last time: nothing to apply
        return
    gone = (
        pl.concat([d.tombstones.select("school_id") for d in diffs]).group_by("school_id").agg(gone=pl.len())
    )
    if gone.height == 0:
        return
    live = pl.concat([d.live_per_school for d in diffs]).group_by("school_id").agg(pl.col("live").sum())
    over = gone.join(live, on="school_id", how="left", nulls_equal=True).filter(
        pl.col("gone") > pl.col("live") * max_share
    )
    if over.height:
        worst = over.sort("gone", descending=True).row(0, named=True)
        where = f"school {worst['school_id']}" if worst["school_id"] else "district-wide records"
        raise SyncRefusedError(
            f"this run would delete {worst['gone']} of {worst['live']} records of {where}, more than the "
            f"{max_share:.0%} allowed (SATCHEL_DELETION_GUARD_SHARE); nothing was applied. If the source really "
            "lost them, run again with --force."
        )
