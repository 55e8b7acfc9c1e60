"""Source fingerprints (ADR 7, addendum): a CSV file byte-identical to the last applied run's is not
read at all, and skipping it never changes what a run does to the store.

Real zips and folders written by `write_bulk`, synced into real SQLite and PostgreSQL; "read" is
counted at `load.read_file`, the one place a data file is parsed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from adapters.oneroster.bulk import load, write_bulk
from adapters.oneroster.bulk.source import BulkSource
from hub.store.sources import add_source, get_source, update_config
from hub.sync import RunSummary, sync_source
from hub.sync.fingerprints import FINGERPRINTS_KEY
from hub.synthetic import SyntheticDistrict, generate_district
from tests.snapshots import store_snapshot
from tests.sync.test_oneroster_to_store import CSV_NOT_CARRIED, assert_store_equals

VERSION = "1.1"
EVERY_FILE = {
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "demographics",
    "enrollments",
    "categories",
    "lineItems",
    "results",
}


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=120, seed=5, gradebook=True, demographics=True)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The data files a run parsed (each file, whichever stream parsed it)."""
    files: set[str] = set()
    original = load.read_file

    def spy(source: BulkSource, file: str) -> Any:
        files.add(file)
        return original(source, file)

    monkeypatch.setattr(load, "read_file", spy)
    return files


def renamed_class(district: SyntheticDistrict) -> SyntheticDistrict:
    classes = district.frames["class"]
    first = pl.int_range(pl.len()) == 0
    title = pl.when(first).then(pl.lit("Renamed class")).otherwise(pl.col("title")).alias("title")
    return replace(district, frames={**district.frames, "class": classes.with_columns(title)})


def school_set(folder: Path, users_mode: str, users: list[str]) -> Path:
    """A 1.1 set of one school (orgs.csv, bulk) and `users` (rows of users.csv, in `users_mode`)."""
    folder.mkdir()
    (folder / "manifest.csv").write_text(
        f"propertyName,value\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,{users_mode}\n"
    )
    (folder / "orgs.csv").write_text(
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "org-s,active,2023-08-01T00:00:00Z,Elm School,school,,\n"
    )
    header = "sourcedId,status,dateLastModified,orgSourcedIds,role,givenName,familyName\n"
    (folder / "users.csv").write_text(header + "".join(users))
    return folder


def sync_set(engine: Engine, path: Path, **options: Any) -> RunSummary:
    with engine.begin() as conn:
        update_config(conn, get_source(conn, "csv").id, {"path": str(path)})
    summary = sync_source(engine, "csv", **options)
    assert summary.status == "succeeded", summary.error
    return summary


def saved_fingerprints(engine: Engine) -> Any:
    with engine.connect() as conn:
        return get_source(conn, "csv").checkpoint.get(FINGERPRINTS_KEY)


def test_only_files_that_changed_are_read_and_the_store_follows_the_source(
    engine: Engine, district: SyntheticDistrict, tmp_path: Path, parsed: set[str]
) -> None:
    edited = district.with_edits(0.05, seed=1)
    sets = {
        "a": (district, write_bulk(district, tmp_path / "a.zip", version=VERSION)),
        "a again": (district, write_bulk(district, tmp_path / "a-again.zip", version=VERSION)),
        "edited": (edited, write_bulk(edited, tmp_path / "edited.zip", version=VERSION)),
        "classes": (
            renamed_class(edited),
            write_bulk(renamed_class(edited), tmp_path / "c.zip", version=VERSION),
        ),
    }
    with engine.begin() as conn:
        source_id = add_source(conn, "csv", "oneroster", {"path": str(sets["a"][1])})

    def step(name: str, expected_reads: set[str], **options: Any) -> RunSummary:
        parsed.clear()
        source, path = sets[name]
        summary = sync_set(engine, path, **options)
        assert parsed == expected_reads, name
        assert_store_equals(engine, source_id, source, CSV_NOT_CARRIED[VERSION], VERSION)
        return summary

    step("a", EVERY_FILE)
    # The same bytes under another export's name: nothing is read, nothing changes.
    before = store_snapshot(engine)
    same = step("a again", set())
    assert {k: v for k, v in store_snapshot(engine).items() if k != "sources"} == {
        k: v for k, v in before.items() if k != "sources"
    }
    people = same.counts["person"]
    assert (people.read, people.unchanged, people.updated) == (district.frames["person"].height,) * 2 + (0,)
    # People edited: users.csv (and demographics.csv, joined into people) change; only what they
    # feed is read: people and demographics (which takes its school from users.csv).
    summary = step("edited", {"users", "demographics"})
    assert summary.counts["person"].updated == len(edited.edited_ids)
    assert summary.counts["enrollment"].unchanged == district.frames["enrollment"].height
    # A class renamed: classes.csv changes, and so do the line items and results joined with it.
    summary = step("classes", {"classes", "categories", "lineItems", "results"})
    assert summary.counts["class"].updated == 1
    # Back to the first set: every file that differs from the LAST run is read again.
    step("a", {"classes", "categories", "lineItems", "results", "users", "demographics"})
    step("a", set())
    # --full forgets the fingerprints: everything is read, and they are saved again.
    step("a", EVERY_FILE, full=True)
    step("a", set())


def test_a_failed_run_leaves_the_fingerprints_as_they_were(
    engine: Engine, district: SyntheticDistrict, tmp_path: Path, parsed: set[str]
) -> None:
    first = write_bulk(district, tmp_path / "first", version=VERSION, zip=False)
    with engine.begin() as conn:
        source_id = add_source(conn, "csv", "oneroster", {"path": str(first)})
    sync_set(engine, first)
    saved = saved_fingerprints(engine)
    assert set(saved) >= {"organisation", "person", "enrollment", "assignment_result"}

    # Most records gone: the deletion guard refuses the run after every file was read.
    gone = {"person", "demographics", "enrollment", "assignment_result"}
    few = replace(
        district,
        frames={n: f.head(f.height // 10) if n in gone else f for n, f in district.frames.items()},
    )
    gutted = write_bulk(few, tmp_path / "gutted", version=VERSION, zip=False)
    with engine.begin() as conn:
        update_config(conn, source_id, {"path": str(gutted)})
    before = store_snapshot(engine)
    refused = sync_source(engine, "csv")
    assert refused.status == "failed"
    assert "delet" in (refused.error or "")
    assert store_snapshot(engine) == before
    assert saved_fingerprints(engine) == saved

    # The next run of that set reads users.csv again (its fingerprint was never saved) …
    parsed.clear()
    forced = sync_source(engine, "csv", force=True)
    assert forced.status == "succeeded", forced.error
    assert "users" in parsed
    assert_store_equals(engine, source_id, few, CSV_NOT_CARRIED[VERSION], VERSION)
    # … and the first set's people come back on the run after.
    parsed.clear()
    sync_set(engine, first)
    assert "users" in parsed
    assert_store_equals(engine, source_id, district, CSV_NOT_CARRIED[VERSION], VERSION)


def test_a_file_with_quarantined_rows_is_read_again_and_keeps_its_quarantine(
    engine: Engine, tmp_path: Path, parsed: set[str]
) -> None:
    rows = [f"u{n},active,2023-08-01T00:00:00Z,org-s,student,Given,Family\n" for n in range(40)]
    rows.append("u-bad,active,2023-08-01T00:00:00Z,org-s,wizard,Given,Family\n")  # unknown role
    folder = school_set(tmp_path / "set", "bulk", rows)
    with engine.begin() as conn:
        add_source(conn, "csv", "oneroster", {"path": str(folder)})

    for run, expected_reads in enumerate([{"orgs", "users"}, {"users"}]):
        parsed.clear()
        summary = sync_set(engine, folder)
        assert parsed == expected_reads
        assert [r.source_record_id for _, r in summary.quarantined] == ["u-bad"]
        assert summary.counts["person"].unchanged == (40 if run else 0)
    assert "person" not in saved_fingerprints(engine)
    assert "organisation" in saved_fingerprints(engine)


def test_a_delta_file_is_read_every_time(engine: Engine, tmp_path: Path, parsed: set[str]) -> None:
    folder = school_set(
        tmp_path / "delta", "delta", ["u1,active,2023-08-01T00:00:00Z,org-s,student,Given,Family\n"]
    )
    with engine.begin() as conn:
        add_source(conn, "csv", "oneroster", {"path": str(folder)})
    sync_set(engine, folder)
    parsed.clear()
    sync_set(engine, folder)
    assert parsed == {"users"}
