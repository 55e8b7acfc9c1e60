"""generated canonical → write_bulk → bulk_streams → the same canonical, for every carried field."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest
from oneroster_bulk_support import read_set
from polars.testing import assert_frame_equal

from adapters.oneroster.bulk import BulkStream, Version, bulk_streams, detect_version, write_bulk
from adapters.oneroster.mapping import DEMOGRAPHICS_NOT_CARRIED, as_version_reads
from hub.canonical import ENTITIES_BY_NAME
from hub.synthetic import SyntheticDistrict, generate_district

# (entity, field) pairs a version of the CSV binding cannot carry. No version has a column for a
# person's language or programme flags.
_DEMOGRAPHICS = frozenset(("demographics", f) for f in DEMOGRAPHICS_NOT_CARRIED)
NOT_CARRIED: dict[str, frozenset[tuple[str, str]]] = {
    "1.2": _DEMOGRAPHICS,
    "1.1": _DEMOGRAPHICS | {("person", "preferred_name"), ("assignment_result", "letter")},
    "1.0": _DEMOGRAPHICS
    | frozenset(
        {
            ("person", "preferred_name"),
            ("person", "middle_name"),
            ("person", "grades"),
            ("person", "enabled"),
            ("academic_session", "school_year"),
            ("class", "periods"),
            ("enrollment", "begin_date"),
            ("enrollment", "end_date"),
        }
    ),
}


# What the OneRoster CSV binding carries, in the order its files are read (1.0 had no gradebook).
ROSTER = ("organisation", "academic_session", "course", "class", "person", "demographics", "enrollment")
GRADEBOOK = ("assignment", "assignment_result")


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=300, gradebook=True, demographics=True)


def _carried(frame: pl.DataFrame, entity: str, version: str) -> pl.DataFrame:
    dropped = [f for e, f in NOT_CARRIED[version] if e == entity]
    return frame.drop(dropped).sort("source_record_id")


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
@pytest.mark.parametrize("as_zip", [True, False], ids=["zip", "folder"])
def test_round_trip_equals_generated(
    district: SyntheticDistrict, tmp_path: Path, version: Version, as_zip: bool
) -> None:
    path = write_bulk(district, tmp_path / ("set.zip" if as_zip else "set"), version=version, zip=as_zip)

    read = read_set(path)

    assert detect_version(path) == version
    carried = ROSTER if version == "1.0" else ROSTER + GRADEBOOK
    assert [s.entity.name for s in read.streams if s.entity.name != "custom_field"] == list(carried)
    expected = as_version_reads(district.frames, version)
    for spec in (ENTITIES_BY_NAME[name] for name in carried):
        assert read.rejects[spec.name] == []
        assert read.deleted[spec.name] == []
        assert_frame_equal(
            _carried(read.frames[spec.name], spec.name, version),
            _carried(expected[spec.name], spec.name, version),
        )
    # 1.0's orgs.csv has metadata.* columns; the writer leaves them empty, so no custom field appears.
    assert read.frames.get("custom_field", pl.DataFrame()).height == 0


def test_not_carried_fields_are_empty_not_invented(district: SyntheticDistrict, tmp_path: Path) -> None:
    read = read_set(write_bulk(district, tmp_path / "set.zip", version="1.1"))

    assert read.frames["person"]["preferred_name"].null_count() == read.frames["person"].height


def test_pages_split_a_file_and_keep_every_row(district: SyntheticDistrict, tmp_path: Path) -> None:
    path = write_bulk(district, tmp_path / "set.zip", version="1.1")

    read = read_set(path, page_size=500)

    enrollments = district.frames["enrollment"].height
    assert read.pages["enrollment"] == -(-enrollments // 500)
    assert read.frames["enrollment"].height == enrollments


def test_zip_with_the_set_in_a_subfolder(district: SyntheticDistrict, tmp_path: Path) -> None:
    folder = write_bulk(district, tmp_path / "set", version="1.1", zip=False)
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as archive:
        for file in folder.iterdir():
            archive.write(file, f"export-2026/{file.name}")

    streams = bulk_streams(nested)

    assert [s.name for s in streams] == [
        "orgs",
        "academicSessions",
        "courses",
        "classes",
        "users",
        "demographics",
        "enrollments",
        "lineItems",
        "results",
    ]


def test_stream_flags_for_bulk_files(district: SyntheticDistrict, tmp_path: Path) -> None:
    streams = bulk_streams(write_bulk(district, tmp_path / "set.zip", version="1.2"))

    assert all(isinstance(s, BulkStream) and not s.incremental and not s.partial for s in streams)
