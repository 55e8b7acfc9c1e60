from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from adapters.sdk import registry
from hub.access import register_app
from hub.config import Settings
from hub.store import CANONICAL_TABLES
from hub.store.models import ACCESS_TOKENS, RAW_PAYLOADS
from hub.store.runs import list_runs, start_run
from hub.store.sources import add_source, get_source, set_schedule
from hub.sync import sync_source
from hub.sync.scheduler import Scheduler
from tests.memory_adapter import DATASETS, MemoryAdapter
from tests.sync.datasets import district


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_sources_sync_on_their_interval_and_maintenance_runs_daily(engine: Engine) -> None:
    registry.register(MemoryAdapter)
    DATASETS["sched"] = district(6, variant=1)
    with engine.begin() as conn:
        hourly = add_source(conn, "hourly", "memory", {"dataset": "sched"})
        add_source(conn, "manual", "memory", {"dataset": "sched"})
        set_schedule(conn, hourly, 60)
    clock = Clock()
    scheduler = Scheduler(engine, Settings(), clock=clock)
    try:
        assert [s.source for s in scheduler.tick()] == ["hourly"]  # never ran: due at once
        clock.now += timedelta(minutes=30)
        assert scheduler.tick() == []
        clock.now += timedelta(minutes=31)
        assert [s.status for s in scheduler.tick()] == ["succeeded"]
        with engine.connect() as conn:
            assert len(list_runs(conn, get_source(conn, "hourly").id)) == 2
            assert list_runs(conn, get_source(conn, "manual").id) == []
    finally:
        DATASETS.pop("sched")


def test_maintenance_purges_old_payloads_tombstones_and_expired_tokens(engine: Engine) -> None:
    registry.register(MemoryAdapter)
    DATASETS["maint"] = district(6, variant=1)
    with engine.begin() as conn:
        add_source(conn, "maint", "memory", {"dataset": "maint"})
    sync_source(engine, "maint")
    DATASETS["maint"]["person"].pop()  # one tombstone
    assert sync_source(engine, "maint", force=True).counts["person"].tombstoned == 1
    long_ago = datetime.now(UTC) - timedelta(days=400)
    people = CANONICAL_TABLES["person"]
    with engine.begin() as conn:
        source_id = get_source(conn, "maint").id
        run_id = start_run(conn, source_id, "full")
        conn.execute(
            insert(RAW_PAYLOADS).values(
                source_id=source_id,
                run_id=run_id,
                url="u",
                status=200,
                body="{}",
                truncated=False,
                created_at=long_ago,
            )
        )
        conn.execute(
            insert(RAW_PAYLOADS).values(
                source_id=source_id,
                run_id=run_id,
                url="u",
                status=200,
                body="{}",
                truncated=False,
                created_at=datetime.now(UTC),
            )
        )
        conn.execute(people.update().where(people.c.deleted_at.is_not(None)).values(deleted_at=long_ago))
        app, _ = register_app(conn, "Old")
        conn.execute(
            insert(ACCESS_TOKENS).values(
                token_hash="a" * 64, app_id=app.id, issued_at=long_ago, expires_at=long_ago
            )
        )

    scheduler = Scheduler(engine, Settings())
    scheduler.tick()
    with engine.connect() as conn:
        assert len(conn.execute(select(RAW_PAYLOADS)).all()) == 1
        assert conn.execute(select(people).where(people.c.deleted_at.is_not(None))).all() == []
        assert len(conn.execute(select(people)).all()) == 5
        assert conn.execute(select(ACCESS_TOKENS)).all() == []
    DATASETS.pop("maint")
