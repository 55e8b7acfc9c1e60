"""A run keeps its pages in memory up to its budget and on disk beyond it (hub/sync/staging.py,
ADR 9), and diffs a large entity in parts (diff.PART_ROWS). Neither may change what a run does;
the disk is left clean however the run ends."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine

from adapters.sdk import MappedPage, Page
from hub.sync import diff as diff_module
from hub.sync import staging, sync_source
from hub.sync.diff import diff
from hub.sync.staging import PageStore
from tests.memory_adapter import FAULTS, MemoryStream, memory_source
from tests.sync.test_sync_engine import org, people, student


@pytest.fixture
def spill_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where runs make their spill directories (the system's temporary directory, redirected)."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every page file a run wrote."""
    paths: list[Path] = []
    original = PageStore.add

    def spy(self: PageStore, frame: pl.DataFrame, first_row: int) -> staging.StagedPage:
        page = original(self, frame, first_row)
        if page.path is not None:
            paths.append(page.path)
        return page

    monkeypatch.setattr(PageStore, "add", spy)
    return paths


@pytest.fixture
def data(engine: Engine) -> Iterator[dict[str, list[dict[str, Any]]]]:
    dataset: dict[str, list[dict[str, Any]]] = {
        "organisation": [org("d1", "district", None), org("s1"), org("s2")],
        "person": [student(f"p{i}", "s1" if i < 12 else "s2") for i in range(20)],
    }
    with memory_source(engine, "st", "staging", dataset, page_size=3) as served:
        yield served
    FAULTS.pop("staging", None)


def test_pages_round_trip_through_disk_with_their_exact_types(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "b", None],
            "grades": [["09"], [], None],
            "born": [date(2010, 1, 2), None, date(2011, 3, 4)],
            "seen": [datetime(2026, 9, 1, 8, tzinfo=UTC), None, None],
            "late": [None, 5, 0],
            "flag": [True, None, False],
        },
        schema_overrides={"late": pl.Int32},
    )
    with closing(PageStore(budget_bytes=0, directory=tmp_path)) as store:
        page = store.add(frame, first_row=7)
        assert (page.first_row, page.height, page.frame) == (7, 3, None)
        assert page.path is not None
        assert page.path.parent.parent == tmp_path
        assert_frame_equal(store.load(page), frame)
        assert store.pages_written == 1
    assert list(tmp_path.iterdir()) == []  # closed: the run's directory is gone


def test_pages_within_the_budget_stay_in_memory(tmp_path: Path) -> None:
    frame = pl.DataFrame({"id": [f"r{i}" for i in range(100)]})
    with closing(PageStore(budget_bytes=int(frame.estimated_size() * 2.5), directory=tmp_path)) as store:
        pages = [store.add(frame, n * 100) for n in range(3)]
        assert [p.frame is not None for p in pages] == [True, True, False]  # the third is over
        assert store.load(pages[0]) is frame
        assert_frame_equal(store.load(pages[2]), frame)


def test_a_run_past_its_budget_spills_and_cleans_up(
    engine: Engine, data: dict[str, Any], spill_root: Path, written: list[Path]
) -> None:
    summary = sync_source(engine, "st")  # tests/sync: budget 0, every page to disk
    assert summary.status == "succeeded", summary.error
    assert len(written) == 1 + 7  # organisations in one page, 20 people in pages of 3
    assert list(spill_root.iterdir()) == []
    rows = people(engine)
    assert len(rows) == 20
    assert rows["p19"]["given_name"] == "Given p19"


def test_a_run_that_dies_mid_read_leaves_no_files(
    engine: Engine, data: dict[str, Any], spill_root: Path, written: list[Path]
) -> None:
    FAULTS["staging"] = {"person": 4}
    summary = sync_source(engine, "st")
    assert summary.status == "failed"
    assert "HTTP 503" in (summary.error or "")
    assert written  # pages were on disk when it died
    assert list(spill_root.iterdir()) == []
    assert people(engine) == {}


def test_a_record_read_twice_keeps_its_last_version_across_spilled_pages(
    engine: Engine, data: dict[str, Any]
) -> None:
    data["person"].append(student("p2", "s1", family="Later"))  # p2 again, seven pages on
    summary = sync_source(engine, "st")
    assert summary.status == "succeeded", summary.error
    assert summary.counts["person"].inserted == 20
    assert people(engine)["p2"]["family_name"] == "Later"


def test_changes_apply_the_same_in_memory_and_on_disk(
    engine: Engine, data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same kind of edits as one run through disk and in parts, then as one held in memory
    whole: the same counts, and change versions in the same order (inserts, then updates, each
    in read order, then tombstones)."""
    assert sync_source(engine, "st").status == "succeeded"
    _edit(data, renamed="Renamed", new=("p20", 8), gone="p17")
    monkeypatch.setattr(diff_module, "PART_ROWS", 4)
    on_disk = sync_source(engine, "st")
    assert on_disk.status == "succeeded", on_disk.error
    spilled = people(engine)

    _edit(data, renamed="Again", new=("p21", 2), gone="p9")
    monkeypatch.setenv("SATCHEL_SYNC_PAGE_MEMORY_MB", "256")
    monkeypatch.setattr(diff_module, "PART_ROWS", 500_000)
    in_memory = sync_source(engine, "st")
    assert in_memory.status == "succeeded", in_memory.error
    held = people(engine)

    for summary in (on_disk, in_memory):
        counts = summary.counts["person"]
        assert (counts.inserted, counts.updated, counts.tombstoned, counts.unchanged) == (1, 2, 1, 17)
    for rows, renamed, new, gone in ((spilled, "Renamed", "p20", "p17"), (held, "Again", "p21", "p9")):
        assert rows["p3"]["family_name"] == rows["p15"]["family_name"] == renamed
        assert rows[gone]["deleted_at"] is not None
        in_version_order = sorted([new, "p3", "p15", gone], key=lambda rid: rows[rid]["change_version"])
        assert in_version_order == [new, "p3", "p15", gone]


def _edit(data: dict[str, Any], *, renamed: str, new: tuple[str, int], gone: str) -> None:
    """Rename p3 and p15, add a person at a position, remove one."""
    by_id = {p["source_record_id"]: n for n, p in enumerate(data["person"])}
    for rid in ("p3", "p15"):
        data["person"][by_id[rid]] = student(rid, data["person"][by_id[rid]]["school_id"], family=renamed)
    del data["person"][by_id[gone]]
    data["person"].insert(new[1], student(new[0], "s1"))


def test_a_page_that_does_not_fit_the_schema_fails_the_run_clearly(
    engine: Engine, data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = MemoryStream.to_canonical

    def buggy(self: MemoryStream, page: Page) -> MappedPage:
        mapped = original(self, page)
        if page.location == "memory://people?page=1":  # grades as text, where a list belongs
            mapped.frame = mapped.frame.with_columns(pl.col("grades").list.join(","))
        return mapped

    monkeypatch.setattr(MemoryStream, "to_canonical", buggy)
    summary = sync_source(engine, "st")
    assert summary.status == "failed"
    assert "does not fit the person schema" in (summary.error or "")
    assert "memory://people?page=1" in (summary.error or "")
    assert people(engine) == {}


def test_a_diff_in_parts_equals_the_diff_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    incoming = pl.DataFrame(
        {
            "source_record_id": [f"r{i}" for i in range(0, 40, 2)],
            "content_hash": ["new" if i % 6 == 0 else "same" for i in range(0, 40, 2)],
        }
    )
    stored = pl.DataFrame(
        {
            "source_record_id": [f"r{i}" for i in range(10, 50)],
            "stored_hash": ["same"] * 40,
            "stored_deleted": [i % 7 == 0 for i in range(10, 50)],
        }
    )
    identities_read = 0

    def identities() -> pl.DataFrame:
        nonlocal identities_read
        identities_read += 1
        ids = stored["source_record_id"]
        return pl.DataFrame({"source_record_id": ids, "id": "hub-" + ids, "school_id": "s1"})

    def run(part_rows: int) -> Any:
        monkeypatch.setattr(diff_module, "PART_ROWS", part_rows)
        args: dict[str, Any] = {"complete": True, "deleted_ids": ["r12", "r30"], "kept_ids": ["r44"]}
        return diff(incoming, stored, identities=identities, **args)

    whole, in_parts = run(1000), run(3)
    assert identities_read == 2  # once for the whole, once for all 14 parts together
    assert_frame_equal(in_parts.inserts, whole.inserts)  # incoming order
    assert_frame_equal(in_parts.updates, whole.updates)
    assert in_parts.unchanged == whole.unchanged
    assert sorted(in_parts.tombstones.rows()) == sorted(whole.tombstones.rows())
    assert min(whole.inserts.height, whole.updates.height, whole.tombstones.height) > 0  # all kinds
