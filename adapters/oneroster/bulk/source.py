"""Where a CSV set lives: a .zip archive or a folder. Files are found by name, case-insensitively.

Real exports often nest the files in a folder inside the zip (`export/users.csv`); the set is the
folder holding manifest.csv, or else the one holding the most .csv files.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from hashlib import blake2b
from pathlib import Path, PurePosixPath
from typing import IO, Any

from adapters.sdk import ConfigError, SourceContractError


class BulkSource:
    """Read access to the CSV files of one set, by their bare file name (`users.csv`)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ConfigError(f"OneRoster CSV path {path} does not exist")
        self.path = path
        self.is_zip = not path.is_dir()
        if path.is_dir():
            members = [p.relative_to(path).as_posix() for p in path.rglob("*.csv")]
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        else:
            raise SourceContractError(
                f"{path.name} is neither a folder nor a zip archive of OneRoster CSV files"
            )
        self._members = _pick_folder(members)
        self._digests: dict[str, str] = {}  # a file's hash, taken once per set opened (once per run)
        self.parsed: dict[str, Any] = {}  # parsed files other streams join in too (load.py)

    @property
    def names(self) -> list[str]:
        """File names in the set as they are spelt there, e.g. ['manifest.csv', 'Users.csv']."""
        return sorted(PurePosixPath(m).name for m in self._members.values())

    def has(self, name: str) -> bool:
        return name.lower() in self._members

    def read(self, name: str) -> bytes:
        return self.head(name, -1)

    def digest(self, name: str) -> str:
        """A digest of a file's bytes: a change anywhere in the file changes it. A zip member's is
        the CRC-32 and size the archive's directory already records for it (so an unchanged file
        of a 35 MB export is not decompressed to learn that: ~0.8 s of a 50,000-student delta);
        a folder's file is hashed, streamed."""
        if name not in self._digests and self.is_zip:
            with zipfile.ZipFile(self.path) as archive:
                info = archive.getinfo(self._member(name))
            self._digests[name] = f"zip:{info.CRC:08x}:{info.file_size}"
        if name not in self._digests:
            digest = blake2b(digest_size=16)
            with self._open(self._member(name)) as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            self._digests[name] = digest.hexdigest()
        return self._digests[name]

    def head(self, name: str, size: int = 64 * 1024) -> bytes:
        """The first `size` bytes of a file (all of it when `size` is -1): enough for its header row."""
        with self._open(self._member(name)) as handle:
            return handle.read(size)

    def _member(self, name: str) -> str:
        member = self._members.get(name.lower())
        if member is None:
            raise SourceContractError(f"{name} is not in {self.path.name}")
        return member

    @contextmanager
    def _open(self, member: str) -> Iterator[IO[bytes]]:
        # Opened per call so no file handle outlives it (streams read long after the set is opened).
        if self.is_zip:
            with zipfile.ZipFile(self.path) as archive, archive.open(member) as handle:
                yield handle
        else:
            with (self.path / member).open("rb") as handle:
                yield handle


def _pick_folder(members: list[str]) -> dict[str, str]:
    """Lower-cased bare name → member path, for the one folder that holds the set."""
    folders = Counter(str(PurePosixPath(m).parent) for m in members)
    manifest_folders = [
        str(PurePosixPath(m).parent) for m in members if PurePosixPath(m).name.lower() == "manifest.csv"
    ]
    if manifest_folders:
        folder = min(manifest_folders, key=len)  # the shallowest manifest wins
    elif folders:
        folder = folders.most_common(1)[0][0]
    else:
        return {}
    return {PurePosixPath(m).name.lower(): m for m in members if str(PurePosixPath(m).parent) == folder}
