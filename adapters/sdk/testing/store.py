"""Store helpers for adapter tests: a fresh store, a byte-for-byte snapshot, and a comparison of
what the store holds with what the source serves."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select

from hub.canonical import ENTITIES_BY_NAME
from hub.store import CANONICAL_TABLES, make_engine, metadata
from hub.store.migrate import MIGRATIONS_DIR, upgrade
from hub.sync.prepare import prepare


def fresh_store(directory: Path) -> Engine:
    """A migrated, empty SQLite store in `directory`.

    From a source checkout the Alembic migrations build it; an installed hub (a third-party
    adapter's test run) may not ship them, and then the tables are created from the models.
    """
    engine = make_engine(f"sqlite:///{directory / 'satchel.db'}")
    if (MIGRATIONS_DIR / "env.py").exists():
        upgrade(engine)
    else:
        metadata.create_all(engine)
    return engine


def store_snapshot(engine: Engine) -> dict[str, str]:
    """A hash of every canonical table's rows plus the sources' checkpoints and the counters:
    equal snapshots mean a run changed nothing that is served."""
    tables = [*CANONICAL_TABLES.values(), metadata.tables["sources"], metadata.tables["counters"]]
    snapshot = {}
    with engine.connect() as conn:
        for table in tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            snapshot[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return snapshot


def store_differences(
    engine: Engine,
    source_id: str,
    frames: Mapping[str, pl.DataFrame],
    *,
    not_carried: Mapping[str, Collection[str]] | None = None,
    partial: bool = False,
) -> dict[str, list[str]]:
    """Source record ids whose live stored row differs from `frames` (canonical frames with source
    ids, e.g. `district.frames`), per entity: missing, extra, or with another value in a field the
    source carries. An empty dict means the store holds exactly what the source serves.

    `partial`: the frames hold only some records; compare just those (nothing counts as extra)."""
    not_carried = not_carried or {}
    differences: dict[str, list[str]] = {}
    for name, frame in frames.items():
        spec = ENTITIES_BY_NAME[name]
        expected = prepare(spec, source_id, frame).drop("content_hash")
        columns = [c for c in expected.columns if c not in not_carried.get(name, ())]
        table = CANONICAL_TABLES[name]
        with engine.connect() as conn:
            query = select(*(table.c[c] for c in columns)).where(
                table.c.source_id == source_id, table.c.deleted_at.is_(None)
            )
            rows = [r._asdict() for r in conn.execute(query)]
        actual = pl.DataFrame(rows, schema=expected.select(columns).schema, orient="row")
        want = {r["source_record_id"]: r for r in expected.select(columns).iter_rows(named=True)}
        have = {r["source_record_id"]: r for r in actual.iter_rows(named=True)}
        ids = want.keys() if partial else want.keys() | have.keys()
        differing = sorted(i for i in ids if want.get(i) != have.get(i))
        if differing:
            differences[name] = differing
    return differences


def live_count(engine: Engine, source_id: str, entity: str) -> int:
    table = CANONICAL_TABLES[entity]
    with engine.connect() as conn:
        query = select(table.c.id).where(table.c.source_id == source_id, table.c.deleted_at.is_(None))
        return len(conn.execute(query).all())
