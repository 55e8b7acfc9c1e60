"""manifest.csv: which OneRoster version a set is, and which files are bulk, delta or absent.

1.0 sets have no manifest, and some 1.1 exporters forget it: then the version is detected from
the headers (roles.csv or a users.csv without `role` → 1.2; 1.0-era columns → 1.0; else 1.1) and
every data file present counts as bulk, with a warning.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from adapters.oneroster.bulk.headers import COLUMNS_10, COLUMNS_11
from adapters.oneroster.bulk.source import BulkSource
from adapters.sdk import SourceContractError

Version = Literal["1.0", "1.1", "1.2"]
Mode = Literal["bulk", "delta", "absent"]

# Data files this binding maps (others, like resources.csv, are listed but not read).
DATA_FILES = (
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "roles",
    "demographics",
    "enrollments",
    "categories",
    "lineItems",
    "results",
)


@dataclass(frozen=True)
class Manifest:
    version: Version
    modes: dict[str, Mode]  # data file (no .csv) → mode, for the files this binding reads
    properties: dict[str, str] = field(default_factory=dict)  # the manifest as sent
    warnings: tuple[str, ...] = ()


def read_manifest(source: BulkSource, version: str | None = None) -> Manifest:
    """The set's manifest (or one inferred from the files present); `version` overrides the detected one."""
    warnings: list[str] = []
    if source.has("manifest.csv"):
        properties = _properties(source.read("manifest.csv"))
        detected = _normalise_version(properties.get("oneroster.version"))
        if detected is None:
            warnings.append(
                f"manifest.csv: oneroster.version {properties.get('oneroster.version')!r} not recognised; "
                "detected from the headers instead"
            )
            detected = _version_from_headers(source)
        modes = _modes(properties, source, warnings)
    else:
        if not any(source.has(f"{name}.csv") for name in DATA_FILES):
            raise SourceContractError(
                f"{source.path.name} is not a OneRoster CSV set: no manifest.csv and none of "
                + ", ".join(f"{n}.csv" for n in DATA_FILES)
            )
        properties = {}
        detected = _version_from_headers(source)
        modes = {n: ("bulk" if source.has(f"{n}.csv") else "absent") for n in DATA_FILES}
        warnings.append(
            f"no manifest.csv: read as OneRoster {detected} (from the headers), every file present as bulk"
        )
    chosen = _normalise_version(version) if version else detected
    if chosen is None:
        raise SourceContractError(f"unsupported OneRoster version {version!r}; supported: 1.0, 1.1, 1.2")
    return Manifest(chosen, modes, properties, tuple(warnings))


def _properties(data: bytes) -> dict[str, str]:
    frame = pl.read_csv(io.BytesIO(data), infer_schema=False, has_header=True)
    columns = [c.lstrip("\ufeff").strip() for c in frame.columns]
    if [c.lower() for c in columns[:2]] != ["propertyname", "value"]:
        raise SourceContractError(
            f"manifest.csv: header must be 'propertyName,value', got {','.join(columns)!r}"
        )
    frame = frame.rename(dict(zip(frame.columns, columns, strict=True)))
    names = frame[columns[0]].str.strip_chars().to_list()
    values = frame[columns[1]].str.strip_chars().to_list()
    return {n: (v or "") for n, v in zip(names, values, strict=True) if n}


def _modes(properties: dict[str, str], source: BulkSource, warnings: list[str]) -> dict[str, Mode]:
    lowered = {k.lower(): v.lower() for k, v in properties.items()}
    modes: dict[str, Mode] = {}
    for name in DATA_FILES:
        value = lowered.get(f"file.{name.lower()}")
        present = source.has(f"{name}.csv")
        if value in ("bulk", "delta", "absent"):
            modes[name] = value  # type: ignore[assignment]  # checked just above
        elif value is None:
            modes[name] = "bulk" if present else "absent"
            if present:
                warnings.append(f"manifest.csv does not list {name}.csv; read as bulk")
        else:
            raise SourceContractError(
                f"manifest.csv: file.{name} is {value!r}; expected bulk, delta or absent"
            )
        if modes[name] == "absent" and present:
            warnings.append(f"{name}.csv is present but manifest.csv says absent; ignored")
    return modes


def _normalise_version(value: str | None) -> Version | None:
    text = (value or "").strip().lower().removeprefix("v").replace("p", ".")
    for version in ("1.0", "1.1", "1.2"):
        if text == version or text.startswith(version + "."):
            return version
    return None


def _header(source: BulkSource, file: str) -> set[str]:
    if not source.has(f"{file}.csv"):
        return set()
    first_line = source.head(f"{file}.csv").split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    return {h.strip().strip('"').strip() for h in first_line.split(",")}


def _version_from_headers(source: BulkSource) -> Version:
    users = _header(source, "users")
    if source.has("roles.csv") or (users and "role" not in users):
        return "1.2"
    only_10 = {
        file: {c for c in set(COLUMNS_10[file]) - set(COLUMNS_11[file]) if not c.startswith("metadata.")}
        for file in COLUMNS_10
    }
    if any(_header(source, file) & columns for file, columns in only_10.items()):
        return "1.0"
    return "1.1"
