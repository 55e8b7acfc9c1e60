"""Bulk stream fingerprints: equal exactly when the stream's mapped output must be (ADR 7)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.oneroster.bulk import bulk_streams, write_bulk
from hub.synthetic import generate_district


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    district = generate_district(students=40, seed=2, gradebook=True, demographics=True)
    return write_bulk(district, tmp_path_factory.mktemp("sets") / "v12", version="1.2", zip=False)


def fingerprints(path: Path, version: str | None = None) -> dict[str, str | None]:
    return {s.name: s.fingerprint() for s in bulk_streams(path, version=version)}


def copy_of(original: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(original, tmp_path / "copy"))


def changed(before: dict[str, str | None], after: dict[str, str | None]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def test_the_same_bytes_elsewhere_fingerprint_the_same(original: Path, tmp_path: Path) -> None:
    before = fingerprints(original)
    assert all(before.values())
    assert len(set(before.values())) == len(before)
    assert fingerprints(copy_of(original, tmp_path)) == before


@pytest.mark.parametrize(
    ("file", "streams"),
    [
        ("orgs", {"orgs"}),
        ("roles", {"users", "demographics"}),  # joined into people, and into their demographics
        ("demographics", {"users", "demographics"}),
        ("classes", {"classes", "lineItems", "results"}),
        ("categories", {"lineItems"}),
        ("lineItems", {"lineItems", "results"}),
        ("enrollments", {"enrollments"}),
    ],
)
def test_a_changed_file_changes_the_streams_it_feeds(
    original: Path, tmp_path: Path, file: str, streams: set[str]
) -> None:
    copy = copy_of(original, tmp_path)
    with (copy / f"{file}.csv").open("a") as handle:
        handle.write("\n")  # one byte more: the rows may read the same, the fingerprint may not
    assert changed(fingerprints(original), fingerprints(copy)) == streams


def test_a_version_override_changes_every_fingerprint(original: Path) -> None:
    before, after = fingerprints(original), fingerprints(original, version="1.1")
    assert changed(before, after) == set(before)


def test_a_delta_file_has_no_fingerprint(original: Path, tmp_path: Path) -> None:
    copy = copy_of(original, tmp_path)
    manifest = (copy / "manifest.csv").read_text()
    assert "file.enrollments,bulk" in manifest
    (copy / "manifest.csv").write_text(manifest.replace("file.enrollments,bulk", "file.enrollments,delta"))
    after = fingerprints(copy)
    assert after["enrollments"] is None
    assert changed(fingerprints(original), after) == {"enrollments"}
