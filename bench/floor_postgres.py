"""The PostgreSQL ingest floor: polars reads the files, psycopg `COPY … FROM STDIN` (CSV) writes every
row in one transaction into tables built from the hub's own metadata."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import polars as pl
import psycopg
from sqlalchemy import Table, create_engine

from bench.floor_frames import SOURCE_ID
from bench.pg import libpq_url
from hub.store import CANONICAL_TABLES, metadata
from hub.store.models import SOURCES


def ingest(read: Callable[[], dict[Table, pl.DataFrame]], url: str) -> dict[str, Any]:
    """Time the floor: `read` (the files into table rows) + COPY + commit."""
    engine = create_engine(url)
    metadata.create_all(engine, tables=[SOURCES, *CANONICAL_TABLES.values()])
    engine.dispose()
    started = time.perf_counter()
    tables = read()
    rows = 0
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sources (id, name, adapter, config, checkpoint, created_at) "
            "VALUES (%s, 'floor', 'csv', '{}', '{}', now())",
            (SOURCE_ID,),
        )
        for table, frame in tables.items():
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            # Booleans were made 0/1 for SQLite; PostgreSQL wants them as booleans.
            data = frame.with_columns(
                frame[c].cast(bool) for c in frame.columns if str(table.c[c].type) == "BOOLEAN"
            ).write_csv(include_header=False)
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(data)
            rows += frame.height
        conn.commit()
    return {"seconds": time.perf_counter() - started, "rows": rows}
