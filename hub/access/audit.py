"""The audit log: every access decision and credential change, append-only; and how often an app
read each school's data, counted from the GraphQL request log.

Rows are only ever inserted; the admin UI and API read them back filtered to what the viewer
administers. Actors are recorded by e-mail (people) or a fixed label ("cli", "app:<client id>"),
so the log stays readable after an account is deleted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.store.admin_models import AUDIT_EVENTS
from hub.store.audit_models import API_REQUESTS
from hub.store.columns import utcnow

# How many recent events a scoped reader scans; a school admin's filter runs over these.
_SCAN_LIMIT = 2000


@dataclass(frozen=True)
class AuditEventRecord:
    id: int
    at: datetime
    actor: str
    action: str
    app_id: str | None
    source_id: str | None
    school_ids: tuple[str, ...]
    detail: dict[str, Any]


def record(
    conn: Connection,
    actor: str,
    action: str,
    *,
    app_id: str | None = None,
    source_id: str | None = None,
    school_ids: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one event in the caller's transaction, so a decision and its record commit together."""
    conn.execute(
        AUDIT_EVENTS.insert().values(
            at=at or utcnow(),
            actor=actor,
            action=action,
            app_id=app_id,
            source_id=source_id,
            school_ids=sorted(set(school_ids)),
            detail=detail or {},
        )
    )


def list_events(
    conn: Connection,
    *,
    school_scope: frozenset[str] | None = None,
    app_id: str | None = None,
    action_prefix: str | None = None,
    limit: int = 200,
) -> list[AuditEventRecord]:
    """Newest first. With a school scope, only events whose schools all lie inside it, the same
    rule as for requests; credential changes touch no school and are for hub operators only."""
    query = select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.id.desc())
    if app_id is not None:
        query = query.where(AUDIT_EVENTS.c.app_id == app_id)
    if action_prefix is not None:
        query = query.where(AUDIT_EVENTS.c.action.startswith(action_prefix))
    # JSON arrays cannot be filtered portably in SQL (SQLite vs PostgreSQL), so a scoped reader
    # scans a bounded window of recent events and filters here.
    query = query.limit(limit if school_scope is None else _SCAN_LIMIT)
    events = [_record(row._asdict()) for row in conn.execute(query)]
    if school_scope is not None:
        events = [e for e in events if e.school_ids and set(e.school_ids) <= school_scope]
    return events[:limit]


def _record(values: dict[str, Any]) -> AuditEventRecord:
    return AuditEventRecord(
        id=values["id"],
        at=values["at"],
        actor=values["actor"],
        action=values["action"],
        app_id=values["app_id"],
        source_id=values["source_id"],
        school_ids=tuple(values["school_ids"] or ()),
        detail=dict(values["detail"] or {}),
    )


def api_access_counts(conn: Connection, app_id: str) -> Counter[tuple[str, str]]:
    """How many of the app's GraphQL requests returned records of each (school, data type).

    Read from the api_requests log, which keeps per request the (school, data type) pairs whose
    records came back. Rows logged before the pairs were kept have only the two lists: such a
    request counts for every pair of them (it may over-count, never under-count). JSON cannot be
    unnested portably in SQL, so the rows are streamed and counted here.
    """
    counts: Counter[tuple[str, str]] = Counter()
    query = select(API_REQUESTS.c.reads, API_REQUESTS.c.schools, API_REQUESTS.c.data_types).where(
        API_REQUESTS.c.app_id == app_id
    )
    for row in conn.execution_options(yield_per=5000).execute(query):
        if row.reads is not None:
            pairs = {(school, data_type) for school, data_type in row.reads}
        else:
            pairs = {(s, d) for s in set(row.schools or ()) for d in set(row.data_types or ())}
        counts.update(pairs)
    return counts
