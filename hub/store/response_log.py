"""Full GraphQL responses of apps whose grants set `log_full_payloads`: written after each
request, read by operators troubleshooting an integration, purged by the daily maintenance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from hub.store.audit_models import API_RESPONSE_PAYLOADS
from hub.store.columns import utcnow


def record(conn: Connection, app_id: str, operation: str | None, request: str, body: str) -> None:
    conn.execute(
        API_RESPONSE_PAYLOADS.insert().values(
            at=utcnow(), app_id=app_id, operation=operation, request=request, body=body
        )
    )


def recent(conn: Connection, app_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The app's logged responses, newest first."""
    query = (
        select(API_RESPONSE_PAYLOADS)
        .where(API_RESPONSE_PAYLOADS.c.app_id == app_id)
        .order_by(API_RESPONSE_PAYLOADS.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def purge(conn: Connection, logged_before: datetime) -> int:
    return conn.execute(
        delete(API_RESPONSE_PAYLOADS).where(API_RESPONSE_PAYLOADS.c.at < logged_before)
    ).rowcount
