"""Sync run records and quarantined records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from hub.store.columns import new_id, utcnow
from hub.store.models import QUARANTINE, RAW_PAYLOADS, SYNC_RUNS, QuarantinedRecord, RawPayload, SyncRun

_RUNS = SYNC_RUNS
_QUARANTINE = QUARANTINE


def start_run(conn: Connection, source_id: str, mode: str) -> str:
    """Record a new running run; runs left 'running' by a killed process are marked interrupted."""
    conn.execute(
        update(_RUNS)
        .where(_RUNS.c.source_id == source_id, _RUNS.c.status == "running")
        .values(status="failed", finished_at=utcnow(), error="interrupted: the process running it stopped")
    )
    run_id = new_id()
    conn.execute(
        _RUNS.insert().values(
            id=run_id, source_id=source_id, mode=mode, status="running", started_at=utcnow(), counts={}
        )
    )
    return run_id


def finish_run(
    conn: Connection, run_id: str, status: str, counts: dict[str, Any], error: str | None = None
) -> datetime:
    finished = utcnow()
    conn.execute(
        update(_RUNS)
        .where(_RUNS.c.id == run_id)
        .values(status=status, finished_at=finished, counts=counts, error=error)
    )
    return finished


def add_quarantined(conn: Connection, run_id: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_QUARANTINE.insert(), [{"run_id": run_id, **row} for row in rows])


def list_runs(conn: Connection, source_id: str | None = None, limit: int = 20) -> list[SyncRun]:
    query = select(_RUNS).order_by(_RUNS.c.started_at.desc()).limit(limit)
    if source_id is not None:
        query = query.where(_RUNS.c.source_id == source_id)
    return [SyncRun(**row._asdict()) for row in conn.execute(query)]


def quarantined_for_run(conn: Connection, run_id: str) -> list[QuarantinedRecord]:
    query = select(_QUARANTINE).where(_QUARANTINE.c.run_id == run_id).order_by(_QUARANTINE.c.id)
    return [QuarantinedRecord(**row._asdict()) for row in conn.execute(query)]


def add_payloads(conn: Connection, source_id: str, run_id: str, payloads: list[dict[str, Any]]) -> None:
    if payloads:
        conn.execute(
            RAW_PAYLOADS.insert(), [{"source_id": source_id, "run_id": run_id, **p} for p in payloads]
        )


def payloads_for_run(conn: Connection, run_id: str) -> list[RawPayload]:
    query = select(RAW_PAYLOADS).where(RAW_PAYLOADS.c.run_id == run_id).order_by(RAW_PAYLOADS.c.id)
    return [RawPayload(**row._asdict()) for row in conn.execute(query)]


def last_started(conn: Connection) -> dict[str, datetime]:
    """When each source's latest run started (the scheduler's clock)."""
    query = select(_RUNS.c.source_id, func.max(_RUNS.c.started_at)).group_by(_RUNS.c.source_id)
    return {source_id: started for source_id, started in conn.execute(query)}
