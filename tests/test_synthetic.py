"""The synthetic district: deterministic, schema-exact, referentially whole, realistic, fast."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from datetime import datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from hub.canonical import ENTITIES_BY_NAME
from hub.synthetic import SyntheticDistrict, generate_district


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=1200, seed=11)


def _digest(district: SyntheticDistrict) -> str:
    h = hashlib.sha256()
    for name, frame in district.frames.items():
        h.update(name.encode())
        h.update(frame.write_json().encode())
    return h.hexdigest()


def test_same_arguments_give_the_same_district(district: SyntheticDistrict) -> None:
    again = generate_district(students=1200, seed=11)
    for name, frame in district.frames.items():
        assert_frame_equal(frame, again.frames[name])
    other = generate_district(students=1200, seed=12)
    assert not other.frames["person"].equals(district.frames["person"])


def test_output_does_not_depend_on_hash_randomisation() -> None:
    # The child computes the same digest as _digest, under a fixed (so different) hash seed.
    script = (
        "import hashlib\n"
        "from hub.synthetic import generate_district\n"
        "d = generate_district(students=300, seed=3)\n"
        "h = hashlib.sha256()\n"
        "for name, frame in d.frames.items():\n"
        "    h.update(name.encode()); h.update(frame.write_json().encode())\n"
        "print(h.hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    child = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == _digest(generate_district(students=300, seed=3))


def test_frames_have_exactly_the_spec_schemas(district: SyntheticDistrict) -> None:
    assert set(district.frames) == set(ENTITIES_BY_NAME)
    for name, frame in district.frames.items():
        assert dict(frame.schema) == ENTITIES_BY_NAME[name].polars_schema(), name
        assert frame["source_record_id"].is_unique().all(), name
        assert frame["source_record_id"].null_count() == 0, name


def test_timestamps_have_millisecond_precision(district: SyntheticDistrict) -> None:
    for name, frame in district.frames.items():
        micros = frame["source_updated_at"].dt.microsecond()
        assert (micros % 1000 == 0).all(), name


def test_references_point_at_records_that_exist(district: SyntheticDistrict) -> None:
    f = district.frames
    ids = {name: set(frame["source_record_id"]) for name, frame in f.items()}
    schools = set(f["organisation"].filter(pl.col("kind") == "school")["source_record_id"])

    def refs(entity: str, column: str) -> set[str]:
        series = f[entity][column]
        if series.dtype == pl.List(pl.String):
            series = series.explode()
        return set(series.drop_nulls())

    assert refs("organisation", "parent_id") <= ids["organisation"]
    assert refs("academic_session", "parent_id") <= ids["academic_session"]
    assert refs("course", "school_year_id") <= ids["academic_session"]
    assert refs("class", "course_id") <= ids["course"]
    assert refs("class", "session_ids") <= ids["academic_session"]
    assert refs("person", "agent_ids") <= ids["person"]
    assert refs("enrollment", "person_id") <= ids["person"]
    assert refs("enrollment", "class_id") <= ids["class"]
    for entity in ("course", "class", "person", "enrollment"):
        assert refs(entity, "school_id") <= schools, entity
    # The district and the district-wide sessions belong to no school; a school is its own school.
    orgs = f["organisation"]
    assert orgs.filter(pl.col("kind") == "district")["school_id"].null_count() == 1
    assert (
        orgs.filter(pl.col("kind") == "school")
        .select((pl.col("school_id") == pl.col("source_record_id")).all())
        .item()
    )
    assert f["academic_session"]["school_id"].null_count() == f["academic_session"].height


def test_the_district_looks_like_a_district(district: SyntheticDistrict) -> None:
    people = district.frames["person"]
    students = people.filter(pl.col("role") == "student")
    staff = people.filter(pl.col("role") == "staff")
    contacts = people.filter(pl.col("role") == "contact")
    assert students.height == 1200
    assert district.frames["organisation"].filter(pl.col("kind") == "school").height == 3
    assert 1200 / 20 < staff.height < 1200 / 12
    assert set(staff["role_detail"]) == {"teacher", "aide", "administrator"}
    assert set(contacts["role_detail"]) <= {"parent", "guardian", "relative"}
    assert 1.4 < students["agent_ids"].list.len().mean() < 1.8  # type: ignore[operator]
    # Some contacts are shared between siblings.
    assert contacts.filter(pl.col("agent_ids").list.len() > 1).height > 0
    enrollments = district.frames["enrollment"]
    per_student = enrollments.filter(pl.col("role") == "student").group_by("person_id").len()["len"]
    assert 5.5 <= per_student.mean() <= 6.5  # type: ignore[operator]
    teachers = enrollments.filter(pl.col("role") == "teacher")
    assert teachers.filter(pl.col("primary"))["class_id"].n_unique() == district.frames["class"].height
    assert enrollments.filter(pl.col("role") == "aide")["primary"].not_().all()
    kinds = set(district.frames["class"]["kind"])
    assert kinds == {"scheduled", "homeroom"}
    names = set(people["family_name"]) | set(people["given_name"])
    assert any("'" in n for n in names)
    assert any("-" in n for n in names)
    assert any(not n.isascii() for n in names)
    assert students["username"].is_unique().all()
    assert students["identifier"].is_unique().all()
    sessions = district.frames["academic_session"]
    assert set(sessions["kind"]) >= {"school_year", "semester"}
    assert sessions["start_date"].min().year == 2026  # type: ignore[union-attr]


def test_with_edits_changes_a_share_of_people_later(district: SyntheticDistrict) -> None:
    edited = district.with_edits(fraction=0.1, seed=5)
    before, after = district.frames["person"], edited.frames["person"]
    assert len(edited.edited_ids) == round(0.1 * before.height)
    changed = before.join(after, on="source_record_id", suffix="_new").filter(
        (pl.col("family_name") != pl.col("family_name_new")) | (pl.col("email") != pl.col("email_new"))
    )
    assert set(changed["source_record_id"]) <= set(edited.edited_ids)
    assert changed.height > 0.9 * len(edited.edited_ids)  # a random pick may repeat the old value
    stamps = [f["source_updated_at"].max() for f in district.frames.values()]
    latest = max(s for s in stamps if isinstance(s, datetime))  # empty frames (no school life) have none
    bumped = after.filter(pl.col("source_record_id").is_in(list(edited.edited_ids)))
    assert (bumped["source_updated_at"] > latest).all()
    untouched = after.filter(~pl.col("source_record_id").is_in(list(edited.edited_ids)))
    assert_frame_equal(untouched, before.filter(~pl.col("source_record_id").is_in(list(edited.edited_ids))))
    assert edited.frames["enrollment"] is district.frames["enrollment"]
    assert_frame_equal(after, district.with_edits(fraction=0.1, seed=5).frames["person"])
    assert isinstance(bumped["source_updated_at"][0], datetime)


def test_scales() -> None:
    started = time.perf_counter()
    big = generate_district(students=5000, seed=1)
    elapsed = time.perf_counter() - started
    assert big.frames["person"].filter(pl.col("role") == "student").height == 5000
    assert elapsed < 10, f"5000 students took {elapsed:.1f}s"
