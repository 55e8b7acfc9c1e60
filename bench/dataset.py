"""The benchmark's data: one synthetic district, written once as a OneRoster 1.2 CSV bulk zip,
and again with 1% of its people edited (the delta). Same scale and seed → same bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from adapters.oneroster.bulk import Version, write_bulk
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

    @property
    def rows(self) -> dict[str, int]:
        return {name: frame.height for name, frame in self.district.frames.items()}

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def has_attendance(self) -> bool:
        return self.rows.get(ATTENDANCE, 0) > 0


def build(students: int, seed: int, workdir: Path) -> Dataset:
    workdir.mkdir(parents=True, exist_ok=True)
    district = generate_district(students=students, seed=seed)
    edited = district.with_edits(EDIT_FRACTION, seed=EDIT_SEED)
    full_zip = write_bulk(district, workdir / f"district-{students}-{seed}.zip", version=VERSION)
    delta_zip = write_bulk(edited, workdir / f"district-{students}-{seed}-edited.zip", version=VERSION)
    return Dataset(district, full_zip, delta_zip, edited.edited_ids, _changed(district, edited))


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
    if dataset.has_attendance:
        return f"attendance marks included ({dataset.rows[ATTENDANCE]:,} rows)"
    return (
        "the district is generated without school life, gradebook or demographics (the OneRoster CSV "
        "binding carries no attendance): these numbers are roster entities only"
    )
