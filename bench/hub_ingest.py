"""Ingest through the hub: a fresh migrated store, a file-based source, `sync_source`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench.profiles import describe
from hub.store import make_engine
from hub.store.migrate import upgrade
from hub.store.sources import add_source, get_source, update_config
from hub.sync import RunSummary, sync_source

SOURCE = "bench"


def fresh_store(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def sync_timed(
    engine: Engine, config: dict[str, Any], *, adapter: str = "oneroster", profile: bool = False
) -> dict[str, Any]:
    """Give the source `config` (adding it with `adapter` on first use) and time one sync."""
    with engine.begin() as conn:
        try:
            update_config(conn, get_source(conn, SOURCE).id, config)
        except LookupError:
            add_source(conn, SOURCE, adapter, config)
    profiler = _profiler() if profile else None
    started = time.perf_counter()
    summary = sync_source(engine, SOURCE)
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, **_summary(summary)}
    if profiler is not None:
        profiler.stop()
        result["profile"] = describe(profiler)
    return result


def _summary(summary: RunSummary) -> dict[str, Any]:
    data = summary.as_dict()
    return {
        "status": summary.status,
        "error": summary.error,
        "totals": data["totals"],
        "counts": data["counts"],
    }


def _profiler() -> Any:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    return profiler


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def remove_sqlite(db: Path) -> None:
    """The database file and whatever SQLite left beside it (-wal, -shm)."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
