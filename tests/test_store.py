from __future__ import annotations

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


def test_bulk_insert_round_trips_every_column_type(engine: Engine) -> None:
    """Large inserts take PostgreSQL's COPY path; values must come back exactly as written."""
    from datetime import UTC, date, datetime

    from hub.store import CANONICAL_TABLES
    from hub.store.canonical_writes import COPY_THRESHOLD, insert_rows
    from hub.store.sources import add_source

    people = CANONICAL_TABLES["person"]
    with engine.begin() as conn:
        source_id = add_source(conn, "bulk", "memory", {})
        rows = [
            {
                "id": f"00000000-0000-0000-0000-{n:012d}",
                "source_id": source_id,
                "source_record_id": f"p{n}",
                "school_id": None,
                "source_updated_at": datetime(2026, 9, 1, 8, 0, 0, 123000, tzinfo=UTC),
                "updated_at": datetime(2026, 9, 2, tzinfo=UTC),
                "change_version": n + 1,
                "deleted_at": None,
                "content_hash": "h" * 32,
                "given_name": "Zoë \\t O'Brien\nsecond line" if n % 2 else None,
                "grades": ["09", "10"] if n % 3 else [],
                "agent_ids": None,
                "enabled": n % 2 == 0,
                "date_of_birth": date(2012, 1, 1 + n % 28),
            }
            for n in range(COPY_THRESHOLD + 5)
        ]
        insert_rows(conn, people, rows)
    with engine.connect() as conn:
        stored = {r.source_record_id: r._asdict() for r in conn.execute(people.select())}
    for row in rows:
        back = stored[row["source_record_id"]]
        assert {k: back[k] for k in row} == row


def test_migrations_have_one_head() -> None:
    """Parallel branches must be joined by a merge revision before they land."""
    from alembic.script import ScriptDirectory

    from hub.store.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
