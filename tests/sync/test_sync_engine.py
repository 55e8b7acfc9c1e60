from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from hub.store import CANONICAL_TABLES
from hub.store.runs import list_runs, quarantined_for_run
from hub.store.sources import get_source, update_config
from hub.sync import sync_source
from tests.memory_adapter import FAULTS, memory_source
from tests.snapshots import store_snapshot

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def org(rid: str, kind: str = "school", parent: str | None = "d1") -> dict[str, Any]:
    return {
        "source_record_id": rid,
        "school_id": rid if kind == "school" else None,
        "source_updated_at": T0,
        "kind": kind,
        "name": f"Org {rid}",
        "parent_id": parent,
    }


def student(rid: str, school: str = "s1", family: str = "Okafor") -> dict[str, Any]:
    return {
        "source_record_id": rid,
        "school_id": school,
        "source_updated_at": T0,
        "role": "student",
        "given_name": f"Given {rid}",
        "family_name": family,
        "grades": ["09"],
        "enabled": True,
    }


@pytest.fixture
def dataset(engine: Engine) -> Iterator[dict[str, list[dict[str, Any]]]]:
    data: dict[str, list[dict[str, Any]]] = {
        "organisation": [org("d1", "district", None), org("s1"), org("s2")],
        "person": [student(f"p{i}", "s1" if i < 6 else "s2") for i in range(10)],
    }
    with memory_source(engine, "mem", "test", data) as served:
        yield served
    FAULTS.pop("test", None)


def people(engine: Engine) -> dict[str, dict[str, Any]]:
    table = CANONICAL_TABLES["person"]
    with engine.connect() as conn:
        return {r.source_record_id: r._asdict() for r in conn.execute(select(table))}


def test_first_sync_inserts_everything_and_a_rerun_writes_nothing(
    engine: Engine, dataset: dict[str, Any]
) -> None:
    first = sync_source(engine, "mem")
    assert first.status == "succeeded", first.error
    assert first.counts["person"].inserted == 10
    assert first.counts["organisation"].inserted == 3

    rows = people(engine)
    assert rows["p0"]["family_name"] == "Okafor"
    assert rows["p0"]["grades"] == ["09"]
    assert rows["p0"]["school_id"] == people_school_id(engine, "s1")
    versions = sorted(r["change_version"] for r in rows.values())
    assert len(set(versions)) == 10

    before = store_snapshot(engine)
    again = sync_source(engine, "mem")
    assert again.status == "succeeded"
    assert again.totals.inserted == again.totals.updated == again.totals.tombstoned == 0
    assert again.totals.unchanged == 13
    assert store_snapshot(engine) == before


def people_school_id(engine: Engine, school_source_id: str) -> str:
    table = CANONICAL_TABLES["organisation"]
    with engine.connect() as conn:
        return str(
            conn.execute(select(table.c.id).where(table.c.source_record_id == school_source_id)).scalar_one()
        )


def test_changes_and_deletions_are_applied_with_new_change_versions(
    engine: Engine, dataset: dict[str, Any]
) -> None:
    sync_source(engine, "mem")
    top = max(r["change_version"] for r in people(engine).values())
    dataset["person"][0]["family_name"] = "Nakamura"
    del dataset["person"][1]
    dataset["person"].append(student("p99"))

    summary = sync_source(engine, "mem")
    assert summary.status == "succeeded", summary.error
    assert (summary.totals.inserted, summary.totals.updated, summary.totals.tombstoned) == (1, 1, 1)
    rows = people(engine)
    assert rows["p0"]["family_name"] == "Nakamura"
    assert rows["p1"]["deleted_at"] is not None
    assert rows["p99"]["deleted_at"] is None
    new_versions = sorted(rows[r]["change_version"] for r in ("p0", "p1", "p99"))
    assert new_versions == [top + 1, top + 2, top + 3]


def test_a_record_reported_deleted_becomes_a_tombstone(engine: Engine, dataset: dict[str, Any]) -> None:
    sync_source(engine, "mem")
    dataset["person"][2] = {"source_record_id": "p2", "status": "deleted"}
    summary = sync_source(engine, "mem")
    assert summary.counts["person"].tombstoned == 1
    assert people(engine)["p2"]["deleted_at"] is not None


def test_a_source_dying_mid_sync_changes_nothing(engine: Engine, dataset: dict[str, Any]) -> None:
    sync_source(engine, "mem")
    before = store_snapshot(engine)
    dataset["person"][0]["family_name"] = "Changed"
    FAULTS["test"] = {"person": 3}

    summary = sync_source(engine, "mem")
    assert summary.status == "failed"
    assert summary.error is not None
    assert "HTTP 503" in summary.error
    assert store_snapshot(engine) == before
    with engine.connect() as conn:
        latest = list_runs(conn, get_source(conn, "mem").id)[0]
    assert latest.status == "failed"
    assert "HTTP 503" in (latest.error or "")


def test_hub_ids_and_school_counts_are_read_only_by_a_run_that_tombstones(
    engine: Engine, dataset: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diff reads each stored row's source id, hash and tombstone flag; the hub ids and schools
    of the gone rows, and the live counts the deletion guard weighs, only when something is gone."""
    from hub.store import canonical_writes

    reads: list[str] = []
    for name in ("load_identities", "live_per_school"):
        original = getattr(canonical_writes, name)

        def spy(
            conn: Any, table: Any, source_id: str, *, _name: str = name, _original: Any = original
        ) -> Any:
            reads.append(f"{_name}:{table.name}")
            return _original(conn, table, source_id)

        monkeypatch.setattr(canonical_writes, name, spy)

    sync_source(engine, "mem")
    dataset["person"][0]["family_name"] = "Nakamura"
    assert sync_source(engine, "mem").totals.updated == 1
    assert reads == []

    stored = people(engine)["p7"]
    del dataset["person"][7]
    summary = sync_source(engine, "mem")
    assert summary.status == "succeeded", summary.error
    assert summary.counts["person"].tombstoned == 1
    assert sorted(reads) == [
        "live_per_school:organisations",
        "live_per_school:people",
        "load_identities:people",
    ]
    gone = people(engine)["p7"]
    assert (gone["id"], gone["school_id"]) == (stored["id"], stored["school_id"])
    assert gone["deleted_at"] is not None


def test_deletion_guard_refuses_a_mass_delete_unless_forced(engine: Engine, dataset: dict[str, Any]) -> None:
    sync_source(engine, "mem")
    before = store_snapshot(engine)
    dataset["person"][:] = dataset["person"][:3]  # s1 loses 3 of 6, s2 loses all 4

    refused = sync_source(engine, "mem")
    assert refused.status == "failed"
    assert refused.error is not None
    assert "--force" in refused.error
    assert "4 of 5" in refused.error
    assert store_snapshot(engine) == before

    forced = sync_source(engine, "mem", force=True)
    assert forced.status == "succeeded"
    assert forced.counts["person"].tombstoned == 7


def test_bad_records_are_quarantined_with_reasons_and_too_many_fail_the_run(
    engine: Engine, dataset: dict[str, Any]
) -> None:
    dataset["person"].append({**student("x"), "source_record_id": None})
    summary = sync_source(engine, "mem")
    assert summary.status == "succeeded"
    assert summary.counts["person"].quarantined == 1
    with engine.connect() as conn:
        (record,) = quarantined_for_run(conn, summary.run_id)
    assert (record.entity, record.field, record.reason) == ("person", "source_record_id", "missing record id")
    assert record.location is not None
    assert record.location.startswith("memory://people")

    before = store_snapshot(engine)
    dataset["person"].extend({**student("y"), "source_record_id": ""} for _ in range(5))
    dataset["person"][0]["family_name"] = "Changed"
    failed = sync_source(engine, "mem")
    assert failed.status == "failed"
    assert failed.error is not None
    assert "quarantined" in failed.error
    assert store_snapshot(engine) == before


def test_a_partial_stream_never_deletes_by_absence(engine: Engine, dataset: dict[str, Any]) -> None:
    sync_source(engine, "mem")
    with engine.begin() as conn:
        update_config(conn, get_source(conn, "mem").id, {"dataset": "test", "partial_entities": ["person"]})
    dataset["person"][:] = [student("p0", family="Delta")]  # a delta holding one change

    summary = sync_source(engine, "mem", full=True)
    assert summary.status == "succeeded", summary.error
    assert (summary.counts["person"].updated, summary.counts["person"].tombstoned) == (1, 0)
    assert all(row["deleted_at"] is None for row in people(engine).values())
