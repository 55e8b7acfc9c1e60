"""Compare whole stores: a failed run must leave every canonical table exactly as it was."""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, select

from hub.store import CANONICAL_TABLES, metadata


def store_snapshot(engine: Engine) -> dict[str, str]:
    """A hash of every canonical table's rows plus the sources' checkpoints."""
    tables = [*CANONICAL_TABLES.values(), metadata.tables["sources"], metadata.tables["counters"]]
    snapshot = {}
    with engine.connect() as conn:
        for table in tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            snapshot[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return snapshot
