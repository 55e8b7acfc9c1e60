"""One sync run of one source: read every stream, then diff and apply in ONE transaction.

A run that fails anywhere (source error, bad data over the quarantine threshold, deletion guard,
a crash) applies nothing: the previous data keeps being served and checkpoints stay where they
were. Only the run record and its quarantine are written, in their own transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any

import httpx
import polars as pl
from sqlalchemy import Connection, Engine, Table

from adapters.sdk import AdapterError, Reject, SourceAdapter, SourceContractError, registry
from adapters.sdk.payloads import PayloadLog, capture_payloads
from hub.canonical import ENTITIES_BY_NAME, EntitySpec
from hub.config import Settings, get_settings
from hub.store import CANONICAL_TABLES, canonical_writes, runs, sources
from hub.store.columns import utcnow
from hub.sync import buckets, fingerprints
from hub.sync.buckets import BUCKETS_KEY
from hub.sync.diff import Diff, diff, nothing_changed
from hub.sync.digests import DIGESTS_KEY, entity_digest
from hub.sync.entity_pages import ROW, EntityPages
from hub.sync.fingerprints import FINGERPRINTS_KEY, SavedRead
from hub.sync.guards import SyncRefusedError, check_deletion_share, check_quarantine_share
from hub.sync.locks import source_lock
from hub.sync.prepare import to_hub_ids, with_content_hash
from hub.sync.staging import PageStore


@dataclass(frozen=True)
class Progress:
    """Reported while reading: `stream` has read `done` of `total` records (total when known)."""

    stream: str
    done: int
    total: int | None


ProgressCallback = Callable[[Progress], None]


@dataclass
class EntityCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    tombstoned: int = 0
    quarantined: int = 0


@dataclass
class RunSummary:
    run_id: str
    source: str
    mode: str
    status: str = "running"
    counts: dict[str, EntityCounts] = field(default_factory=dict)
    quarantined: list[tuple[str, Reject]] = field(default_factory=list)
    error: str | None = None

    @property
    def totals(self) -> EntityCounts:
        total = EntityCounts()
        for counts in self.counts.values():
            for name, value in vars(counts).items():
                setattr(total, name, getattr(total, name) + value)
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "mode": self.mode,
            "status": self.status,
            "error": self.error,
            "counts": {name: vars(c) for name, c in self.counts.items()},
            "totals": vars(self.totals),
            "quarantined": [
                {
                    "entity": entity,
                    "record_id": r.source_record_id,
                    "field": r.field,
                    "reason": r.reason,
                    "location": r.location,
                }
                for entity, r in self.quarantined
            ],
        }


@dataclass
class _EntityRead:
    pages: EntityPages
    deleted_source_ids: list[str] = field(default_factory=list)
    quarantined_source_ids: list[str] = field(default_factory=list)  # read but unusable: never gone
    complete: bool = True


@dataclass
class _Read:
    entities: dict[str, _EntityRead] = field(default_factory=dict)
    checkpoint: dict[str, Any] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # entity → digest of what was read
    # entity → its streams' fingerprints, taken before reading (None: it has none to save)
    fingerprints: dict[str, dict[str, str] | None] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)  # entities not read: fingerprints matched
    records: dict[str, int] = field(default_factory=dict)  # entity → distinct live records read
    # entity diffed → its row buckets' (tag, digests) to save, or None to drop the saved ones
    buckets: dict[str, tuple[str, bytes] | None] = field(default_factory=dict)

    def saved_reads(self, previous: dict[str, SavedRead], summary: RunSummary) -> dict[str, Any]:
        """The fingerprints to save: kept for entities not read, replaced by a clean read's."""
        saved = dict(previous)
        for name in self.entities:
            taken, counts = self.fingerprints.get(name), summary.counts[name]
            if taken is None or counts.quarantined:
                saved.pop(name, None)  # quarantined rows must be listed again by every run
            else:
                saved[name] = SavedRead(taken, counts.read, self.records[name])
        return {name: item.as_json() for name, item in saved.items()}

    def saved_buckets(self, previous: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        """The row buckets to save: kept for entities not diffed (the store did not change),
        replaced or dropped for those that were."""
        kept = {name: item for name, item in previous.items() if name not in self.buckets}
        taken = {name: item for name, item in self.buckets.items() if item is not None}
        return {name: buckets.as_json(*item) for name, item in {**kept, **taken}.items()}


def sync_source(
    engine: Engine,
    source_name: str,
    *,
    full: bool = False,
    force: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> RunSummary:
    """Run one sync from synchronous code (the CLI, tests). See `run_sync`."""
    return asyncio.run(
        run_sync(
            engine,
            source_name,
            full=full,
            force=force,
            transport=transport,
            progress=progress,
            settings=settings,
        )
    )


async def run_sync(
    engine: Engine,
    source_name: str,
    *,
    full: bool = False,
    force: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> RunSummary:
    """Sync one source. `full` ignores checkpoints (and so detects deletions everywhere);
    `force` lets a run through the deletion guard."""
    settings = settings or get_settings()
    with engine.connect() as conn:
        source_id = sources.get_source(conn, source_name).id
    with source_lock(engine, source_id):
        with engine.connect() as conn:
            # Read again under the lock: a run that finished meanwhile moved the checkpoint and the
            # digests, and skipping on stale digests would leave its changes in place.
            source = sources.get_source(conn, source_name)
        saved = dict(source.checkpoint)
        digests: dict[str, str] = saved.pop(DIGESTS_KEY, None) or {}
        saved_reads = fingerprints.load_saved(saved.pop(FINGERPRINTS_KEY, None))
        saved_buckets = buckets.load_saved(saved.pop(BUCKETS_KEY, None))
        # `full` also forgets the digests, fingerprints and buckets: everything is read and diffed again.
        checkpoint, previous_digests = ({}, {}) if full else (saved, digests)
        previous_buckets = {} if full else saved_buckets
        # A read is only skipped when the digest it was taken with is still there to keep (so
        # never under `full`, which has none).
        previous_reads = {n: r for n, r in saved_reads.items() if n in previous_digests}
        mode = "incremental" if checkpoint else "full"
        with engine.begin() as conn:
            summary = RunSummary(run_id=runs.start_run(conn, source.id, mode), source=source_name, mode=mode)
        with ExitStack() as stack:
            payload_log = stack.enter_context(capture_payloads()) if source.log_payloads else None
            try:
                adapter = registry.create(source.adapter, source.config, transport=transport)
                store = stack.enter_context(closing(PageStore(settings.sync_page_memory_mb * 2**20)))
                try:
                    read = await _read(adapter, store, checkpoint, summary, progress, previous_reads)
                finally:
                    await adapter.aclose()
                check_quarantine_share(
                    summary.totals.quarantined, summary.totals.read, settings.quarantine_max_share
                )
                with engine.begin() as conn:
                    diffs = _diff_all(conn, source.id, read, summary, previous_digests, previous_buckets)
                    if not force:
                        check_deletion_share(diffs.values(), settings.deletion_guard_share)
                    _apply(conn, source.id, diffs, read.entities)
                    sources.save_checkpoint(
                        conn,
                        source.id,
                        {
                            **checkpoint,
                            **read.checkpoint,
                            DIGESTS_KEY: {**previous_digests, **read.digests},
                            FINGERPRINTS_KEY: read.saved_reads(previous_reads, summary),
                            BUCKETS_KEY: read.saved_buckets(previous_buckets),
                        },
                    )
                    summary.status = "succeeded"
                    _record_run(conn, source.id, summary, payload_log)
            except (AdapterError, SyncRefusedError) as exc:
                _fail(engine, source.id, summary, str(exc), payload_log)
            except Exception as exc:
                _fail(
                    engine, source.id, summary, f"internal error ({type(exc).__name__}): {exc}", payload_log
                )
                raise
    return summary


async def _read(
    adapter: SourceAdapter,
    store: PageStore,
    checkpoint: dict[str, Any],
    summary: RunSummary,
    progress: ProgressCallback | None,
    previous_reads: dict[str, SavedRead],
) -> _Read:
    read = _Read()
    streams = adapter.streams()
    starts = {s.name: _parse_since(checkpoint.get(s.name)) if s.incremental else None for s in streams}
    # Taken before any read: a source changing while it is read then costs a read next time,
    # never a wrong skip.
    read.fingerprints = fingerprints.take(streams, {name for name, since in starts.items() if since is None})
    for stream in streams:
        saved = previous_reads.get(stream.entity.name)
        if saved is not None and read.fingerprints.get(stream.entity.name) == saved.streams:
            read.skipped.add(stream.entity.name)
            summary.counts[stream.entity.name] = EntityCounts(read=saved.read, unchanged=saved.unchanged)
            continue
        entity = read.entities.setdefault(stream.entity.name, _EntityRead(EntityPages(stream.entity, store)))
        counts = summary.counts.setdefault(stream.entity.name, EntityCounts())
        since = starts[stream.name]
        entity.complete = entity.complete and since is None and not stream.partial
        done = 0
        promised: int | None = None  # how many records the source last said the stream holds
        high_water: datetime | None = since
        async for page in stream.read(since):
            mapped = stream.to_canonical(page)
            entity.pages.add(mapped.frame, page.location)
            entity.deleted_source_ids.extend(mapped.deleted_ids)
            summary.quarantined.extend((stream.entity.name, r) for r in mapped.rejects)
            for reject in mapped.rejects:
                if reject.source_record_id is None:
                    entity.complete = False  # some record came without its id: absence proves nothing
                else:
                    entity.quarantined_source_ids.append(reject.source_record_id)
            counts.read += mapped.frame.height + len(mapped.deleted_ids) + len(mapped.rejects)
            counts.quarantined += len(mapped.rejects)
            done += page.row_count
            promised = page.total if page.total is not None else promised
            latest = mapped.frame["source_updated_at"].max() if mapped.frame.height else None
            if isinstance(latest, datetime) and (high_water is None or latest > high_water):
                high_water = latest
            if progress:
                progress(Progress(stream.name, done, page.total))
        if promised is not None and done < promised:
            # A page came back short or empty mid-read: applying would tombstone (or, on a delta,
            # skip past) records the source still holds.
            raise SourceContractError(
                f"{stream.name}: the source said it holds {promised} records, but reading it gave "
                f"only {done}; the read is incomplete, so nothing was applied"
            )
        if stream.incremental and high_water is not None:
            read.checkpoint[stream.name] = high_water.isoformat()
    return read


def _parse_since(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _diff_all(
    conn: Connection,
    source_id: str,
    read: _Read,
    summary: RunSummary,
    previous_digests: dict[str, str],
    previous_buckets: dict[str, tuple[str, bytes]],
) -> dict[EntitySpec, Diff]:
    """Diff each entity on (source record id, content hash); only the records that changed get hub
    ids, and an entity read exactly as the last applied run read it is not diffed at all (ADR 7),
    so a delta costs in proportion to what changed, not to what was read."""
    diffs: dict[EntitySpec, Diff] = {}
    skipped: list[EntitySpec] = []
    for name, entity_read in read.entities.items():
        spec = ENTITIES_BY_NAME[name]
        counts = summary.counts[name]
        ids, row_hashes = entity_read.pages.take_ids(), entity_read.pages.take_row_hashes()
        digest = entity_digest(
            pl.Schema(spec.polars_schema()),
            row_hashes,
            deleted=entity_read.deleted_source_ids,
            kept=entity_read.quarantined_source_ids,
            complete=entity_read.complete,
        )
        read.digests[name] = digest
        if previous_digests.get(name) == digest:
            # What the diff would find: every distinct live record read, unchanged.
            read.records[name] = counts.unchanged = ids.filter(
                ~ids.is_in(entity_read.deleted_source_ids)
            ).n_unique()
            skipped.append(spec)
            continue
        diffs[spec] = _diff_entity(
            conn, source_id, spec, entity_read, ids, row_hashes, read, previous_buckets.get(name)
        )
        del ids, row_hashes  # not needed by the apply
        counts.inserted, counts.updated = diffs[spec].inserts.height, diffs[spec].updates.height
        counts.unchanged, counts.tombstoned = diffs[spec].unchanged, diffs[spec].tombstones.height
        read.records[name] = counts.inserted + counts.updated + counts.unchanged
    # Not read: exactly what the last applied run read, so exactly an entity whose digest matched
    # (its saved digest is kept by the checkpoint merge in run_sync).
    skipped.extend(ENTITIES_BY_NAME[name] for name in read.skipped)
    if any(d.tombstones.height for d in diffs.values()):
        # The deletion guard weighs deletions against each school's live records of every entity,
        # diffed or skipped: counted only in runs that tombstone something.
        for spec in [*diffs, *skipped]:
            live = canonical_writes.live_per_school(conn, CANONICAL_TABLES[spec.name], source_id)
            diffs[spec] = (
                replace(diffs[spec], live_per_school=live) if spec in diffs else nothing_changed(live)
            )
    return diffs


def _diff_entity(
    conn: Connection,
    source_id: str,
    spec: EntitySpec,
    entity_read: _EntityRead,
    ids: pl.Series,
    row_hashes: pl.Series,
    read: _Read,
    saved_buckets: tuple[str, bytes] | None,
) -> Diff:
    """One entity's diff, as positions in its read: each record's last version is hashed and
    diffed; of a large entity whose row buckets were saved, only the records in the buckets whose
    digest moved (buckets.py). Inserts come back as ROW, updates as (ROW, content_hash)."""
    table = CANONICAL_TABLES[spec.name]
    pages = entity_read.pages
    stored = canonical_writes.load_state(conn, table, source_id)
    taken = buckets.digests(
        ids,
        row_hashes,
        complete=entity_read.complete,
        deleted=entity_read.deleted_source_ids,
        kept=entity_read.quarantined_source_ids,
    )
    tag = buckets.tag(pl.Schema(spec.polars_schema()))
    read.buckets[spec.name] = None if taken is None else (tag, taken)
    # A record read twice (pages shifting under a paging read) keeps its last version.
    rows = ids.to_frame().with_row_index(ROW).filter(pl.col("source_record_id").is_last_distinct())
    untouched = 0
    if taken is not None and saved_buckets is not None and saved_buckets[0] == tag:
        moved = buckets.bucket_of(pl.col("source_record_id")).is_in(buckets.changed(saved_buckets[1], taken))
        part = rows.filter(moved)
        untouched = rows.height - part.height
        rows, stored = part, stored.filter(moved)
    # Only a record the store holds has a hash to compare with: the others (inserts) are hashed as
    # they are written, so a first ingest never holds a hash per row.
    held = rows.join(
        stored.select("source_record_id"), on="source_record_id", how="semi", maintain_order="left"
    )
    hashed = held.select(ROW).with_columns(content_hash=pages.content_hashes(held[ROW]))
    result = diff(
        rows.join(hashed, on=ROW, how="left", maintain_order="left"),
        stored,
        complete=entity_read.complete,
        deleted_ids=entity_read.deleted_source_ids,
        kept_ids=entity_read.quarantined_source_ids,
        identities=partial(canonical_writes.load_identities, conn, table, source_id),
        columns=[ROW, "content_hash"],
    )
    return replace(
        result, inserts=result.inserts.drop("content_hash"), unchanged=result.unchanged + untouched
    )


def _apply(
    conn: Connection, source_id: str, diffs: dict[EntitySpec, Diff], entities: dict[str, _EntityRead]
) -> None:
    """Write every change of the run, each with its own change version, in the caller's
    transaction: an entity's inserts, then its updates, then its tombstones, each versioned in
    read order (new rows are stored grouped by school: `_insert_by_school`)."""
    total = sum(d.inserts.height + d.updates.height + d.tombstones.height for d in diffs.values())
    version = canonical_writes.allocate_versions(conn, total)
    now = utcnow()
    for spec, d in diffs.items():
        table = CANONICAL_TABLES[spec.name]
        for changed, write in (
            (d.inserts, _insert_by_school),
            (d.updates, canonical_writes.update_frame),
        ):
            if not changed.height:
                continue
            versioned = changed.with_columns(
                change_version=pl.int_range(version, version + changed.height, dtype=pl.Int64)
            )
            version += changed.height
            for rows in entities[spec.name].pages.picked(versioned):
                write(conn, table, _stored_form(spec, rows, source_id, now))
        canonical_writes.tombstone_rows(conn, table, d.tombstones["id"].to_list(), version, now)
        version += d.tombstones.height


def _insert_by_school(conn: Connection, table: Table, rows: pl.DataFrame) -> None:
    """Insert a page's new rows grouped by school, in read order within each school (ADR 0010):
    the API reads by school (a school's pages, a class's enrollments, its people), so rows stored
    together are read together, and a source's own order (a student's marks together) still
    keeps the inserts into the other indexes local. Change versions follow read order."""
    canonical_writes.insert_frame(conn, table, rows.sort("school_id", nulls_last=True, maintain_order=True))


def _stored_form(spec: EntitySpec, rows: pl.DataFrame, source_id: str, now: datetime) -> pl.DataFrame:
    """Read rows with their change version (and content hash, where the diff took one) → rows as
    the table stores them."""
    if "content_hash" not in rows.columns:
        rows = with_content_hash(spec, rows)
    return to_hub_ids(spec, source_id, rows).with_columns(
        source_id=pl.lit(source_id),
        updated_at=pl.lit(now, dtype=pl.Datetime("us", "UTC")),
        deleted_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
    )


def _record_run(
    conn: Connection, source_id: str, summary: RunSummary, payload_log: PayloadLog | None
) -> None:
    data = summary.as_dict()
    runs.finish_run(
        conn,
        summary.run_id,
        summary.status,
        {"entities": data["counts"], "totals": data["totals"]},
        summary.error,
    )
    runs.add_quarantined(
        conn,
        summary.run_id,
        [
            {
                "entity": q["entity"],
                "source_record_id": q["record_id"],
                "field": q["field"],
                "reason": q["reason"],
                "location": q["location"],
            }
            for q in data["quarantined"]
        ],
    )
    if payload_log is not None:
        runs.add_payloads(conn, source_id, summary.run_id, [vars(p) for p in payload_log.payloads])


def _fail(
    engine: Engine, source_id: str, summary: RunSummary, error: str, payload_log: PayloadLog | None
) -> None:
    summary.status = "failed"
    summary.error = error
    with engine.begin() as conn:
        _record_run(conn, source_id, summary, payload_log)
