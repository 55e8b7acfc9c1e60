"""Read one CSV file of a set into a frame of strings, columns named as the 1.1/1.2 binding names them.

Everything is read as a string (`infer_schema=False`) and typed later with polars expressions, so a
stray value can be quarantined with its row instead of failing the file. Cells are trimmed and an
empty cell is null, whether it was quoted or not. `_row` is the row a person sees in a spreadsheet
(header = row 1); with a line break inside a quoted cell it differs from the physical line.
"""

from __future__ import annotations

import io

import polars as pl

from adapters.oneroster.bulk.headers import Headers, known_columns, resolve_headers
from adapters.oneroster.bulk.source import BulkSource
from adapters.sdk import SourceContractError

ROW = "_row"


def read_headers(source: BulkSource, file: str) -> Headers:
    """Resolve a file's header row without reading the rest of it."""
    line = source.head(f"{file}.csv").split(b"\n", 1)[0]  # the sample may end mid-row: parse line 1 only
    if not line.strip(b"\xef\xbb\xbf \r\n"):
        raise SourceContractError(f"{file}.csv is empty: no header row")
    first = pl.read_csv(io.BytesIO(line), infer_schema=False, n_rows=0)
    return resolve_headers(file, [_clean_header(c) for c in first.columns])


def read_file(source: BulkSource, file: str) -> tuple[pl.DataFrame, Headers]:
    """All rows of `<file>.csv` as trimmed strings (null when empty), plus `_row` and every known column."""
    data = source.read(f"{file}.csv")
    if not data.strip(b"\xef\xbb\xbf \r\n"):
        raise SourceContractError(f"{file}.csv is empty: no header row")
    try:
        raw = pl.read_csv(io.BytesIO(data), infer_schema=False, row_index_name=ROW, row_index_offset=2)
    except pl.exceptions.PolarsError as exc:
        raise SourceContractError(f"{file}.csv cannot be read as CSV: {exc}") from exc
    headers = resolve_headers(file, [_clean_header(c) for c in raw.columns if c != ROW])
    sent = {c: _clean_header(c) for c in raw.columns if c != ROW}
    names = {c: headers.renames.get(h, h) for c, h in sent.items()}
    frame = raw.rename(names).with_columns(
        pl.col(ROW).cast(pl.Int64),
        *(_cleaned(c) for c in names.values()),
    )
    missing = [c for c in known_columns(file) if c not in frame.columns]
    return frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing), headers


def _clean_header(header: str) -> str:
    return header.lstrip("\ufeff").strip().strip('"').strip()


def _cleaned(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().replace("", None).alias(column)
