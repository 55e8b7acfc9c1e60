"""The attendance export the bench ingests: one CSV of register marks, as an MIS writes one.

CSV rather than NDJSON: registers leave an MIS as CSV exports (and the OneRoster side of the same
source is CSV), polars reads CSV in parallel and in batches, and a mark is a flat record that
needs nothing JSON adds; at millions of rows NDJSON would also repeat every key on every line
(~1.6x the bytes). The hub's adapter and the floor read this same file.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

# Export column → canonical attendance_mark column. The names are the export's own, so the
# adapter has a real mapping to do.
COLUMNS: dict[str, str] = {
    "mark_id": "source_record_id",
    "school_id": "school_id",
    "last_modified": "source_updated_at",
    "student_id": "student_id",
    "date": "date",
    "session": "session",
    "period": "period",
    "class_id": "class_id",
    "status": "status",
    "code": "source_code",
    "minutes_late": "minutes_late",
    "note": "note",
    "recorded_by": "recorded_by",
    "recorded_at": "recorded_at",
}
DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"  # always UTC, microseconds: what the export writes


def write_export(marks: pl.DataFrame, path: Path) -> Path:
    """Write canonical attendance marks (source ids) as the export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    marks.select(pl.col(canonical).alias(column) for column, canonical in COLUMNS.items()).write_csv(
        path, date_format=DATE_FORMAT, datetime_format=TIME_FORMAT
    )
    return path
