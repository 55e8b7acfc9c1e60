"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when one is configured.

PostgreSQL tests run when SATCHEL_TEST_POSTGRES_URL is set (CI sets it); each test gets its own
schema, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from hub.store import make_engine
from hub.store.migrate import upgrade

POSTGRES_URL = os.environ.get("SATCHEL_TEST_POSTGRES_URL")


def _sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'satchel.db'}")
    upgrade(engine)
    return engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = _sqlite_engine(tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A database URL whose connections default to a fresh schema of their own."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need SATCHEL_TEST_POSTGRES_URL (CI sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store on each database the hub supports."""
    if request.param == "sqlite":
        eng = _sqlite_engine(tmp_path)
    else:
        eng = make_engine(request.getfixturevalue("postgres_schema_url"))
        upgrade(eng)
    yield eng
    eng.dispose()
