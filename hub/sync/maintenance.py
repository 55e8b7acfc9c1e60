"""The daily maintenance task: purge raw payloads, old tombstones and expired tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from hub.config import Settings
from hub.store import maintenance


def run_maintenance(engine: Engine, now: datetime, settings: Settings) -> dict[str, int]:
    with engine.begin() as conn:
        return {
            "payloads_purged": maintenance.purge_payloads(
                conn, now - timedelta(days=settings.payload_retention_days)
            ),
            "tombstones_purged": maintenance.purge_tombstones(
                conn, now - timedelta(days=settings.tombstone_retention_days)
            ),
            "tokens_purged": maintenance.purge_expired_tokens(conn, now),
        }
