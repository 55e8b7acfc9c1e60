"""The streams a CSV set gives: one per data file present, in dependency order, then one per file
with extension columns (its custom fields)."""

from __future__ import annotations

from pathlib import Path

from adapters.oneroster.bulk.bulkset import STREAM_FILES, open_bulk, require_readable
from adapters.oneroster.bulk.custom_fields import CustomFieldsStream
from adapters.oneroster.bulk.mapping import MAPPINGS
from adapters.oneroster.bulk.stream import PAGE_SIZE, BulkStream
from adapters.sdk import Stream


def bulk_streams(path: Path, *, version: str | None = None, page_size: int = PAGE_SIZE) -> list[Stream]:
    """Streams for every data file of the set at `path` (a .zip or a folder), in dependency order.

    Raises SourceContractError naming every problem (missing file, bad header …) before any read.
    """
    bulk = open_bulk(path, version)
    require_readable(bulk)
    modes = bulk.modes
    files = [f for f in STREAM_FILES if f in modes]
    streams: list[Stream] = [BulkStream(bulk, MAPPINGS[f], modes[f], page_size) for f in files]
    # Extension columns become custom fields, read after every entity they may point at.
    streams += [
        CustomFieldsStream(bulk, MAPPINGS[f], modes[f], page_size)
        for f in files
        if bulk.headers[f].extensions
    ]
    return streams
