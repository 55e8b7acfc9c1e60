"""Bulk stream fingerprints: equal exactly when the stream's mapped output must be (ADR 7)."""

from __future__ import annotations

import shutil
import zipfile
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


def zipped(
    folder: Path, target: Path, *, compression: int, edit: tuple[str, bytes, bytes] | None = None
) -> Path:
    """`folder`'s files in a zip, optionally with one replacement made in one file's bytes."""
    with zipfile.ZipFile(target, "w", compression=compression) as archive:
        for path in sorted(folder.iterdir()):
            data = path.read_bytes()
            if edit is not None and path.name == edit[0]:
                assert edit[1] in data
                data = data.replace(edit[1], edit[2], 1)
            archive.writestr(path.name, data)
    return target


def test_a_zip_fingerprints_its_members_bytes_not_their_packing(original: Path, tmp_path: Path) -> None:
    """A zip member's digest comes from the archive's directory (CRC-32 and size), not from
    decompressing it: the same bytes packed differently fingerprint the same, and one byte changed
    in place (same size) changes exactly the streams that file feeds."""
    stored = fingerprints(zipped(original, tmp_path / "stored.zip", compression=zipfile.ZIP_STORED))
    deflated = fingerprints(zipped(original, tmp_path / "deflated.zip", compression=zipfile.ZIP_DEFLATED))
    assert all(stored.values())
    assert stored == deflated
    roles = (original / "roles.csv").read_bytes()
    old = roles.splitlines()[1][-1:]
    new = b"X" if old != b"X" else b"Y"
    edit = ("roles.csv", roles.splitlines()[1], roles.splitlines()[1][:-1] + new)
    edited = fingerprints(
        zipped(original, tmp_path / "edited.zip", compression=zipfile.ZIP_DEFLATED, edit=edit)
    )
    assert changed(stored, edited) == {"users", "demographics"}
