"""Entity digests (ADR 7): an entity read exactly as the last applied run read it is not diffed.

Skipping must never change what a run does: same store, same counts, same deletion guard.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, Table

from hub.store import canonical_writes
from hub.sync import sync_source
from hub.sync.digests import DIGESTS_KEY
from tests.memory_adapter import memory_source
from tests.snapshots import store_snapshot
from tests.sync.test_sync_engine import org, people, student

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def course(rid: str, school: str = "s1") -> dict[str, Any]:
    return {"source_record_id": rid, "school_id": school, "source_updated_at": T0, "title": f"Course {rid}"}


@pytest.fixture
def data(engine: Engine) -> Iterator[dict[str, list[dict[str, Any]]]]:
    dataset: dict[str, list[dict[str, Any]]] = {
        "organisation": [org("d1", "district", None), org("s1"), org("s2")],
        "person": [student(f"p{i}", "s1" if i < 6 else "s2") for i in range(10)],
        "course": [course(f"c{i}") for i in range(10)],
    }
    with memory_source(engine, "dig", "digests", dataset, page_size=4) as served:
        yield served


@pytest.fixture
def diffed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Tables whose stored state a run loaded (i.e. the entities it diffed)."""
    loaded: list[str] = []
    original = canonical_writes.load_state

    def spy(conn: Any, table: Table, source_id: str) -> Any:
        loaded.append(table.name)
        return original(conn, table, source_id)

    monkeypatch.setattr(canonical_writes, "load_state", spy)
    return loaded


def test_only_entities_whose_read_changed_are_diffed(
    engine: Engine, data: dict[str, Any], diffed: list[str]
) -> None:
    assert sync_source(engine, "dig").status == "succeeded"
    assert sorted(diffed) == ["courses", "organisations", "people"]
    diffed.clear()

    data["person"][3] = student("p3", "s1", family="Renamed")
    summary = sync_source(engine, "dig")
    assert summary.status == "succeeded", summary.error
    assert diffed == ["people"]
    assert summary.mode == "full"  # digests are not stream checkpoints
    assert (summary.counts["person"].updated, summary.counts["person"].unchanged) == (1, 9)
    courses = summary.counts["course"]
    assert (courses.read, courses.unchanged, courses.inserted, courses.updated) == (10, 10, 0, 0)
    assert people(engine)["p3"]["family_name"] == "Renamed"

    diffed.clear()
    before = store_snapshot(engine)
    again = sync_source(engine, "dig")
    assert diffed == []
    assert again.totals.unchanged == 23
    snapshot = store_snapshot(engine)
    assert {k: v for k, v in snapshot.items() if k != "sources"} == {
        k: v for k, v in before.items() if k != "sources"
    }


def test_a_full_run_diffs_everything_again(engine: Engine, data: dict[str, Any], diffed: list[str]) -> None:
    assert sync_source(engine, "dig").status == "succeeded"
    diffed.clear()
    assert sync_source(engine, "dig", full=True).status == "succeeded"
    assert sorted(diffed) == ["courses", "organisations", "people"]


def test_a_failed_run_keeps_the_digests_of_the_last_applied_one(
    engine: Engine, data: dict[str, Any], diffed: list[str]
) -> None:
    from hub.store.sources import get_source

    assert sync_source(engine, "dig").status == "succeeded"
    with engine.connect() as conn:
        digests = get_source(conn, "dig").checkpoint[DIGESTS_KEY]
    data["person"] = data["person"][:2]  # most people gone: the deletion guard refuses
    refused = sync_source(engine, "dig")
    assert refused.status == "failed"
    assert "SATCHEL_DELETION_GUARD_SHARE" in (refused.error or "")
    with engine.connect() as conn:
        assert get_source(conn, "dig").checkpoint[DIGESTS_KEY] == digests


def test_the_deletion_guard_still_weighs_entities_that_were_skipped(
    engine: Engine, data: dict[str, Any], diffed: list[str]
) -> None:
    """School s1 holds 6 people, 10 courses and itself. Losing 2 people is 2 of 17 records (12%,
    under the 20% guard): courses are skipped, yet must still count as the school's records."""
    assert sync_source(engine, "dig").status == "succeeded"
    diffed.clear()
    data["person"] = [p for p in data["person"] if p["source_record_id"] not in ("p0", "p1")]
    summary = sync_source(engine, "dig")
    assert summary.status == "succeeded", summary.error
    assert "courses" not in diffed
    assert summary.counts["person"].tombstoned == 2


def test_an_export_that_only_restamps_its_rows_is_not_diffed(
    engine: Engine, data: dict[str, Any], diffed: list[str]
) -> None:
    """Many exports stamp every row's dateLastModified anew each night. A new stamp alone is no
    change to the diff (the content hash leaves it out), so it is none to the digest either."""
    assert sync_source(engine, "dig").status == "succeeded"
    diffed.clear()
    before = store_snapshot(engine)
    later = datetime(2026, 9, 2, 8, 0, tzinfo=UTC)
    data["course"] = [{**c, "source_updated_at": later} for c in data["course"]]

    restamped = sync_source(engine, "dig")
    assert restamped.status == "succeeded", restamped.error
    assert diffed == []
    assert restamped.counts["course"].unchanged == 10
    assert {k: v for k, v in store_snapshot(engine).items() if k != "sources"} == {
        k: v for k, v in before.items() if k != "sources"
    }

    data["course"][4] = {**data["course"][4], "title": "Renamed"}  # a real change, still noticed
    changed = sync_source(engine, "dig")
    assert changed.status == "succeeded", changed.error
    assert diffed == ["courses"]
    assert (changed.counts["course"].updated, changed.counts["course"].unchanged) == (1, 9)
