"""The attendance section: a term's marks synced from a CSV export into a store that already holds
their roster, versus the floor (polars reads the same export, sqlite3 executemany / COPY writes
the rows in one transaction), and the peak RSS of that ingest process.

The roster is synced once into a template store (not timed); each repetition copies it and runs
the attendance sync alone in a child process, so its time and peak RSS are the marks' own.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import pg
from bench.config import BenchConfig
from bench.dataset import ATTENDANCE, Dataset
from bench.hub_ingest import remove_sqlite, sqlite_url
from bench.ingest import INGEST_TARGET, MIB, RSS_TARGET
from bench.log import log
from bench.results import Figure, Report
from bench.stats import median
from bench.subproc import ChildResult, run_child

FLOOR_SQLITE = "polars read + sqlite3 executemany, one transaction"
FLOOR_COPY = "polars read + COPY FROM STDIN, one transaction"


class AttendanceMismatchError(AssertionError):
    pass


@dataclass
class _Runs:
    seconds: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    rows: int = 0
    rss_trace: str = ""  # of the run with the highest peak


def run(config: BenchConfig, dataset: Dataset, report: Report) -> None:
    if dataset.attendance_csv is None:
        raise ValueError("the dataset was built without the attendance export")
    template = config.workdir / "attendance-roster.db"
    db = config.workdir / "attendance.db"
    log("roster sync for the attendance ingest (not timed)")
    remove_sqlite(template)
    _checked(run_child("sync-files", {"url": sqlite_url(template), "zip": str(dataset.full_zip)}), None)
    hub = _Runs()
    for n in range(config.repetitions):
        log(f"attendance ingest {n + 1}/{config.repetitions}")
        _copy(template, db)
        _record(hub, _sync(sqlite_url(db), dataset), dataset)
    floor = _Runs()
    floor_db = config.workdir / "attendance-floor.db"
    for n in range(config.repetitions):
        log(f"attendance floor {n + 1}/{config.repetitions}")
        child = run_child(
            "floor-attendance-sqlite", {"csv": str(dataset.attendance_csv), "db": str(floor_db)}
        )
        floor.seconds.append(child.result["seconds"])
        floor.rss.append(child.max_rss_bytes)
        floor.rows = child.result["rows"]
    remove_sqlite(floor_db)
    speed = _speed("sqlite", "SQLite", dataset, hub, floor, FLOOR_SQLITE)
    report.add(speed)
    memory = Figure(
        "attendance.memory.peak_rss_mib",
        "Peak RSS of the attendance ingest process",
        "MiB",
        max(hub.rss) / MIB,
        max(floor.rss) / MIB,
        "peak RSS of the floor's attendance ingest process",
        RSS_TARGET,
        extra={"samples_mib": [round(r / MIB, 1) for r in hub.rss]},
    )
    report.add(memory)
    if config.profile and memory.met is False:
        report.profiles[memory.key] = hub.rss_trace
    if config.profile and speed.met is False:
        log("profiling the attendance ingest")
        _copy(template, db)
        report.profiles[speed.key] = _sync(sqlite_url(db), dataset, profile=True).result["profile"]
    remove_sqlite(template)
    remove_sqlite(db)
    if config.postgres_url:
        _postgres(config, dataset, report)


def _sync(url: str, dataset: Dataset, *, profile: bool = False) -> ChildResult:
    args: dict[str, Any] = {
        "url": url,
        "zip": str(dataset.full_zip),
        "attendance": str(dataset.attendance_csv),
        "profile": profile,
    }
    return run_child("sync-files", args)


def _record(runs: _Runs, child: ChildResult, dataset: Dataset) -> None:
    result = _checked(child, dataset.attendance_rows)
    runs.seconds.append(result["seconds"])
    if child.max_rss_bytes >= max(runs.rss, default=0):
        runs.rss_trace = result["rss_trace"]
    runs.rss.append(child.max_rss_bytes)
    runs.rows = result["counts"][ATTENDANCE]["read"]


def _checked(child: ChildResult, marks: int | None) -> dict[str, Any]:
    """The run succeeded and, when `marks` is given, wrote exactly the marks: the roster was
    skipped as unchanged, so the time is the attendance's alone."""
    result = child.result
    if result["status"] != "succeeded":
        raise RuntimeError(f"sync failed: {result['error']}")
    if marks is None:
        return result
    totals, counts = result["totals"], result["counts"].get(ATTENDANCE, {})
    written = totals["inserted"] + totals["updated"] + totals["tombstoned"]
    if counts.get("inserted") != marks or written != marks or totals["quarantined"]:
        raise AttendanceMismatchError(f"the attendance sync wrote {totals} for {marks} marks")
    return result


def _speed(key: str, name: str, dataset: Dataset, hub: _Runs, floor: _Runs, floor_label: str) -> Figure:
    return Figure(
        f"attendance.{key}.rows_per_s",
        f"Attendance ingest, {name} ({dataset.attendance_rows:,} marks from a CSV export, roster already synced)",
        "rows/s",
        hub.rows / median(hub.seconds),
        floor.rows / median(floor.seconds),
        floor_label,
        INGEST_TARGET,
        extra={
            "rows": hub.rows,
            "seconds": median(hub.seconds),
            "floor_seconds": median(floor.seconds),
            "samples": hub.seconds,
        },
    )


def _postgres(config: BenchConfig, dataset: Dataset, report: Report) -> None:
    url = config.postgres_url or ""
    if why_not := pg.available(url):
        report.notes.append(f"PostgreSQL attendance ingest skipped: {why_not}")
        return
    hub, floor = _Runs(), _Runs()
    for n in range(config.repetitions):
        log(f"PostgreSQL attendance ingest and COPY floor {n + 1}/{config.repetitions}")
        with pg.scratch_schema(url) as schema_url:
            roster = {"url": schema_url, "zip": str(dataset.full_zip)}
            _checked(run_child("sync-files", roster), None)
            _record(hub, _sync(schema_url, dataset), dataset)
        with pg.scratch_schema(url) as schema_url:
            args = {"csv": str(dataset.attendance_csv), "url": schema_url}
            result = run_child("floor-attendance-copy", args).result
            floor.seconds.append(result["seconds"])
            floor.rows = result["rows"]
    report.add(_speed("postgres", "PostgreSQL", dataset, hub, floor, FLOOR_COPY))


def _copy(template: Path, db: Path) -> None:
    """A fresh copy of the roster-only store (its WAL too, should one be left)."""
    remove_sqlite(db)
    for part in template.parent.glob(template.name + "*"):
        shutil.copyfile(part, db.parent / (db.name + part.name.removeprefix(template.name)))
