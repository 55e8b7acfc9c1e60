"""Streams over a OneRoster CSV set: one per data file present, in dependency order.

A page carries a polars slice of the file (strings, as read) instead of a list of dicts, so a
million-row enrollments.csv never becomes Python objects; `to_canonical` types and maps the slice.
Bulk files are complete reads (what they lack is gone); delta files are not, and their
`tobedeleted` rows become deleted ids. `since` is ignored: a file is read whole every time, unless
the engine skips the stream because its fingerprint (`fingerprint.py`) is the last applied run's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from adapters.oneroster.bulk.bulkset import BulkSet
from adapters.oneroster.bulk.fingerprint import stream_fingerprint
from adapters.oneroster.bulk.load import JOINS, load_file
from adapters.oneroster.bulk.manifest import Mode
from adapters.oneroster.bulk.mapping import CUSTOM_FIELDS_SCHEMA, FileMapping, map_frame
from adapters.oneroster.bulk.reader import ROW
from adapters.sdk import MappedPage, Page, Stream

PAGE_SIZE = 50_000


@dataclass(frozen=True, kw_only=True)
class FramePage(Page):
    """A page whose rows are a polars frame (`records` stays empty)."""

    frame: pl.DataFrame

    @property
    def row_count(self) -> int:
        return self.frame.height


@dataclass
class BulkMappedPage(MappedPage):
    """A mapped page plus the page's extension cells (metadata.*, ext_*) as custom fields."""

    custom_fields: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CUSTOM_FIELDS_SCHEMA))


class BulkStream(Stream):
    def __init__(self, bulk: BulkSet, mapping: FileMapping, mode: Mode, page_size: int = PAGE_SIZE) -> None:
        self.name = mapping.file
        self.entity = mapping.entity
        self.mode = mode
        # A delta file holds only changes. `partial` says so whatever the checkpoint (the engine
        # change proposed in docs/adapters/oneroster-csv.md); `incremental` is the flag it reads today.
        self.incremental = mode == "delta"
        self.partial = mode == "delta"
        self._bulk = bulk
        self._mapping = mapping
        self._page_size = page_size

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        frame = await asyncio.to_thread(self._load)
        for start in range(0, frame.height, self._page_size):
            page = frame.slice(start, self._page_size)
            rows = f"rows {page[ROW][0]}-{page[ROW][-1]}"
            yield FramePage(
                records=[], location=f"{self._mapping.file}.csv:{rows}", total=frame.height, frame=page
            )

    def to_canonical(self, page: Page) -> BulkMappedPage:
        if not isinstance(page, FramePage):
            raise TypeError(f"{self.name}: expected a FramePage, got {type(page).__name__}")
        mapped = map_frame(page.frame, self._mapping)
        return BulkMappedPage(mapped.frame, mapped.rejects, mapped.deleted_ids, mapped.custom_fields)

    def fingerprint(self) -> str | None:
        return stream_fingerprint(self._bulk, self.name, self._mapping.file, self.entity)

    def _load(self) -> pl.DataFrame:
        file = self._mapping.file
        # The same files the fingerprint covers: what the set has of those this file joins.
        present = [f for f in JOINS.get(file, ()) if self._bulk.uses(f)]
        return load_file(self._bulk.source, file, present=present)
