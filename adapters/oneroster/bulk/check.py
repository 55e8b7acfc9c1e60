"""The "Test connection" of a CSV set: is it OneRoster, which version, and exactly what is wrong."""

from __future__ import annotations

from pathlib import Path

from adapters.oneroster.bulk.bulkset import open_bulk
from adapters.oneroster.bulk.manifest import read_manifest
from adapters.oneroster.bulk.source import BulkSource
from adapters.sdk import AdapterError, CheckResult


def check(path: Path, *, version: str | None = None) -> CheckResult:
    """Open the set at `path` and report; never raises for a bad set (ok=False says why)."""
    try:
        bulk = open_bulk(path, version)
    except AdapterError as exc:
        return CheckResult(ok=False, message=str(exc), details={"path": str(path)})
    details = {
        "path": str(path),
        "version": bulk.version,
        "files": bulk.modes,
        "warnings": bulk.warnings,
        "problems": list(bulk.problems),
    }
    if bulk.problems:
        return CheckResult(ok=False, message="; ".join(bulk.problems), details=details)
    files = ", ".join(f"{name}.csv ({mode})" for name, mode in bulk.modes.items())
    return CheckResult(ok=True, message=f"OneRoster {bulk.version} CSV set: {files}", details=details)


def detect_version(path: Path) -> str:
    """ "1.0", "1.1" or "1.2": from manifest.csv, else from the files' headers."""
    return read_manifest(BulkSource(path)).version
