"""The attendance floor's reading half: polars reads the whole export at once (every core, no
pages) and renames it to the attendance_marks table's columns, with no validation, no typing, no
hub ids and no diff; the writing half is the roster floor's (floor_sqlite, floor_postgres)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy import Table

from bench.attendance_file import COLUMNS
from bench.floor_frames import table_rows
from hub.store import CANONICAL_TABLES


def attendance_rows(path: Path) -> dict[Table, pl.DataFrame]:
    table = CANONICAL_TABLES["attendance_mark"]
    raw = pl.read_csv(path, infer_schema=False)
    columns = {canonical: column for column, canonical in COLUMNS.items()}
    rows = table_rows(table, raw, columns, record_id="mark_id", updated="last_modified")
    # A mark id ("student:date:session", ~50 characters) does not fit the 36-character key, so
    # the key is polars' own hash of it: the cheapest unique key there is (64 bits: a collision
    # among millions is ~1e-6 likely), in no order, as the roster floor's UUID sourcedIds are.
    return {table: rows.with_columns(id=pl.col("source_record_id").hash().cast(pl.String))}
