"""Bulk reads and writes of canonical records for the sync engine: no per-row ORM objects."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from typing import Any

import orjson
import polars as pl
from sqlalchemy import JSON, Connection, Date, DateTime, Table, bindparam, func, insert, select, update

from hub.store.columns import UTCDateTime
from hub.store.models import COUNTERS, SOURCES

CHANGE_VERSION = "change_version"
_COUNTERS = COUNTERS


def load_state(conn: Connection, table: Table, source_id: str) -> pl.DataFrame:
    """What the diff compares with: the source record id, content hash and tombstone flag of each
    of the source's rows. Read through the driver's cursor (a store holds hundreds of thousands of
    rows, and these plain columns need no result processing); hub ids and schools are read only
    when a run tombstones something (`load_identities`)."""
    return _source_rows(conn, table, source_id, *_STATE)


def load_identities(conn: Connection, table: Table, source_id: str) -> pl.DataFrame:
    """source_record_id, id, school_id of each of the source's rows: what tombstoning needs."""
    return _source_rows(conn, table, source_id, *_IDENTITIES)


# (what to select, after `WHERE source_id = …` (a clause or grouping), the frame's schema)
_STATE = (
    "source_record_id, content_hash, deleted_at IS NOT NULL",
    "",
    pl.Schema({"source_record_id": pl.String, "stored_hash": pl.String, "stored_deleted": pl.Boolean}),
)
_IDENTITIES = (
    "source_record_id, id, school_id",
    "",
    pl.Schema({"source_record_id": pl.String, "id": pl.String, "school_id": pl.String}),
)
LIVE_SCHEMA = pl.Schema({"school_id": pl.String, "live": pl.UInt32})
_LIVE = ("school_id, count(*)", " AND deleted_at IS NULL GROUP BY school_id", LIVE_SCHEMA)


def _source_rows(
    conn: Connection, table: Table, source_id: str, columns: str, after: str, schema: pl.Schema
) -> pl.DataFrame:
    """`columns` of the source's rows (`after`: more of the statement), through the driver's cursor."""
    placeholder = "?" if conn.dialect.name == "sqlite" else "%s"
    q = conn.dialect.identifier_preparer
    sql = (
        f"SELECT {columns} "  # noqa: S608 - no input
        f"FROM {q.format_table(table)}{_lone_source_scan(conn)} WHERE source_id = {placeholder}{after}"
    )
    frames = [pl.DataFrame(schema=schema)]
    with _driver_cursor(conn, server_side=True) as cursor:
        cursor.execute(sql, (source_id,))
        # In batches: a Python tuple per row of millions (a term of marks) would cost GiBs at once.
        while rows := cursor.fetchmany(_FETCH_ROWS):
            frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(frames)


_FETCH_ROWS = 100_000


def _lone_source_scan(conn: Connection) -> str:
    """SQLite, one source configured: read the table in storage order (NOT INDEXED) rather than
    through the (source_id, source_record_id) index, whose row-by-row lookups cost more than twice
    as much (117k people: 0.9 s against 0.4 s) when the source's rows are all the table's anyway.
    With several sources the index reads only this one's; PostgreSQL plans from statistics."""
    if conn.dialect.name != "sqlite":
        return ""
    configured = conn.execute(select(func.count()).select_from(SOURCES)).scalar_one()
    return " NOT INDEXED" if configured <= 1 else ""


def live_per_school(conn: Connection, table: Table, source_id: str) -> pl.DataFrame:
    """school_id, live: how many live records of the source each school holds."""
    return _source_rows(conn, table, source_id, *_LIVE)


def allocate_versions(conn: Connection, count: int) -> int:
    """Reserve `count` change versions; returns the first. The row lock orders concurrent applies."""
    if count == 0:
        return 0
    new_value = conn.execute(
        update(_COUNTERS)
        .where(_COUNTERS.c.name == CHANGE_VERSION)
        .values(value=_COUNTERS.c.value + count)
        .returning(_COUNTERS.c.value)
    ).scalar_one_or_none()
    if new_value is None:
        conn.execute(insert(_COUNTERS).values(name=CHANGE_VERSION, value=count))
        new_value = count
    return int(new_value) - count + 1


COPY_THRESHOLD = 1000  # below this, COPY's setup costs more than executemany


def insert_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Insert every row of `frame` (columns named as the table's) in the caller's transaction.

    The hot path of a full ingest, so no per-row SQLAlchemy work: values are converted column by
    column to what SQLAlchemy itself would bind (so reads cannot tell the paths apart), then
    SQLite gets plain tuples through `executemany` and PostgreSQL one CSV stream through COPY.
    """
    if frame.height == 0:
        return
    if conn.dialect.name == "sqlite":
        _executemany(conn, _insert_sql(conn, table, frame.columns), _sqlite_values(table, frame).iter_rows())
    elif conn.dialect.name == "postgresql" and frame.height >= COPY_THRESHOLD:
        _copy_frame(conn, table, frame)
    else:
        conn.execute(insert(table), frame.to_dicts())


def update_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Overwrite every column but `id` of the rows with these ids."""
    if frame.height == 0:
        return
    columns = [c for c in frame.columns if c != "id"]
    if conn.dialect.name == "sqlite":
        q = conn.dialect.identifier_preparer
        assignments = ", ".join(f"{q.quote(c)} = ?" for c in columns)
        sql = f"UPDATE {q.format_table(table)} SET {assignments} WHERE id = ?"  # noqa: S608 - column names
        _executemany(conn, sql, _sqlite_values(table, frame.select(*columns, "id")).iter_rows())
        return
    if conn.dialect.name == "postgresql" and frame.height >= COPY_THRESHOLD:
        _copy_update(conn, table, frame, columns)
        return
    statement = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
    conn.execute(statement, frame.rename({"id": "_id"}).to_dicts())


def _copy_update(conn: Connection, table: Table, frame: pl.DataFrame, columns: list[str]) -> None:
    """Large updates on PostgreSQL: COPY into a temporary twin of the table, then one UPDATE … FROM."""
    q = conn.dialect.identifier_preparer
    staging = q.quote(f"staged_{table.name}")
    with _driver_cursor(conn) as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} (LIKE {q.format_table(table)}) ON COMMIT DROP")
        _copy_frame(conn, table, frame, into=staging)
        assignments = ", ".join(f"{q.quote(c)} = s.{q.quote(c)}" for c in columns)
        cursor.execute(
            f"UPDATE {q.format_table(table)} AS t SET {assignments} FROM {staging} AS s WHERE t.id = s.id"  # noqa: S608
        )


def _insert_sql(conn: Connection, table: Table, columns: list[str]) -> str:
    q = conn.dialect.identifier_preparer
    names = ", ".join(q.quote(c) for c in columns)
    return f"INSERT INTO {q.format_table(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


@contextmanager
def _driver_cursor(conn: Connection, *, server_side: bool = False) -> Iterator[Any]:
    """A cursor of the DBAPI connection under `conn` (same transaction), closed afterwards.
    `server_side`: on PostgreSQL, a named cursor, so rows arrive as they are fetched rather than
    the whole result at once (SQLite steps through its result anyway)."""
    driver = conn.connection.driver_connection
    named = {"name": "satchel_source_rows"} if server_side and conn.dialect.name == "postgresql" else {}
    with closing(driver.cursor(**named)) as cursor:  # type: ignore[union-attr]
        yield cursor


def _executemany(conn: Connection, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with _driver_cursor(conn) as cursor:
        cursor.executemany(sql, rows)


def _sqlite_values(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Columns as SQLAlchemy binds them on SQLite: datetimes as naive-UTC text with microseconds,
    dates as ISO text, JSON as `json.dumps` text (None included, as the JSON 'null')."""
    converted: list[pl.Expr | pl.Series] = []
    for name in frame.columns:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            converted.append(pl.col(name).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
        elif isinstance(column_type, Date) and not isinstance(column_type, DateTime):
            converted.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(column_type, JSON):
            converted.append(pl.Series(name, [json.dumps(v) for v in frame[name].to_list()], dtype=pl.String))
    return frame.with_columns(converted) if converted else frame


def _copy_frame(conn: Connection, table: Table, frame: pl.DataFrame, *, into: str | None = None) -> None:
    """PostgreSQL COPY (CSV) inside the caller's transaction: several times faster than INSERTs.
    Every string is quoted, so only an unquoted \\N is NULL."""
    json_columns = [c for c in frame.columns if isinstance(table.c[c].type, JSON)]
    if json_columns:
        frame = frame.with_columns(
            pl.Series(
                c,
                [None if v is None else orjson.dumps(v).decode() for v in frame[c].to_list()],
                dtype=pl.String,
            )
            for c in json_columns
        )
    data = frame.write_csv(
        include_header=False,
        quote_style="non_numeric",
        null_value="\\N",
        datetime_format="%Y-%m-%d %H:%M:%S%.6f%:z",
        date_format="%Y-%m-%d",
    )
    q = conn.dialect.identifier_preparer
    names = ", ".join(q.quote(c) for c in frame.columns)
    statement = f"COPY {into or q.format_table(table)} ({names}) FROM STDIN (FORMAT csv, NULL '\\N')"
    with _driver_cursor(conn) as cursor, cursor.copy(statement) as copy:
        copy.write(data)


def tombstone_rows(conn: Connection, table: Table, ids: list[str], first_version: int, now: datetime) -> None:
    if not ids:
        return
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(deleted_at=now, updated_at=now, change_version=bindparam("_version"))
    )
    conn.execute(statement, [{"_id": i, "_version": first_version + n} for n, i in enumerate(ids)])
