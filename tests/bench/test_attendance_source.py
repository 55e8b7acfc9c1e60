"""The bench's attendance source: the export, the files adapter through the real sync engine, the
stream's pages and quarantine, and the floor's reading of the same file."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from adapters.oneroster.bulk import write_bulk
from adapters.sdk import SourceContractError
from adapters.sdk.testing import fresh_store, store_differences
from bench import attendance_adapter
from bench.attendance import AttendanceMismatchError, _checked
from bench.attendance_file import write_export
from bench.attendance_stream import AttendanceStream, map_marks
from bench.floor_attendance import attendance_rows
from bench.hub_ingest import SOURCE, sync_timed
from bench.subproc import ChildResult
from hub.store import CANONICAL_TABLES
from hub.store.sources import get_source
from hub.synthetic import SyntheticDistrict, generate_district

ROSTER = ("organisation", "academic_session", "course", "class", "person", "enrollment")


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=60, seed=9, school_life=True, attendance_days=3)


@pytest.fixture
def files(tmp_path: Path, district: SyntheticDistrict) -> tuple[Path, Path]:
    # School life leaves the roster byte-identical: the same district without it is the zip's.
    roster = generate_district(students=district.students, seed=district.seed)
    zip_path = write_bulk(roster, tmp_path / "roster.zip", version="1.2")
    return zip_path, write_export(district.frames["attendance_mark"], tmp_path / "attendance.csv")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    attendance_adapter.register()
    engine = fresh_store(tmp_path)
    yield engine
    engine.dispose()


def test_marks_land_in_the_rosters_source_and_the_roster_is_not_read_again(
    store: Engine, files: tuple[Path, Path], district: SyntheticDistrict
) -> None:
    zip_path, csv = files
    config = {"path": str(zip_path)}
    roster = sync_timed(store, config, adapter=attendance_adapter.NAME)
    assert roster["status"] == "succeeded", roster["error"]

    marks = sync_timed(store, {**config, "attendance": str(csv)}, adapter=attendance_adapter.NAME)

    assert marks["status"] == "succeeded", marks["error"]
    count = district.frames["attendance_mark"].height
    assert marks["counts"]["attendance_mark"]["inserted"] == count
    assert marks["totals"]["inserted"] == count  # nothing of the roster written again
    assert all(marks["counts"][name]["unchanged"] for name in ROSTER)
    with store.connect() as conn:
        source_id = get_source(conn, SOURCE).id
    assert store_differences(store, source_id, {"attendance_mark": district.frames["attendance_mark"]}) == {}
    # Every mark's student and class are records the roster sync stored.
    marks, people, classes = (CANONICAL_TABLES[n] for n in ("attendance_mark", "person", "class"))
    with store.connect() as conn:
        dangling = conn.execute(
            select(func.count())
            .select_from(marks)
            .where(
                marks.c.student_id.not_in(select(people.c.id)) | marks.c.class_id.not_in(select(classes.c.id))
            )
        ).scalar_one()
    assert dangling == 0


def test_the_stream_reads_the_export_in_pages_of_at_most_the_page_size(files: tuple[Path, Path]) -> None:
    _, csv = files
    stream = AttendanceStream(csv, page_size=100)

    async def heights() -> list[int]:
        return [page.row_count async for page in stream.read(None)]

    pages = asyncio.run(heights())
    assert len(pages) > 1
    assert max(pages) <= 100
    assert sum(pages) == pl.read_csv(csv).height


def test_rows_that_cannot_be_typed_are_quarantined_with_their_row(files: tuple[Path, Path]) -> None:
    _, csv = files
    raw = pl.read_csv(csv, infer_schema=False, n_rows=4).with_row_index("_row", offset=2)
    raw = raw.with_columns(
        status=pl.when(pl.col("_row") == 3).then(pl.lit("sleeping")).otherwise("status"),
        date=pl.when(pl.col("_row") == 4).then(pl.lit("31/02/2026")).otherwise("date"),
    )

    mapped = map_marks(raw, "attendance")

    assert mapped.frame.height == 2
    assert mapped.frame["date"].dtype == pl.Date
    assert [(r.field, r.reason, r.location) for r in mapped.rejects] == [
        ("status", "unknown status 'sleeping'", "attendance.csv:row 3"),
        ("date", "not a date '31/02/2026'", "attendance.csv:row 4"),
    ]


def test_an_export_without_its_columns_is_refused_before_any_read(tmp_path: Path) -> None:
    csv = tmp_path / "wrong.csv"
    csv.write_text("mark_id,student_id\nm1,s1\n")
    with pytest.raises(SourceContractError, match="lacks the columns"):
        AttendanceStream(csv).require_columns()


def test_the_floor_reads_every_mark_into_the_tables_columns(
    files: tuple[Path, Path], district: SyntheticDistrict
) -> None:
    _, csv = files
    table = CANONICAL_TABLES["attendance_mark"]
    (frame,) = attendance_rows(csv).values()
    assert frame.columns == [c.name for c in table.c]
    assert frame.height == district.frames["attendance_mark"].height
    assert frame["content_hash"].null_count() == 0
    # Its key fits the 36-character id column (PostgreSQL enforces it) and is unique.
    assert frame["id"].str.len_chars().max() <= 36
    assert frame["id"].n_unique() == frame.height


def test_a_run_that_rewrote_the_roster_is_not_counted_as_the_marks() -> None:
    result = {
        "status": "succeeded",
        "totals": {"inserted": 15, "updated": 0, "tombstoned": 0, "quarantined": 0},
        "counts": {"attendance_mark": {"inserted": 10}},
    }
    with pytest.raises(AttendanceMismatchError):
        _checked(ChildResult(result, 0), 10)
    _checked(ChildResult({**result, "totals": {**result["totals"], "inserted": 10}}, 0), 10)
