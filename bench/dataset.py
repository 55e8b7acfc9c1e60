"""The benchmark's data: one synthetic district, written once as a OneRoster 1.2 CSV bulk zip,
and again with 1% of its people edited (the delta); and, for the attendance section, a term's
attendance marks of the same students as a CSV export. Same scale and seed → same bytes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from adapters.oneroster.bulk import Version, write_bulk
from bench.attendance_file import write_export
from hub.synthetic import SyntheticDistrict, generate_district

VERSION: Version = "1.2"  # the newest binding: carries every field the generator fills
EDIT_FRACTION = 0.01
EDIT_SEED = 3
ATTENDANCE = "attendance_mark"


@dataclass(frozen=True)
class Dataset:
    district: SyntheticDistrict
    full_zip: Path
    delta_zip: Path
    edited_ids: tuple[str, ...]  # people with_edits() touched
    changed: int  # of those, the records whose content really differs (an edit can redraw the same value)
    attendance_csv: Path | None = None  # the attendance export (bench.attendance_file), when built
    attendance_rows: int = 0
    attendance_days: int = 0

    @property
    def rows(self) -> dict[str, int]:
        rows = {name: frame.height for name, frame in self.district.frames.items()}
        return {**rows, ATTENDANCE: self.attendance_rows} if self.attendance_rows else rows

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def has_attendance(self) -> bool:
        return self.rows.get(ATTENDANCE, 0) > 0


def build(students: int, seed: int, workdir: Path, *, attendance_days: int | None = None) -> Dataset:
    """The zips; with `attendance_days`, also that many school days of AM/PM marks as an export."""
    workdir.mkdir(parents=True, exist_ok=True)
    district = generate_district(students=students, seed=seed)
    edited = district.with_edits(EDIT_FRACTION, seed=EDIT_SEED)
    full_zip = write_bulk(district, workdir / f"district-{students}-{seed}.zip", version=VERSION)
    delta_zip = write_bulk(edited, workdir / f"district-{students}-{seed}-edited.zip", version=VERSION)
    dataset = Dataset(district, full_zip, delta_zip, edited.edited_ids, _changed(district, edited))
    if attendance_days is None:
        return dataset
    csv, rows = _attendance_export(students, seed, attendance_days, workdir)
    return replace(dataset, attendance_csv=csv, attendance_rows=rows, attendance_days=attendance_days)


def _attendance_export(students: int, seed: int, days: int, workdir: Path) -> tuple[Path, int]:
    """The marks of the same district (school life leaves the roster byte-identical), written as
    the export; the frame is dropped once written (millions of rows the parent has no use for)."""
    life = generate_district(students=students, seed=seed, school_life=True, attendance_days=days)
    marks = life.frames[ATTENDANCE]
    path = write_export(marks, workdir / f"attendance-{students}-{seed}-{days}d.csv")
    return path, marks.height


def _changed(before: SyntheticDistrict, after: SyntheticDistrict) -> int:
    """People whose canonical content differs (source_updated_at aside, which is not content)."""
    old, new = before.frames["person"], after.frames["person"]
    columns = [c for c in old.columns if c != "source_updated_at"]
    joined = old.select(columns).join(new.select(columns), on="source_record_id", suffix="_new")
    differs = pl.any_horizontal(
        pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in columns if c != "source_record_id"
    )
    return joined.filter(differs).height


def attendance_note(dataset: Dataset) -> str:
    roster = (
        "the roster figures (full ingest, delta, their RSS, serving) are roster entities only: the "
        "OneRoster CSV binding carries no attendance, and the district has no other school life, "
        "gradebook or demographics"
    )
    if not dataset.has_attendance:
        return f"{roster}; attendance not measured in this run"
    return (
        f"{roster}; attendance is measured on its own: {dataset.attendance_rows:,} marks "
        f"({dataset.attendance_days} school days, AM and PM) from a CSV export, synced into the "
        "ingested roster's source"
    )
