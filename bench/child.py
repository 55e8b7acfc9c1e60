"""One measurement in its own process, so its peak RSS is its own: `python -m bench.child TASK JSON`.

Prints one JSON line with the result. Tasks:
- `sync`       {url, zip, [delta_zip], [profile]}: migrate a fresh store, sync `zip`; with
               `delta_zip`, then sync that and report the second run (the delta).
- `sync-files` {url, zip, [attendance], [profile]}: migrate the store if needed, then sync the
               bench's files source (`bench.attendance_adapter`): the roster zip, plus the
               attendance export when given; with where the RSS peaked (`bench.rss_trace`).
- `floor-sqlite` {zip, db} / `floor-copy` {url, zip}: the roster ingest floors.
- `floor-attendance-sqlite` {csv, db} / `floor-attendance-copy` {url, csv}: the attendance floors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Table


def run(task: str, args: dict[str, Any]) -> dict[str, Any]:
    if task == "sync":
        from bench.hub_ingest import fresh_store, sync_timed

        engine = fresh_store(args["url"])
        profile = bool(args.get("profile"))
        result = sync_timed(engine, {"path": args["zip"]}, profile=profile)
        if args.get("delta_zip"):
            result = {"full": result, **sync_timed(engine, {"path": args["delta_zip"]}, profile=profile)}
        engine.dispose()
        return result
    if task == "sync-files":
        from bench import attendance_adapter
        from bench.hub_ingest import fresh_store, sync_timed
        from bench.rss_trace import RssTrace

        attendance_adapter.register()
        engine = fresh_store(args["url"])
        config = {"path": args["zip"], "attendance": args.get("attendance")}
        with RssTrace() as trace:
            result = sync_timed(
                engine, config, adapter=attendance_adapter.NAME, profile=bool(args.get("profile"))
            )
        engine.dispose()
        return {**result, "rss_trace": trace.describe()}
    if task.startswith("floor-"):
        return _floor(task, args)
    raise SystemExit(f"unknown task {task!r}")


def _floor(task: str, args: dict[str, Any]) -> dict[str, Any]:
    read: Callable[[], dict[Table, pl.DataFrame]]
    if task.startswith("floor-attendance-"):
        from bench.floor_attendance import attendance_rows

        csv = Path(args["csv"])
        read = lambda: attendance_rows(csv)  # noqa: E731
    else:
        from bench.floor_frames import canonical_rows, read_zip

        zip_path = Path(args["zip"])
        read = lambda: canonical_rows(read_zip(zip_path))  # noqa: E731
    if task.endswith("-sqlite"):
        from bench import floor_sqlite

        return floor_sqlite.ingest(read, Path(args["db"]))
    if task.endswith("-copy"):
        from bench import floor_postgres

        return floor_postgres.ingest(read, args["url"])
    raise SystemExit(f"unknown task {task!r}")


if __name__ == "__main__":
    from bench.rss import peak_rss_bytes

    result = run(sys.argv[1], orjson.loads(sys.argv[2]))
    sys.stdout.write(orjson.dumps({**result, "peak_rss_bytes": peak_rss_bytes()}).decode() + "\n")
