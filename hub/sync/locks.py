"""One run per source at a time, across processes.

PostgreSQL: a session advisory lock keyed by the source. SQLite (one machine by design): an
exclusive lock on a file beside the database. Both are released by the OS/server if the process
dies, so a killed run never blocks the next one.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


class SourceBusyError(Exception):
    """Another run of the same source holds the lock."""


@contextmanager
def source_lock(engine: Engine, source_id: str) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, source_id):
            yield
    else:
        with _file_lock(engine, source_id):
            yield


@contextmanager
def _advisory_lock(engine: Engine, source_id: str) -> Iterator[None]:
    key = int.from_bytes(hashlib.blake2b(source_id.encode(), digest_size=8).digest(), "big", signed=True)
    with engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            raise SourceBusyError("another sync of this source is running")
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


@contextmanager
def _file_lock(engine: Engine, source_id: str) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # one connection, one process: nothing to race with
        return
    path = Path(f"{database}.sync-{source_id}.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SourceBusyError("another sync of this source is running") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
