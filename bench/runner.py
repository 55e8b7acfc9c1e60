"""One benchmark run: data, ingest (which leaves a store behind), then serving; then the report."""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict

import orjson

from bench import attendance, ingest, machine, serving
from bench import dataset as datasets
from bench.config import ATTENDANCE_DAYS, BenchConfig
from bench.hub_ingest import remove_sqlite, sqlite_url
from bench.log import log
from bench.render import print_table, write_markdown
from bench.results import Report
from bench.subproc import run_child


def run(config: BenchConfig, command: str) -> Report:
    options = {
        k: (sorted(v) if isinstance(v, frozenset) else str(v) if not isinstance(v, int | float | bool) else v)
        for k, v in asdict(config).items()
    }
    report = Report(machine=machine.describe(), options={"students": config.students, **options})
    config.workdir.mkdir(parents=True, exist_ok=True)
    log(f"generating {config.students:,} students and writing the zips")
    days = ATTENDANCE_DAYS if config.wants("attendance") else None
    data = datasets.build(config.students, config.seed, config.workdir, attendance_days=days)
    rows = ", ".join(f"{name} {n:,}" for name, n in data.rows.items())
    report.notes.append(
        f"district: {config.students:,} students → {data.total_rows:,} canonical rows ({rows})"
    )
    report.notes.append(datasets.attendance_note(data))
    started = time.perf_counter()
    serves = config.wants("graphql") or config.wants("throughput")
    db = config.workdir / "hub.db"
    if any(config.wants(s) for s in ("ingest", "delta", "memory")):
        db = ingest.run(config, data, report)
    elif serves:
        remove_sqlite(db)
        run_child("sync", {"url": sqlite_url(db), "zip": str(data.full_zip)})
    ingested = time.perf_counter()
    if config.wants("attendance"):
        attendance.run(config, data, report)
    attended = time.perf_counter()
    # The server's peak RSS is read under the throughput load: `memory` alone measures the ingest's.
    if serves:
        log("serving")
        serving.run(config, db, report)
    report.machine["seconds"] = {
        "ingest": round(ingested - started, 1),
        "attendance": round(attended - ingested, 1),
        "serving": round(time.perf_counter() - attended, 1),
    }
    report.machine["load_average_at_end"] = machine.load_average()
    print_table(report)
    if config.json_path:
        config.json_path.parent.mkdir(parents=True, exist_ok=True)
        config.json_path.write_bytes(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2))
    if config.docs_path:
        write_markdown(config.docs_path, report, command)
    shutil.rmtree(config.workdir, ignore_errors=True)
    return report
