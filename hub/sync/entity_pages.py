"""One entity's read, page by page: the pages themselves (held or on disk, staging.py) and what
the digests and the diff need of every row, which stays in memory: its source record id and the
polars row hash of its id and content (ADR 9).

Rows are known by their position in the read. The engine diffs positions (the rows it hashed)
and writes positions (the rows that changed), loading one page at a time, so no step holds the
whole read's columns at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl

from adapters.sdk import SourceContractError
from hub.canonical import EntitySpec
from hub.sync.prepare import content_columns, with_content_hash
from hub.sync.staging import PageStore, StagedPage

ROW = "row"  # a row's position in the entity's read
_ROW_TYPE = pl.UInt32  # 4 billion rows a read: more than any school's term holds


@dataclass
class EntityPages:
    spec: EntitySpec
    store: PageStore
    pages: list[StagedPage] = field(default_factory=list)
    _ids: list[pl.Series] = field(default_factory=list)
    _row_hashes: list[pl.Series] = field(default_factory=list)
    rows: int = 0

    def add(self, frame: pl.DataFrame, location: str) -> None:
        """Keep one mapped page (read at `location`), cast to the entity's schema: a page of
        nulls may come typed Null."""
        if not frame.height:
            return
        frame = conformed(self.spec, frame, location)
        self._ids.append(frame["source_record_id"])
        # Of what the diff compares, so a read whose only news is new timestamps is skipped as
        # the diff would find it: unchanged (digests.py, buckets.py).
        self._row_hashes.append(frame.select("source_record_id", *content_columns(self.spec)).hash_rows())
        self.pages.append(self.store.add(frame, self.rows))
        self.rows += frame.height

    def take_ids(self) -> pl.Series:
        """Every row's source record id, in read order. Handed over, not kept: once the diff has
        used them they are freed, before the apply (a term of marks: ~200 MiB)."""
        ids, self._ids = self._ids, []
        return _joined(ids, pl.Series("source_record_id", [], dtype=pl.String))

    def take_row_hashes(self) -> pl.Series:
        """Every row's polars row hash, in read order (digests.py, buckets.py); handed over."""
        hashes, self._row_hashes = self._row_hashes, []
        return _joined(hashes, pl.Series("row_hash", [], dtype=pl.UInt64))

    def content_hashes(self, rows: pl.Series) -> pl.Series:
        """The content hash of each row at these ascending positions, hashed page by page
        (prepare.with_content_hash)."""
        parts = [
            with_content_hash(self.spec, part)["content_hash"]
            for part in self._picked(pl.DataFrame({ROW: rows.cast(_ROW_TYPE)}))
        ]
        return pl.concat(parts) if parts else pl.Series("content_hash", [], dtype=pl.String)

    def picked(self, chosen: pl.DataFrame) -> Iterator[pl.DataFrame]:
        """Page by page, the rows at `chosen`'s ROW positions (ascending), with `chosen`'s other
        columns beside each."""
        for part in self._picked(chosen):
            yield part.drop(ROW)

    def _picked(self, chosen: pl.DataFrame) -> Iterator[pl.DataFrame]:
        positions = chosen[ROW]
        starts = [page.first_row for page in self.pages] + [self.rows]
        bounds = positions.search_sorted(pl.Series(starts, dtype=_ROW_TYPE), side="left").to_list()
        for page, start, end in zip(self.pages, bounds, bounds[1:], strict=False):
            if start == end:
                continue
            frame = self.store.load(page)
            wanted = chosen.slice(start, end - start)
            if wanted.height < page.height:
                frame = frame.select(pl.all().gather(wanted[ROW] - page.first_row))
            yield pl.concat([frame, wanted], how="horizontal")


def conformed(spec: EntitySpec, frame: pl.DataFrame, location: str) -> pl.DataFrame:
    """The entity's columns in its types (the adapter contract's frame)."""
    try:
        return frame.select(pl.col(name).cast(dtype) for name, dtype in spec.polars_schema().items())
    except pl.exceptions.PolarsError as exc:
        raise SourceContractError(
            f"{location}: the adapter mapped a page that does not fit the {spec.name} schema "
            f"(an adapter bug; nothing was applied): {exc}"
        ) from exc


def _joined(parts: list[pl.Series], empty: pl.Series) -> pl.Series:
    return pl.concat(parts, rechunk=False) if parts else empty
