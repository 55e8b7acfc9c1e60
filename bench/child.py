"""One measurement in its own process, so its peak RSS is its own: `python -m bench.child TASK JSON`.

Prints one JSON line with the result. Tasks:
- `sync`       {url, zip, [delta_zip], [profile]}: migrate a fresh store, sync `zip`; with
               `delta_zip`, then sync that and report the second run (the delta).
- `floor-sqlite` {zip, db}: the SQLite ingest floor.
- `floor-copy`   {url, zip}: the PostgreSQL COPY floor.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson


def run(task: str, args: dict[str, Any]) -> dict[str, Any]:
    if task == "sync":
        from bench.hub_ingest import fresh_store, sync_timed

        engine = fresh_store(args["url"])
        profile = bool(args.get("profile"))
        result = sync_timed(engine, Path(args["zip"]), profile=profile)
        if args.get("delta_zip"):
            result = {"full": result, **sync_timed(engine, Path(args["delta_zip"]), profile=profile)}
        engine.dispose()
        return result
    if task == "floor-sqlite":
        from bench import floor_sqlite

        return floor_sqlite.ingest(Path(args["zip"]), Path(args["db"]))
    if task == "floor-copy":
        from bench import floor_postgres

        return floor_postgres.ingest(Path(args["zip"]), args["url"])
    raise SystemExit(f"unknown task {task!r}")


if __name__ == "__main__":
    from bench.rss import peak_rss_bytes

    result = run(sys.argv[1], orjson.loads(sys.argv[2]))
    sys.stdout.write(orjson.dumps({**result, "peak_rss_bytes": peak_rss_bytes()}).decode() + "\n")
