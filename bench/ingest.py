"""Sections 1, 2 and 5a: full ingest vs its floor (SQLite, PostgreSQL), the 1% delta vs the full
ingest, and the ingest's peak RSS. Every run is a child process on a fresh database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import pg
from bench.config import BenchConfig
from bench.dataset import Dataset
from bench.hub_ingest import remove_sqlite, sqlite_url
from bench.log import log
from bench.results import Figure, Report, Target
from bench.stats import median
from bench.subproc import run_child

GIB = 2**30
MIB = 2**20
INGEST_TARGET = Target(0.5, "higher")
DELTA_TARGET = Target(0.1, "lower")
RSS_TARGET = Target(1.5 * GIB / MIB, "lower", on="value", text="≤ 1536 MiB (1.5 GiB)")


class DeltaMismatchError(AssertionError):
    pass


@dataclass
class _Runs:
    full: list[float] = field(default_factory=list)
    delta: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    rows: int = 0
    last: dict[str, Any] = field(default_factory=dict)


def run(config: BenchConfig, dataset: Dataset, report: Report) -> Path:
    """Measure; returns the SQLite store of the last hub run (ingested, then delta-synced if asked)."""
    with_delta = config.wants("delta")
    db = config.workdir / "hub.db"
    hub = _Runs()
    for n in range(config.repetitions):
        log(f"hub ingest {n + 1}/{config.repetitions}")
        remove_sqlite(db)
        args: dict[str, Any] = {"url": sqlite_url(db), "zip": str(dataset.full_zip)}
        if with_delta:
            args["delta_zip"] = str(dataset.delta_zip)
        _record(hub, run_child("sync", args), with_delta, dataset)
    floor = _Runs()
    for _ in range(config.repetitions):
        child = run_child(
            "floor-sqlite", {"zip": str(dataset.full_zip), "db": str(config.workdir / "floor.db")}
        )
        floor.full.append(child.result["seconds"])
        floor.rss.append(child.max_rss_bytes)
        floor.rows = child.result["rows"]
    remove_sqlite(config.workdir / "floor.db")

    full = Figure(
        "ingest.sqlite.rows_per_s",
        "Full ingest, SQLite (sync_source from the CSV zip)",
        "rows/s",
        hub.rows / median(hub.full),
        floor.rows / median(floor.full),
        "polars read + sqlite3 executemany, one transaction",
        INGEST_TARGET,
        extra={
            "rows": hub.rows,
            "seconds": median(hub.full),
            "floor_seconds": median(floor.full),
            "samples": hub.full,
        },
    )
    report.add(full)
    if with_delta:
        report.add(
            Figure(
                "delta.sqlite.seconds",
                f"Delta ingest, 1% of people edited ({dataset.changed:,} records changed)",
                "s",
                median(hub.delta),
                median(hub.full),
                "full ingest time (same run)",
                DELTA_TARGET,
                notes="rows written == rows changed (asserted from the RunSummary)",
                extra={"samples": hub.delta, "edited": len(dataset.edited_ids), "changed": dataset.changed},
            )
        )
    if config.wants("memory"):
        report.add(
            Figure(
                "memory.ingest.peak_rss_mib",
                "Peak RSS of the ingest process" + (" (full, then delta)" if with_delta else ""),
                "MiB",
                max(hub.rss) / MIB,
                max(floor.rss) / MIB,
                "peak RSS of the floor ingest process",
                RSS_TARGET,
            )
        )
    if config.profile and any(
        f.met is False for f in report.figures if f.key.startswith(("ingest", "delta"))
    ):
        _profile(config, dataset, db, with_delta, report)
    if config.postgres_url and config.wants("ingest"):
        _postgres(config, dataset, report)
    return db


def _record(runs: _Runs, child: Any, with_delta: bool, dataset: Dataset) -> None:
    result = child.result
    full = result["full"] if with_delta else result
    _check(full)
    runs.full.append(full["seconds"])
    runs.rows = full["totals"]["read"]
    runs.rss.append(child.max_rss_bytes)
    if with_delta:
        _check(result)
        _check_delta(result["totals"], dataset.changed)
        runs.delta.append(result["seconds"])
    runs.last = result


def _check(result: dict[str, Any]) -> None:
    if result["status"] != "succeeded":
        raise RuntimeError(f"sync failed: {result['error']}")


def _check_delta(totals: dict[str, int], changed: int) -> None:
    written = totals["inserted"] + totals["updated"] + totals["tombstoned"]
    if written != changed or totals["updated"] != changed:
        raise DeltaMismatchError(f"the delta wrote {written} rows ({totals}) for {changed} changed records")


def _profile(config: BenchConfig, dataset: Dataset, db: Path, with_delta: bool, report: Report) -> None:
    log("profiling the hub ingest")
    remove_sqlite(db)
    args: dict[str, Any] = {"url": sqlite_url(db), "zip": str(dataset.full_zip), "profile": True}
    if with_delta:
        args["delta_zip"] = str(dataset.delta_zip)
    result = run_child("sync", args).result
    full = result["full"] if with_delta else result
    report.profiles["ingest.sqlite.rows_per_s"] = full["profile"]
    if with_delta:
        report.profiles["delta.sqlite.seconds"] = result["profile"]


def _postgres(config: BenchConfig, dataset: Dataset, report: Report) -> None:
    url = config.postgres_url or ""
    why_not = pg.available(url)
    if why_not:
        report.notes.append(f"PostgreSQL ingest skipped: {why_not}")
        return
    hub, floor = _Runs(), _Runs()
    for n in range(config.repetitions):
        log(f"PostgreSQL ingest and COPY floor {n + 1}/{config.repetitions}")
        with pg.scratch_schema(url) as schema_url:
            child = run_child("sync", {"url": schema_url, "zip": str(dataset.full_zip)})
            _record(hub, child, False, dataset)
        with pg.scratch_schema(url) as schema_url:
            result = run_child("floor-copy", {"zip": str(dataset.full_zip), "url": schema_url}).result
            floor.full.append(result["seconds"])
            floor.rows = result["rows"]
    report.add(
        Figure(
            "ingest.postgres.rows_per_s",
            "Full ingest, PostgreSQL (sync_source from the CSV zip)",
            "rows/s",
            hub.rows / median(hub.full),
            floor.rows / median(floor.full),
            "polars read + COPY FROM STDIN, one transaction",
            INGEST_TARGET,
            extra={"seconds": median(hub.full), "floor_seconds": median(floor.full), "samples": hub.full},
        )
    )
