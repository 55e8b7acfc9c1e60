"""The synthetic district's school life: schema-exact, referentially whole, plausible, and it
leaves the roster byte-identical (other adapters' round trips depend on that)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, select

from adapters.sdk import registry
from hub.canonical import ENTITIES, ENTITIES_BY_NAME
from hub.store import CANONICAL_TABLES
from hub.store.sources import add_source
from hub.sync import sync_source
from hub.sync.prepare import prepare
from hub.synthetic import SyntheticDistrict, generate_district
from tests.memory_adapter import DATASETS, MemoryAdapter

ROSTER = ("organisation", "academic_session", "course", "class", "person", "enrollment")


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=900, seed=5, school_life=True, attendance_days=20)


def test_the_roster_is_the_same_with_or_without_school_life(district: SyntheticDistrict) -> None:
    roster = generate_district(students=900, seed=5)
    for name in ROSTER:
        assert_frame_equal(district.frames[name], roster.frames[name])
    for name in set(ENTITIES_BY_NAME) - set(ROSTER):
        assert roster.frames[name].height == 0, name
        assert district.frames[name].height > 0, name


def test_school_life_is_deterministic_and_schema_exact(district: SyntheticDistrict) -> None:
    again = generate_district(students=900, seed=5, school_life=True, attendance_days=20)
    for name, frame in district.frames.items():
        assert dict(frame.schema) == ENTITIES_BY_NAME[name].polars_schema(), name
        assert frame["source_record_id"].is_unique().all(), name
        assert (frame["source_updated_at"].dt.microsecond() % 1000 == 0).all(), name
        assert_frame_equal(frame, again.frames[name])


def test_references_point_at_records_that_exist(district: SyntheticDistrict) -> None:
    f = district.frames
    ids = {spec.table: set(f[spec.name]["source_record_id"]) for spec in ENTITIES}
    for spec in ENTITIES:
        for field in spec.fields:
            if field.references is None:
                continue
            values = f[spec.name][field.name]
            if values.dtype == pl.List(pl.String):
                values = values.explode()
            assert set(values.drop_nulls()) <= ids[field.references], f"{spec.name}.{field.name}"


def test_attendance_looks_like_a_register(district: SyntheticDistrict) -> None:
    marks = district.frames["attendance_mark"]
    students = district.frames["person"].filter(pl.col("role") == "student").height
    assert marks.height == students * 20 * 2  # AM and PM on 20 school days
    assert set(marks["session"]) == {"am", "pm"}
    assert marks["date"].dt.weekday().max() <= 5  # type: ignore[operator]
    shares = marks["status"].value_counts(normalize=True)
    present = shares.filter(pl.col("status") == "present")["proportion"].item()
    assert 0.88 < present < 0.97
    assert set(marks["status"]) >= {"present", "late", "excused", "unexcused"}
    codes = set(marks["source_code"])
    assert {"/", "\\", "P", "E"} <= codes  # UK and US schools
    late = marks.filter(pl.col("status") == "late")
    assert late["minutes_late"].null_count() == 0
    summaries = district.frames["attendance_summary"]
    assert summaries.height == students
    assert (summaries["days_possible"] == 20).all()
    absent = marks.filter(pl.col("status").is_in(["absent", "excused", "unexcused"])).height
    assert summaries["periods_absent"].sum() == absent


def test_the_rest_of_school_life_is_plausible(district: SyntheticDistrict) -> None:
    f = district.frames
    students = f["person"].filter(pl.col("role") == "student")
    incidents = f["behaviour_incident"]
    assert 0.03 < incidents["student_id"].n_unique() / students.height < 0.08
    grades = f["grade_record"]
    assert set(grades["kind"]) == {"quarter", "semester"}
    ungraded = grades.filter(pl.col("percent").is_null())
    assert 0 < ungraded.height < grades.height * 0.06
    assert ungraded["letter"].null_count() == ungraded.height  # not graded is null, never 0
    assert f["demographics"].height == students.height
    relationships = f["contact_relationship"]
    assert relationships.height == students["agent_ids"].list.len().sum()
    assert set(f["calendar_event"]["kind"]) == {"holiday", "occasion"}
    assert f["timetable_slot"]["class_id"].n_unique() == f["class"].height
    photos = f["photo"]
    assert photos["url"].null_count() > 0
    assert photos["data"].null_count() > 0


def test_attendance_can_be_turned_off_and_stays_fast() -> None:
    import time

    started = time.perf_counter()
    light = generate_district(students=500, seed=2, school_life=True, attendance_days=0)
    assert time.perf_counter() - started < 3
    assert light.frames["attendance_mark"].height == 0
    assert light.frames["attendance_summary"].height == 0
    assert light.frames["grade_record"].height > 0


@pytest.fixture
def memory_source(engine: Engine) -> Iterator[tuple[Engine, str, SyntheticDistrict]]:
    district = generate_district(students=60, seed=9, school_life=True, attendance_days=3)
    registry.register(MemoryAdapter)
    DATASETS["life"] = {name: frame.to_dicts() for name, frame in district.frames.items()}
    with engine.begin() as conn:
        source_id = add_source(conn, "life", "memory", {"dataset": "life", "page_size": 5000})
    yield engine, source_id, district
    DATASETS.pop("life", None)


def test_every_generated_entity_syncs_into_its_table(
    memory_source: tuple[Engine, str, SyntheticDistrict],
) -> None:
    engine, source_id, district = memory_source
    summary = sync_source(engine, "life")
    assert summary.status == "succeeded", summary.error
    for spec in ENTITIES:
        # The memory adapter reads a "status" key as its own deletion flag and drops it.
        expected = prepare(spec, source_id, district.frames[spec.name]).drop(
            "content_hash", "status", strict=False
        )
        table = CANONICAL_TABLES[spec.name]
        with engine.connect() as conn:
            rows: list[dict[str, Any]] = [
                r._asdict() for r in conn.execute(select(*(table.c[c] for c in expected.columns)))
            ]
        schema = {"id": pl.String(), **spec.polars_schema()}
        actual = pl.DataFrame(rows, schema={c: schema[c] for c in expected.columns}, orient="row")
        assert_frame_equal(actual.sort("id"), expected.sort("id"), check_exact=True), spec.name
