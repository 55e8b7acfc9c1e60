"""One fixture per quirk of real OneRoster CSV feeds, each with its exact expected values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from oneroster_bulk_support import FIXTURES, column, read_set
from polars.testing import assert_frame_equal

from adapters.oneroster.bulk import BulkStream, check, open_bulk
from adapters.sdk import Reject


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def test_bom_crlf_and_no_final_newline() -> None:
    read = read_set(FIXTURES / "bom_crlf")

    expected = pl.DataFrame(
        {
            "source_record_id": ["org-d", "org-s"],
            "school_id": [None, "org-s"],
            "source_updated_at": [_utc(2023, 5, 1, 18, 25, 43, 511000)] * 2,
            "kind": ["district", "school"],
            "name": ["Riverside USD", "Riverside High"],
            "identifier": ["0601234", "060123400001"],
            "parent_id": [None, "org-d"],
        },
        schema=read.frames["organisation"].schema,
    )
    assert_frame_equal(read.frames["organisation"], expected)


def test_every_field_quoted_and_quoted_multi_value_cells() -> None:
    read = read_set(FIXTURES / "all_quoted")

    person = read.frames["person"].row(0, named=True)
    assert person["school_id"] == "org-s"  # the first of "org-s,org-t"
    assert person["grades"] == ["09", "10", "11"]
    assert person["agent_ids"] == ["p1", "p2"]  # "p1, p2": items are trimmed
    assert person["middle_name"] is None  # a quoted empty cell is empty
    assert person["identifier"] == "S123"
    assert person["enabled"] is True


def test_mixed_date_formats_in_one_column() -> None:
    read = read_set(FIXTURES / "mixed_dates")

    # ISO first; else US M/D/YYYY, so 1/05/2023 is 5 January.
    assert column(read, "enrollment", "begin_date") == [
        date(2023, 5, 1),
        date(2023, 1, 5),
        date(2023, 1, 5),
        date(2023, 5, 1),
        None,
    ]
    assert column(read, "enrollment", "end_date") == [
        date(2023, 6, 30),
        date(2023, 12, 31),
        date(2023, 12, 31),
        None,
        None,
    ]


def test_date_last_modified_with_and_without_zone_and_milliseconds() -> None:
    read = read_set(FIXTURES / "mixed_dates")

    assert column(read, "enrollment", "source_updated_at") == [
        _utc(2023, 5, 1, 18, 25, 43, 511000),  # …43.511Z
        _utc(2023, 5, 1, 18, 25, 43),  # …43Z
        _utc(2023, 5, 1, 18, 25, 43),  # no zone: UTC
        _utc(2023, 5, 1),  # a bare date: midnight UTC
        _utc(2023, 5, 1, 18, 25, 43, 511000),  # 20:25:43.511+02:00
    ]
    assert column(read, "enrollment", "primary") == [False, False, False, False, True]


def test_boolean_spellings() -> None:
    read = read_set(FIXTURES / "booleans")

    assert column(read, "person", "enabled") == [True, True, True, False, False, None]


def test_capitalised_enum_values() -> None:
    read = read_set(FIXTURES / "capitalised_enums")

    assert column(read, "organisation", "kind") == ["district", "school"]
    assert column(read, "academic_session", "kind") == ["school_year", "grading_period"]
    assert column(read, "class", "kind") == ["scheduled", "homeroom"]
    assert column(read, "person", "role") == ["student", "staff", "staff"]
    assert column(read, "person", "role_detail") == ["student", "teacher", "districtAdministrator"]
    assert all(not r for r in read.rejects.values())  # 'Active', 'ACTIVE' are statuses too


def test_one_point_zero_set_without_manifest() -> None:
    bulk = open_bulk(FIXTURES / "v10")
    read = read_set(FIXTURES / "v10")

    assert bulk.version == "1.0"
    assert bulk.warnings == [
        "no manifest.csv: read as OneRoster 1.0 (from the headers), every file present as bulk"
    ]
    assert {str(f) for f in bulk.header_fixes} >= {
        "users.csv: header 'userId' read as 'userIds' (1.0 column name)",
        "classes.csv: header 'termSourcedId' read as 'termSourcedIds' (1.0 column name)",
    }
    assert column(read, "organisation", "source_record_id") == ["org-d", "org-s"]  # 'inactive' is kept
    assert read.frames["course"].row(0, named=True) | {"source_updated_at": None} == {
        "source_record_id": "crs1",
        "school_id": "org-s",
        "source_updated_at": None,
        "title": "Algebra I",
        "code": "ALG1",
        "school_year_id": "t1",  # schoolYearId
        "grades": ["09"],  # grade
        "subjects": ["Mathematics"],
    }
    assert column(read, "class", "session_ids") == [["t1"]]  # termSourcedId
    assert column(read, "person", "agent_ids") == [["p1"], ["u1"]]  # agents
    assert column(read, "person", "date_of_birth") == [date(2001, 4, 9), None]  # demographics birthdate
    assert column(read, "person", "gender") == ["female", None]
    assert column(read, "enrollment", "begin_date") == [None]
    assert column(read, "academic_session", "school_year") == [None]


def test_extension_columns_become_custom_fields() -> None:
    read = read_set(FIXTURES / "extensions")

    assert read.custom_fields.sort("source_record_id", "key").rows() == [
        ("person", "u1", "ext_lunch_code", "F"),
        ("person", "u1", "metadata.homeLanguage", "spa"),
        ("person", "u2", "ext_lunch_code", "R"),
    ]
    assert "metadata.homeLanguage" not in read.frames["person"].columns


def test_one_point_zero_metadata_columns_are_custom_fields() -> None:
    read = read_set(FIXTURES / "v10")

    assert read.custom_fields.sort("key").rows() == [
        ("organisation", "org-s", "metadata.boarding", "false"),
        ("organisation", "org-s", "metadata.classification", "public"),
        ("organisation", "org-s", "metadata.gender", "mixed"),
    ]


def test_empty_status_is_active() -> None:
    read = read_set(FIXTURES / "empty_status")

    assert column(read, "organisation", "source_record_id") == ["org-d", "org-s"]
    assert read.deleted["organisation"] == []
    assert column(read, "organisation", "source_updated_at") == [None, None]


def test_no_manifest_detects_version_from_headers_and_warns() -> None:
    result = check(FIXTURES / "no_manifest")

    assert result.ok
    assert result.details["version"] == "1.1"
    assert result.details["warnings"] == [
        "no manifest.csv: read as OneRoster 1.1 (from the headers), every file present as bulk"
    ]


def test_delta_file_tobedeleted_rows_are_deleted_ids() -> None:
    read = read_set(FIXTURES / "delta")

    assert column(read, "person", "source_record_id") == ["u1"]
    assert read.deleted["person"] == ["u2", "u3"]  # 'TOBEDELETED' too; a deletion needs no other field
    assert read.rejects["person"] == []
    orgs, users = read.streams
    assert isinstance(orgs, BulkStream)
    assert isinstance(users, BulkStream)
    assert (orgs.incremental, orgs.partial) == (False, False)
    assert (users.incremental, users.partial) == (True, True)


def test_one_point_two_roles_file_gives_role_and_school() -> None:
    read = read_set(FIXTURES / "v12_roles")

    people = read.frames["person"].select(
        "source_record_id", "role", "role_detail", "school_id", "preferred_name"
    )
    assert people.rows() == [
        ("u1", "staff", "administrator", "org-b", None),  # the primary role wins over the first listed
        ("u2", "student", "student", "org-s", "Ana"),  # primaryOrgSourcedId wins over the role's org
    ]


def test_extension_cells_become_canonical_custom_field_rows() -> None:
    read = read_set(FIXTURES / "extensions")

    rows = read.frames["custom_field"].sort("source_record_id")
    assert rows.select(
        "source_record_id", "entity", "record_source_id", "person_id", "key", "value"
    ).rows() == [
        ("person:u1:ext_lunch_code", "person", "u1", "u1", "ext_lunch_code", "F"),
        ("person:u1:metadata.homeLanguage", "person", "u1", "u1", "metadata.homeLanguage", "spa"),
        ("person:u2:ext_lunch_code", "person", "u2", "u2", "ext_lunch_code", "R"),
    ]
    # Each follows its record: the person's school, and when the record last changed.
    assert rows["school_id"].to_list() == ["org-s"] * 3
    assert rows.schema == read.frames["custom_field"].schema
    assert next(s for s in read.streams if s.name == "users.extensions").partial is False


def test_a_delta_file_deletes_emptied_cells_and_holds_quarantined_records_custom_fields() -> None:
    read = read_set(FIXTURES / "extensions_delta")

    assert read.frames["custom_field"].sort("source_record_id")["source_record_id"].to_list() == [
        "person:u1:ext_lunch_code",
        "person:u1:metadata.homeLanguage",
        "person:u2:ext_lunch_code",
    ]
    # u2's language cell is empty, u3 is tobedeleted: a delta file says so only explicitly.
    assert sorted(read.deleted["custom_field"]) == [
        "person:u2:metadata.homeLanguage",
        "person:u3:ext_lunch_code",
        "person:u3:metadata.homeLanguage",
    ]
    # u4 is quarantined (unknown role), so its custom field is held with it, not deleted.
    assert read.rejects["custom_field"] == [
        Reject(
            "person:u4:metadata.homeLanguage",
            "metadata.homeLanguage",
            "not read: its record is quarantined (users.csv:row 5)",
            "users.csv:row 5",
        )
    ]
    assert [r.source_record_id for r in read.rejects["person"]] == ["u4"]


def test_demographics_flags_become_one_ethnicity_and_the_record_takes_its_users_school() -> None:
    read = read_set(FIXTURES / "demographics_flags")

    frame = read.frames["demographics"].select(
        "person_id", "school_id", "sex", "ethnicity", "country_of_birth"
    )
    assert frame.rows() == [
        # Hispanic or Latino is reported whatever the race flags say ("1", "TRUE" are true).
        ("u1", "org-s", "female", "Hispanic or Latino", "MX"),
        # Two race flags are "Two or more races", as is the flag of that name.
        ("u2", "org-s", "male", "Two or more races", "US"),
        ("u3", "org-s", "unknown", "Black or African American", None),
        ("u5", "org-s", None, None, None),  # nothing said is nothing invented
    ]
    assert read.rejects["demographics"] == [
        Reject("u4", "americanIndianOrAlaskaNative", "unknown boolean 'maybe'", "demographics.csv:row 5"),
        Reject(
            "u9",
            "sourcedId",
            "user 'u9' is not in users.csv (or has no org), so the school is unknown",
            "demographics.csv:row 6",
        ),
    ]


def test_primary_roles_are_worked_out_once_per_opened_set(tmp_path: Path) -> None:
    """The people and the demographics streams both join them; one role per user needs no pick."""
    from adapters.oneroster.bulk.load import _primary_roles
    from adapters.oneroster.bulk.source import BulkSource

    source = BulkSource(FIXTURES / "v12_roles")
    first = _primary_roles(source)
    assert _primary_roles(source) is first
    assert first.sort("sourcedId").select("sourcedId", "_role", "_role_org").rows() == [
        ("u1", "administrator", "org-b"),
        ("u2", "Student", "org-t"),
        ("u3", "wizard", "org-s"),
    ]

    header = (FIXTURES / "v12_roles" / "roles.csv").read_text().splitlines()[0]
    (tmp_path / "roles.csv").write_text(
        f"{header}\nr9,,,u9,secondary,aide,,,org-x,\nr8,,,u8,primary,teacher,,,org-y,\n"
    )
    single = _primary_roles(BulkSource(tmp_path))
    assert single.select("sourcedId", "_role", "_role_org", "_role_row").rows() == [
        ("u9", "aide", "org-x", 2),
        ("u8", "teacher", "org-y", 3),
    ]


def test_other_datetime_spellings_are_tried_only_on_cells_the_usual_one_cannot_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Coalescing all six spellings parsed every cell six times; the result must be the same."""
    from adapters.oneroster.bulk import parse

    fed: list[list[str | None]] = []
    spellings = parse._spellings

    def spied(value: pl.Expr) -> list[pl.Expr]:
        def record(cells: pl.Series) -> pl.Series:
            fed.append(cells.to_list())
            return cells

        return [spellings(value)[0], *spellings(value.map_batches(record, return_dtype=pl.String))[1:]]

    monkeypatch.setattr(parse, "_spellings", spied)
    cells = [
        "2023-05-01T18:25:43.511Z",
        "2023-05-01T20:25:43+02:00",
        None,
        "2023-05-01",
        "soon",
        "2023-05-01T18:25:43Z",
    ]
    frame = pl.DataFrame({"d": cells})
    parsed = frame.select(parse.to_datetime(pl.col("d")))["d"].to_list()
    assert len(fed) == 5  # each other spelling saw only the three cells the usual one could not read
    assert {tuple(batch) for batch in fed} == {("2023-05-01T20:25:43+02:00", "2023-05-01", "soon")}
    assert parsed == [
        _utc(2023, 5, 1, 18, 25, 43, 511000),
        _utc(2023, 5, 1, 18, 25, 43),
        None,
        _utc(2023, 5, 1),
        None,
        _utc(2023, 5, 1, 18, 25, 43),
    ]
    assert frame.select(pl.coalesce(spellings(pl.col("d"))))["d"].to_list() == parsed
