"""Writes and reads of the GraphQL API's own tables: the audit log and feed scope snapshots."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from hub.store.audit_models import API_REQUESTS, FEED_SCOPES
from hub.store.columns import utcnow


@dataclass
class AuditEntry:
    app_id: str
    status: int
    operation: str | None = None
    error_codes: list[str] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)
    data_types: list[str] = field(default_factory=list)
    reads: list[tuple[str, str]] = field(default_factory=list)  # (school, data type) pairs returned
    fields: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    duration_ms: int = 0


_INSERT_REQUEST = API_REQUESTS.insert()


def record_request(conn: Connection, entry: AuditEntry) -> None:
    # Values as parameters of one statement (compiled once), not a new INSERT per request.
    conn.execute(
        _INSERT_REQUEST,
        {
            "at": utcnow(),
            "app_id": entry.app_id,
            "operation": entry.operation,
            "status": entry.status,
            "error_codes": entry.error_codes,
            "schools": entry.schools,
            "data_types": entry.data_types,
            "reads": [list(pair) for pair in entry.reads],
            "fields": entry.fields,
            "rows": entry.rows,
            "duration_ms": entry.duration_ms,
        },
    )


def recent_requests(conn: Connection, app_id: str, limit: int = 100) -> list[dict[str, Any]]:
    query = (
        select(API_REQUESTS)
        .where(API_REQUESTS.c.app_id == app_id)
        .order_by(API_REQUESTS.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def save_scopes(conn: Connection, app_id: str, snapshots: dict[str, dict[str, Any]]) -> None:
    """Keep each snapshot once (content-addressed), so cursors can name them by hash."""
    if not snapshots:
        return
    known = set(load_scopes(conn, app_id, snapshots))
    for digest, snapshot in snapshots.items():
        if digest in known:
            continue
        try:
            # A savepoint: a concurrent request may have stored the same snapshot first.
            with conn.begin_nested():
                conn.execute(
                    FEED_SCOPES.insert().values(
                        app_id=app_id, hash=digest, snapshot=snapshot, created_at=utcnow()
                    )
                )
        except IntegrityError:
            pass


def load_scopes(conn: Connection, app_id: str, hashes: Collection[str]) -> dict[str, dict[str, Any]]:
    if not hashes:
        return {}
    query = select(FEED_SCOPES.c.hash, FEED_SCOPES.c.snapshot).where(
        FEED_SCOPES.c.app_id == app_id, FEED_SCOPES.c.hash.in_(sorted(set(hashes)))
    )
    return {row.hash: dict(row.snapshot) for row in conn.execute(query)}
