"""Random sequences of source edits and faults: the store always ends equal to the source.

After every run the store is either exactly as before (failed run) or equal to the source
(succeeded run); at the end a clean run converges and an identical re-run writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from adapters.sdk import registry
from hub.store import CANONICAL_TABLES, make_engine
from hub.store.migrate import upgrade
from hub.store.sources import add_source
from hub.sync import sync_source
from tests.memory_adapter import DATASETS, FAULTS, MemoryAdapter
from tests.snapshots import store_snapshot
from tests.sync.datasets import T0

edit = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 30), st.sampled_from(["s1", "s2"])),
    st.tuples(st.just("rename"), st.integers(0, 30), st.text(min_size=1, max_size=8)),
    st.tuples(st.just("move"), st.integers(0, 30), st.sampled_from(["s1", "s2"])),
    st.tuples(st.just("remove"), st.integers(0, 30), st.none()),
    st.tuples(st.just("mark_deleted"), st.integers(0, 30), st.none()),
    st.tuples(st.just("duplicate"), st.integers(0, 30), st.none()),
)
step = st.tuples(st.lists(edit, max_size=6), st.one_of(st.none(), st.integers(0, 3)))


def person(rid: str, school: str, family: str) -> dict[str, Any]:
    return {
        "source_record_id": rid,
        "school_id": school,
        "source_updated_at": T0,
        "role": "student",
        "family_name": family,
    }


def apply_edit(records: list[dict[str, Any]], kind: str, n: int, arg: Any) -> None:
    rid = f"p{n}"
    matching = [r for r in records if r["source_record_id"] == rid]
    if kind == "add" and not matching:
        records.append(person(rid, arg, "New"))
    elif kind == "rename" and matching and "status" not in matching[0]:
        for r in matching:
            r["family_name"] = arg
    elif kind == "move" and matching and "status" not in matching[0]:
        for r in matching:
            r["school_id"] = arg
    elif kind == "remove":
        records[:] = [r for r in records if r["source_record_id"] != rid]
    elif kind == "mark_deleted" and matching:
        records[:] = [r for r in records if r["source_record_id"] != rid] + [
            {"source_record_id": rid, "status": "deleted"}
        ]
    elif kind == "duplicate" and matching:
        records.append(dict(matching[-1]))  # a record served twice, as shifting pages do


def store_people(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    people, orgs = CANONICAL_TABLES["person"], CANONICAL_TABLES["organisation"]
    query = (
        select(people.c.source_record_id, orgs.c.source_record_id, people.c.family_name)
        .join(orgs, orgs.c.id == people.c.school_id)
        .where(people.c.deleted_at.is_(None))
    )
    with engine.connect() as conn:
        return {row[0]: (row[1], row[2]) for row in conn.execute(query)}


def source_people(records: list[dict[str, Any]]) -> dict[str, tuple[str | None, str | None]]:
    live = {}
    for r in records:
        if "status" not in r:
            live[r["source_record_id"]] = (r["school_id"], r["family_name"])
    return live


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=5))
def test_random_edits_and_faults_converge(
    tmp_path_factory: Any, steps: list[tuple[list[Any], int | None]]
) -> None:
    registry.register(MemoryAdapter)
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('prop')) / 'satchel.db'}")
    upgrade(engine)
    orgs = [
        {"source_record_id": s, "school_id": s, "source_updated_at": T0, "kind": "school", "name": s}
        for s in ("s1", "s2")
    ]
    records = [person(f"p{i}", "s1" if i % 2 else "s2", "Start") for i in range(10)]
    DATASETS["prop"] = {"organisation": orgs, "person": records}
    with engine.begin() as conn:
        add_source(conn, "prop", "memory", {"dataset": "prop", "page_size": 3})
    try:
        for edits, fault_page in steps:
            for kind, n, arg in edits:
                apply_edit(records, kind, n, arg)
            FAULTS["prop"] = {} if fault_page is None else {"person": fault_page}
            before = store_snapshot(engine)
            summary = sync_source(engine, "prop", force=True)
            if summary.status == "succeeded":
                assert store_people(engine) == source_people(records)
            else:
                assert store_snapshot(engine) == before, summary.error

        FAULTS["prop"] = {}
        assert sync_source(engine, "prop", force=True).status == "succeeded"
        assert store_people(engine) == source_people(records)
        again = sync_source(engine, "prop")
        assert (again.totals.inserted, again.totals.updated, again.totals.tombstoned) == (0, 0, 0)
    finally:
        DATASETS.pop("prop", None)
        FAULTS.pop("prop", None)
        engine.dispose()
