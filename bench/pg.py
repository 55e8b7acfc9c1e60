"""A throwaway PostgreSQL schema per measurement (created, then dropped), when the server answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError


def available(url: str | None) -> str | None:
    """None when PostgreSQL answers at `url`, else why not."""
    if not url:
        return "no PostgreSQL URL given"
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        return f"PostgreSQL at {url} does not answer ({type(exc.orig).__name__})"
    finally:
        engine.dispose()
    return None


@contextmanager
def scratch_schema(url: str) -> Iterator[str]:
    """A URL whose connections default to a fresh schema, dropped on exit."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq spells it (for psycopg.connect)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
