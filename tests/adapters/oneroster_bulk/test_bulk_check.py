"""check() and detect_version(): what a set is, and precisely what is wrong with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from oneroster_bulk_support import FIXTURES

from adapters.oneroster.bulk import bulk_streams, check, detect_version
from adapters.sdk import ConfigError, Page, SourceContractError


@pytest.mark.parametrize(
    ("fixture", "version"),
    [("v10", "1.0"), ("bom_crlf", "1.1"), ("no_manifest", "1.1"), ("v12_roles", "1.2")],
)
def test_detect_version(fixture: str, version: str) -> None:
    assert detect_version(FIXTURES / fixture) == version


def test_check_ok_lists_version_and_files() -> None:
    result = check(FIXTURES / "delta")

    assert result.ok
    assert result.message == "OneRoster 1.1 CSV set: orgs.csv (bulk), users.csv (delta)"
    assert result.details["files"] == {"orgs": "bulk", "users": "delta"}


def test_not_oneroster() -> None:
    result = check(FIXTURES / "not_oneroster")

    assert not result.ok
    assert result.message.startswith(
        "not_oneroster is not a OneRoster CSV set: no manifest.csv and none of orgs.csv"
    )


def test_missing_file_listed_in_manifest() -> None:
    result = check(FIXTURES / "missing_file")

    assert not result.ok
    assert result.message == "missing file users.csv (manifest.csv lists it as bulk)"
    with pytest.raises(SourceContractError, match=r"missing file users\.csv"):
        bulk_streams(FIXTURES / "missing_file")


def test_missing_path_is_a_config_error(tmp_path: Path) -> None:
    assert (
        check(tmp_path / "nowhere.zip").message
        == f"OneRoster CSV path {tmp_path / 'nowhere.zip'} does not exist"
    )
    with pytest.raises(ConfigError):
        bulk_streams(tmp_path / "nowhere.zip")


def test_neither_folder_nor_zip(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("sourcedId\n")

    assert check(path).message == "users.csv is neither a folder nor a zip archive of OneRoster CSV files"


def test_version_argument_overrides_detection() -> None:
    assert check(FIXTURES / "bom_crlf", version="1.2").details["version"] == "1.2"
    assert "unsupported OneRoster version '2.0'" in check(FIXTURES / "bom_crlf", version="2.0").message


def test_to_canonical_wants_a_frame_page() -> None:
    stream = bulk_streams(FIXTURES / "bom_crlf")[0]

    with pytest.raises(TypeError, match="expected a FramePage"):
        stream.to_canonical(Page(records=[], location="x"))
