"""Housekeeping: purge what has outlived its retention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete

from hub.store import response_log
from hub.store.canonical_tables import CANONICAL_TABLES
from hub.store.models import ACCESS_TOKENS, RAW_PAYLOADS


def purge_tombstones(conn: Connection, deleted_before: datetime) -> int:
    """Delete tombstoned records deleted before the cutoff; returns how many rows went."""
    total = 0
    for table in CANONICAL_TABLES.values():
        total += conn.execute(delete(table).where(table.c.deleted_at < deleted_before)).rowcount
    return total


def purge_payloads(conn: Connection, created_before: datetime) -> int:
    """Raw source payloads and logged app responses older than the cutoff; returns how many."""
    raw = conn.execute(delete(RAW_PAYLOADS).where(RAW_PAYLOADS.c.created_at < created_before)).rowcount
    return raw + response_log.purge(conn, created_before)


def purge_expired_tokens(conn: Connection, now: datetime) -> int:
    return conn.execute(delete(ACCESS_TOKENS).where(ACCESS_TOKENS.c.expires_at < now)).rowcount
