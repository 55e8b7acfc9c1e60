from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from hub.store import metadata


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_match_the_models(engine: Engine) -> None:
    """Every table and column the code declares exists as declared: no model change without a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


@pytest.mark.parametrize("count", [5, 1005], ids=["executemany", "bulk"])
def test_bulk_insert_and_update_round_trip_every_column_type(engine: Engine, count: int) -> None:
    """Inserts and updates bypass SQLAlchemy's per-row binding (tuples on SQLite, COPY on PostgreSQL
    for large frames): values must come back exactly as written, and exactly as SQLAlchemy's own path
    would have stored them (same text for datetimes, dates and JSON on SQLite)."""
    from datetime import UTC, date, datetime

    import polars as pl
    from sqlalchemy import bindparam, insert, update

    from hub.store import CANONICAL_TABLES
    from hub.store.canonical_writes import COPY_THRESHOLD, insert_frame, update_frame
    from hub.store.sources import add_source

    assert 5 < COPY_THRESHOLD <= 1005  # both paths on PostgreSQL
    people = CANONICAL_TABLES["person"]
    odd_names = ["Zoë \\t O'Brien\nsecond line", "", "\\N", 'say "hi", then', None]
    rows = [
        {
            "id": f"00000000-0000-0000-0000-{n:012d}",
            "source_record_id": f"p{n}",
            "school_id": None,
            "source_updated_at": datetime(2026, 9, 1, 8, 0, 0, 123000, tzinfo=UTC) if n % 4 else None,
            "updated_at": datetime(2026, 9, 2, 1, 2, 3, n % 1000, tzinfo=UTC),
            "change_version": n + 1,
            "deleted_at": None,
            "content_hash": "h" * 32,
            "given_name": odd_names[n % len(odd_names)],
            "grades": ["09", "10"] if n % 3 else [],
            "agent_ids": None if n % 2 else ["a", "é"],
            "enabled": [True, False, None][n % 3],
            "date_of_birth": date(2012, 1, 1 + n % 28) if n % 5 else None,
        }
        for n in range(count)
    ]
    schema = {
        "id": pl.String,
        "source_record_id": pl.String,
        "school_id": pl.String,
        "source_updated_at": pl.Datetime("us", "UTC"),
        "updated_at": pl.Datetime("us", "UTC"),
        "change_version": pl.Int64,
        "deleted_at": pl.Datetime("us", "UTC"),
        "content_hash": pl.String,
        "given_name": pl.String,
        "grades": pl.List(pl.String),
        "agent_ids": pl.List(pl.String),
        "enabled": pl.Boolean,
        "date_of_birth": pl.Date,
    }
    with engine.begin() as conn:
        source_id = add_source(conn, "bulk", "memory", {})
        frame = pl.DataFrame(rows, schema=schema).with_columns(source_id=pl.lit(source_id))
        insert_frame(conn, people, frame)
        # The same rows through SQLAlchemy, under other ids: the reference for what is stored.
        reference = [
            {
                **r,
                "source_id": source_id,
                "id": "r" + r["id"][1:],
                "source_record_id": "r" + r["source_record_id"],
            }
            for r in rows
        ]
        conn.execute(insert(people), reference)
    _assert_stored_as_written(engine, rows)

    # Updates: every row takes its neighbour's values (SQLite tuples; COPY + UPDATE … FROM on
    # PostgreSQL for large frames), the reference rows through SQLAlchemy.
    shifted = [
        {**rows[(n + 1) % count], "id": r["id"], "source_record_id": r["source_record_id"]}
        for n, r in enumerate(rows)
    ]
    columns = [c for c in schema if c != "id"]
    with engine.begin() as conn:
        update_frame(
            conn, people, pl.DataFrame(shifted, schema=schema).with_columns(source_id=pl.lit(source_id))
        )
        statement = (
            update(people).where(people.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
        )
        conn.execute(
            statement,
            [
                {
                    **{c: r[c] for c in columns},
                    "_id": "r" + r["id"][1:],
                    "source_record_id": "r" + r["source_record_id"],
                }
                for r in shifted
            ],
        )
    _assert_stored_as_written(engine, shifted)


def _assert_stored_as_written(engine: Engine, rows: list[dict[str, Any]]) -> None:
    from hub.store import CANONICAL_TABLES

    people = CANONICAL_TABLES["person"]
    with engine.connect() as conn:
        stored = {r.source_record_id: r._asdict() for r in conn.execute(people.select())}
        raw = {}
        if engine.dialect.name == "sqlite":
            query = "SELECT source_record_id, source_updated_at, updated_at, date_of_birth, grades, agent_ids, enabled FROM people"
            raw = {r[0]: r[1:] for r in conn.exec_driver_sql(query)}
    for row in rows:
        back = stored[row["source_record_id"]]
        assert {k: back[k] for k in row} == row
        if raw:  # the same text SQLAlchemy stored for the reference row
            assert raw[row["source_record_id"]] == raw["r" + row["source_record_id"]]


def test_migrations_have_one_head() -> None:
    """Parallel branches must be joined by a merge revision before they land."""
    from alembic.script import ScriptDirectory

    from hub.store.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


def test_load_state_reads_one_source_alike_by_scan_or_by_index(engine: Engine) -> None:
    """The sync's stored state of a source: read by a scan while it is the only source (SQLite),
    through the source index once there are more — the same rows either way, none of another's."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from hub.store import CANONICAL_TABLES
    from hub.store.canonical_writes import load_state
    from hub.store.sources import add_source

    people = CANONICAL_TABLES["person"]

    def person(source_id: str, n: int, *, deleted: bool = False) -> dict[str, Any]:
        at = datetime(2026, 9, 1, tzinfo=UTC)
        return {
            "id": f"{source_id[:8]}-0000-0000-0000-{n:012d}",
            "source_id": source_id,
            "source_record_id": f"p{n}",
            "school_id": None,
            "updated_at": at,
            "deleted_at": at if deleted else None,
            "change_version": n + 1,
            "content_hash": f"h{n}",
        }

    statements: list[str] = []  # what SQLite ran (load_state uses the driver's cursor)

    def state(source_id: str) -> list[tuple[Any, ...]]:
        statements.clear()
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                conn.connection.driver_connection.set_trace_callback(statements.append)  # type: ignore[union-attr]
            try:
                return sorted(load_state(conn, people, source_id).rows())
            finally:
                if engine.dialect.name == "sqlite":
                    conn.connection.driver_connection.set_trace_callback(None)  # type: ignore[union-attr]

    with engine.begin() as conn:
        first = add_source(conn, "first", "oneroster", {"path": "/nowhere"})
        conn.execute(insert(people), [person(first, 1), person(first, 2, deleted=True)])
    expected = [("p1", "h1", False), ("p2", "h2", True)]
    assert state(first) == expected
    scanned = engine.dialect.name == "sqlite"
    assert any("NOT INDEXED" in s for s in statements) is scanned

    with engine.begin() as conn:
        second = add_source(conn, "second", "oneroster", {"path": "/nowhere"})
        conn.execute(insert(people), [person(second, 3)])
    assert state(first) == expected
    assert not any("NOT INDEXED" in s for s in statements)
    assert [row[0] for row in state(second)] == ["p3"]
