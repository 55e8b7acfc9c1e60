"""An opened CSV set: its manifest, the header resolution of every file it will read, and what is
wrong with it. Opening reads only manifest.csv and the first line of each file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from adapters.oneroster.bulk.headers import ALIAS_10, HeaderError, HeaderFix, Headers
from adapters.oneroster.bulk.manifest import DATA_FILES, Manifest, Mode, Version, read_manifest
from adapters.oneroster.bulk.reader import read_headers
from adapters.oneroster.bulk.source import BulkSource
from adapters.sdk import SourceContractError

# Files read as streams, in dependency order; roles are read with users, categories with
# lineItems, and demographics both with users (birth date, sex) and as a stream of their own.
STREAM_FILES = (
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "demographics",
    "enrollments",
    "lineItems",
    "results",
)


@dataclass(frozen=True)
class BulkSet:
    source: BulkSource
    manifest: Manifest
    headers: dict[str, Headers]  # per file that will be read
    problems: tuple[str, ...] = ()  # each one makes the set unreadable
    notes: tuple[str, ...] = field(default=())  # warnings beyond the manifest's

    @property
    def version(self) -> Version:
        return self.manifest.version

    @property
    def modes(self) -> dict[str, Mode]:
        """Files that will be read and how: bulk or delta."""
        return {f: m for f, m in self.manifest.modes.items() if m != "absent" and self.source.has(f"{f}.csv")}

    @property
    def header_fixes(self) -> list[HeaderFix]:
        return [fix for h in self.headers.values() for fix in h.fixes]

    @property
    def warnings(self) -> list[str]:
        # 1.0 names in a 1.0 set are as expected: only report them in later versions.
        fixes = [f for f in self.header_fixes if not (self.version == "1.0" and f.reason == ALIAS_10)]
        return [*self.manifest.warnings, *self.notes, *(str(f) for f in fixes)]

    def uses(self, file: str) -> bool:
        return file in self.modes and file in self.headers


def open_bulk(path: Path, version: str | None = None) -> BulkSet:
    """Open a set; raises only when `path` is not a OneRoster CSV set at all (see `problems`)."""
    source = BulkSource(path)
    manifest = read_manifest(source, version)
    problems: list[str] = []
    notes: list[str] = []
    headers: dict[str, Headers] = {}
    for file in DATA_FILES:
        mode = manifest.modes.get(file, "absent")
        if mode == "absent":
            continue
        if not source.has(f"{file}.csv"):
            problems.append(f"missing file {file}.csv (manifest.csv lists it as {mode})")
            continue
        try:
            headers[file] = read_headers(source, file)
        except (HeaderError, SourceContractError) as exc:
            problems.append(str(exc))
    if "users" in headers and "role" not in headers["users"].renames.values() and "roles" not in headers:
        problems.append(
            "users.csv has no role column and roles.csv is absent (OneRoster 1.2 keeps roles there)"
        )
    if "roles" in headers and "users" not in headers:
        notes.append("roles.csv ignored: there is no users.csv to attach it to")
    if "categories" in headers and "lineItems" not in headers:
        notes.append("categories.csv ignored: there is no lineItems.csv to attach it to")
    return BulkSet(source, manifest, headers, tuple(problems), tuple(notes))


def require_readable(bulk: BulkSet) -> None:
    if bulk.problems:
        raise SourceContractError(f"{bulk.source.path.name}: " + "; ".join(bulk.problems))
