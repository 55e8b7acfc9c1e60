"""The attendance export as a stream: pages of the CSV read in batches, each mapped to canonical
attendance marks, rows that cannot be typed quarantined with their row number.

A page carries a polars slice (as the OneRoster bulk streams do), so millions of marks never
become Python objects. The file is read batch by batch, never whole: the adapter holds one page.
References (school, student, class) stay the export's ids; the engine turns them into hub ids,
which is why this stream belongs to the same source as the roster it points at.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import polars as pl

from adapters.oneroster.bulk.reader import ROW
from adapters.oneroster.bulk.stream import PAGE_SIZE, FramePage
from adapters.oneroster.bulk.validate import TYPED, Check, invalid, required, split_rejects, typed
from adapters.sdk import MappedPage, Page, SourceContractError, Stream
from bench.attendance_file import COLUMNS, DATE_FORMAT, TIME_FORMAT
from hub.canonical.attendance import ATTENDANCE_MARK, ATTENDANCE_SESSIONS, ATTENDANCE_STATUSES

_SCHEMA = ATTENDANCE_MARK.polars_schema()
_CHECKS: list[Check] = [
    *(required(c) for c in ("mark_id", "student_id", "date", "session", "status")),
    invalid("date", "date", "not a date"),
    invalid("session", "session", "unknown session"),
    invalid("status", "status", "unknown status"),
    invalid("minutes_late", "minutes_late", "not a whole number"),
    invalid("recorded_at", "recorded_at", "not a timestamp"),
    invalid("last_modified", "source_updated_at", "not a timestamp"),
]


class AttendanceStream(Stream):
    name = "attendance"
    entity = ATTENDANCE_MARK

    def __init__(self, path: Path, page_size: int = PAGE_SIZE) -> None:
        self._path = path
        self._page_size = page_size

    def require_columns(self) -> None:
        """Fail before any read when the export lacks a column (a wrong file, a changed export)."""
        try:
            present = set(pl.scan_csv(self._path, infer_schema=False).collect_schema())
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise SourceContractError(f"{self._path.name} cannot be read as CSV: {exc}") from exc
        if missing := [c for c in COLUMNS if c not in present]:
            raise SourceContractError(f"{self._path.name} lacks the columns {', '.join(missing)}")

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        self.require_columns()
        batches = pl.scan_csv(
            self._path, infer_schema=False, row_index_name=ROW, row_index_offset=2
        ).collect_batches(chunk_size=self._page_size)
        # Parsing a batch is blocking work: off the event loop, one batch at a time.
        while (frame := await asyncio.to_thread(next, batches, None)) is not None:
            rows = f"rows {frame[ROW][0]}-{frame[ROW][-1]}" if frame.height else "no rows"
            yield FramePage(records=[], location=f"{self._path.name}:{rows}", frame=frame)

    def to_canonical(self, page: Page) -> MappedPage:
        if not isinstance(page, FramePage):
            raise TypeError(f"{self.name}: expected a FramePage, got {type(page).__name__}")
        return map_marks(page.frame, self._path.stem)


def map_marks(raw: pl.DataFrame, file: str) -> MappedPage:
    """Export rows (strings) → canonical marks; rows failing a check become Rejects."""
    frame, rejects = split_rejects(_typed(raw), _CHECKS, file, id_column="mark_id")
    mapped = frame.select(typed(name).cast(dtype).alias(name) for name, dtype in _SCHEMA.items())
    return MappedPage(mapped, rejects)


def _typed(raw: pl.DataFrame) -> pl.DataFrame:
    """Each canonical field computed once, beside the raw cells the checks quote."""
    typed_columns = {canonical: pl.col(column) for column, canonical in COLUMNS.items()}
    typed_columns |= {
        "date": pl.col("date").str.to_date(DATE_FORMAT, strict=False),
        "session": _vocabulary(pl.col("session"), ATTENDANCE_SESSIONS),
        "status": _vocabulary(pl.col("status"), ATTENDANCE_STATUSES),
        "minutes_late": pl.col("minutes_late").cast(pl.Int64, strict=False),
        "recorded_at": _timestamp(pl.col("recorded_at")),
        "source_updated_at": _timestamp(pl.col("last_modified")),
    }
    return raw.with_columns(expr.alias(TYPED + name) for name, expr in typed_columns.items())


def _vocabulary(value: pl.Expr, terms: tuple[str, ...]) -> pl.Expr:
    cleaned = value.str.strip_chars().str.to_lowercase()
    return pl.when(cleaned.is_in(terms)).then(cleaned)


def _timestamp(value: pl.Expr) -> pl.Expr:
    return value.str.to_datetime(TIME_FORMAT, strict=False, time_unit="us", time_zone="UTC")
