"""Row buckets (hub/sync/buckets.py, ADR 7): of a large entity whose read changed, only the rows of
the buckets whose digest moved are hashed and diffed — and nothing a run does may differ for it.

`MIN_ROWS` is lowered so that ten people count as a large entity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from hub.canonical import EntitySpec
from hub.store.sources import get_source
from hub.sync import buckets, entity_pages, sync_source
from hub.sync import engine as sync_engine
from hub.sync.buckets import BUCKETS_KEY
from tests.memory_adapter import memory_source
from tests.snapshots import store_snapshot
from tests.sync.test_sync_engine import org, people, student


@pytest.fixture
def data(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[dict[str, Any]]]]:
    monkeypatch.setattr(buckets, "MIN_ROWS", 5)
    dataset: dict[str, list[dict[str, Any]]] = {
        "organisation": [org("d1", "district", None), org("s1"), org("s2")],
        "person": [student(f"p{i}", "s1" if i < 12 else "s2") for i in range(20)],
    }
    with memory_source(engine, "bk", "buckets", dataset, page_size=7) as served:
        yield served


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """table → rows of every content hash the engine computed: page by page, for the diff
    (stored records) and for the apply (inserts)."""
    seen: Counter[str] = Counter()
    original = entity_pages.with_content_hash

    def spy(spec: EntitySpec, frame: pl.DataFrame) -> pl.DataFrame:
        seen[spec.table] += frame.height
        return original(spec, frame)

    monkeypatch.setattr(entity_pages, "with_content_hash", spy)
    monkeypatch.setattr(sync_engine, "with_content_hash", spy)
    return seen


def test_only_the_rows_of_moved_buckets_are_hashed(
    engine: Engine, data: dict[str, Any], hashed: Counter[str]
) -> None:
    assert sync_source(engine, "bk").status == "succeeded"
    assert hashed["people"] == 20  # the first run has no saved buckets: everything
    with engine.connect() as conn:
        assert set(get_source(conn, "bk").checkpoint[BUCKETS_KEY]) == {"person"}  # orgs: too few
    hashed.clear()

    data["person"][3] = student("p3", "s1", family="Renamed")
    data["person"].append(student("p20", "s2"))
    del data["person"][17]
    summary = sync_source(engine, "bk")
    assert summary.status == "succeeded", summary.error
    counts = summary.counts["person"]
    assert (counts.inserted, counts.updated, counts.tombstoned, counts.unchanged) == (1, 1, 1, 18)
    assert hashed == {"people": 2}  # p3 and p20 (p17 is only stored): the other buckets untouched
    rows = people(engine)
    assert rows["p3"]["family_name"] == "Renamed"
    assert rows["p17"]["deleted_at"] is not None
    assert rows["p20"]["deleted_at"] is None


def test_a_run_without_usable_buckets_drops_the_saved_ones(
    engine: Engine, data: dict[str, Any], hashed: Counter[str]
) -> None:
    """A run that reports a deletion diffs people whole; had it kept the first run's buckets, the
    third run (back to the first run's data) would find p3's and p2's buckets as saved and leave
    the second run's rename and tombstone in place."""
    original = [dict(p) for p in data["person"]]
    assert sync_source(engine, "bk").status == "succeeded"
    data["person"][3] = student("p3", "s1", family="Renamed")
    data["person"][2] = {"source_record_id": "p2", "status": "deleted"}
    assert sync_source(engine, "bk").status == "succeeded"
    with engine.connect() as conn:
        assert "person" not in get_source(conn, "bk").checkpoint[BUCKETS_KEY]

    data["person"][:] = original
    summary = sync_source(engine, "bk")
    assert summary.status == "succeeded", summary.error
    assert (summary.counts["person"].updated, summary.counts["person"].unchanged) == (2, 18)
    rows = people(engine)
    assert rows["p3"]["family_name"] == "Okafor"
    assert rows["p2"]["deleted_at"] is None


def test_unchanged_data_and_full_runs_write_the_same_store(
    engine: Engine, data: dict[str, Any], hashed: Counter[str]
) -> None:
    assert sync_source(engine, "bk").status == "succeeded"
    data["person"][5] = student("p5", "s1", family="Moved")
    assert sync_source(engine, "bk").status == "succeeded"
    before = store_snapshot(engine)
    hashed.clear()
    full = sync_source(engine, "bk", full=True)
    assert full.status == "succeeded"
    assert hashed["people"] == 20  # `--full` forgets the buckets with the digests
    assert full.totals.updated == full.totals.inserted == full.totals.tombstoned == 0
    after = store_snapshot(engine)
    assert {k: v for k, v in after.items() if k != "sources"} == {
        k: v for k, v in before.items() if k != "sources"
    }


def test_a_saved_tag_that_differs_means_a_whole_diff(
    engine: Engine, data: dict[str, Any], hashed: Counter[str]
) -> None:
    """Another polars version (or schema) hashes differently: its buckets are not compared."""
    from hub.store.sources import save_checkpoint

    assert sync_source(engine, "bk").status == "succeeded"
    with engine.begin() as conn:
        source = get_source(conn, "bk")
        checkpoint = dict(source.checkpoint)
        checkpoint[BUCKETS_KEY] = {"person": {**checkpoint[BUCKETS_KEY]["person"], "tag": "another polars"}}
        save_checkpoint(conn, source.id, checkpoint)
    data["person"][3] = student("p3", "s1", family="Renamed")
    hashed.clear()
    assert sync_source(engine, "bk").counts["person"].updated == 1
    assert hashed == {"people": 20}


def _digests(frame: pl.DataFrame, **usable: Any) -> bytes | None:
    return buckets.digests(frame["source_record_id"], frame.hash_rows(), **usable)


def test_digests_are_none_where_a_bucket_alone_cannot_decide_its_diff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(buckets, "MIN_ROWS", 2)
    frame = pl.DataFrame({"source_record_id": ["a", "b", "c"], "name": ["x", "y", "z"]})
    usable = {"complete": True, "deleted": [], "kept": []}
    assert _digests(frame, **usable) is not None
    assert _digests(frame, complete=False, deleted=[], kept=[]) is None
    assert _digests(frame, complete=True, deleted=["d"], kept=[]) is None
    assert _digests(frame, complete=True, deleted=[], kept=["k"]) is None
    twice = pl.concat([frame, frame.head(1)])  # which version of "a" wins depends on row order
    assert _digests(twice, **usable) is None
    assert _digests(frame.with_columns(source_record_id=pl.lit(None, pl.String)), **usable) is None
    monkeypatch.setattr(buckets, "MIN_ROWS", 10)
    assert _digests(frame, **usable) is None


def test_a_changed_row_moves_exactly_its_own_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buckets, "MIN_ROWS", 2)
    frame = pl.DataFrame({"source_record_id": [f"r{i}" for i in range(50)], "name": ["x"] * 50})
    usable = {"complete": True, "deleted": [], "kept": []}
    before = _digests(frame, **usable)
    edited = frame.with_columns(
        name=pl.when(pl.col("source_record_id") == "r7").then(pl.lit("y")).otherwise("name")
    )
    after = _digests(edited, **usable)
    assert before is not None
    assert after is not None
    r7 = frame.filter(pl.col("source_record_id") == "r7").select(
        buckets.bucket_of(pl.col("source_record_id"))
    )
    assert buckets.changed(before, after) == [r7.item()]
    reordered = _digests(frame.reverse(), **usable)
    assert reordered is not None
    assert buckets.changed(before, reordered) == []
    assert buckets.load_saved({"person": buckets.as_json("t", before)}) == {"person": ("t", before)}
    assert buckets.load_saved({"person": {"tag": "t", "digests": "short"}, "x": 3}) == {}
