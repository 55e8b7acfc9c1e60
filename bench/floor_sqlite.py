"""The SQLite ingest floor: polars reads the files, raw sqlite3 `executemany` writes every row in
one transaction into tables built from the hub's own metadata (same columns, keys and indexes),
with the hub's pragmas (WAL, synchronous=NORMAL, foreign keys on)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Table, create_engine

from bench.floor_frames import SOURCE_ID
from hub.store import CANONICAL_TABLES, metadata
from hub.store.models import SOURCES


def prepare_database(path: Path) -> None:
    """Empty tables (not timed: the hub's migrations are not timed either)."""
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine, tables=[SOURCES, *CANONICAL_TABLES.values()])
    engine.dispose()


def ingest(read: Callable[[], dict[Table, pl.DataFrame]], db_path: Path) -> dict[str, Any]:
    """Time the floor: `read` (the files into table rows) + write + commit. Returns seconds and
    rows written."""
    prepare_database(db_path)
    started = time.perf_counter()
    tables = read()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    rows = 0
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO sources (id, name, adapter, config, checkpoint, created_at) VALUES (?, 'floor', 'csv', '{}', '{}', '2026-01-01')",
        (SOURCE_ID,),
    )
    for table, frame in tables.items():
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        marks = ", ".join("?" * frame.width)
        conn.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", frame.iter_rows())  # noqa: S608
        rows += frame.height
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}
