"""Helpers shared by the OneRoster CSV tests: read a whole set the way the sync engine does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from adapters.oneroster.bulk import CUSTOM_FIELDS_SCHEMA, PAGE_SIZE, BulkMappedPage, bulk_streams
from adapters.sdk import Reject, Stream

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class ReadSet:
    streams: list[Stream]
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)  # entity → all pages concatenated
    rejects: dict[str, list[Reject]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)
    custom_fields: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CUSTOM_FIELDS_SCHEMA))
    pages: dict[str, int] = field(default_factory=dict)


def read_set(path: Path, *, version: str | None = None, page_size: int = PAGE_SIZE) -> ReadSet:
    return asyncio.run(_read(path, version, page_size))


async def _read(path: Path, version: str | None, page_size: int) -> ReadSet:
    result = ReadSet(bulk_streams(path, version=version, page_size=page_size))
    custom = [result.custom_fields]
    for stream in result.streams:
        name = stream.entity.name  # custom_field: several streams (one per file with extensions)
        frames = [result.frames.get(name, pl.DataFrame(schema=stream.entity.polars_schema()))]
        result.rejects.setdefault(name, [])
        result.deleted.setdefault(name, [])
        result.pages.setdefault(name, 0)
        async for page in stream.read(None):
            mapped = stream.to_canonical(page)
            frames.append(mapped.frame)
            result.rejects[name] += mapped.rejects
            result.deleted[name] += mapped.deleted_ids
            if isinstance(mapped, BulkMappedPage):
                custom.append(mapped.custom_fields)
            result.pages[name] += 1
        result.frames[name] = pl.concat(frames)
    result.custom_fields = pl.concat(custom)
    return result


def column(read: ReadSet, entity: str, name: str) -> list[object]:
    """One column of an entity, in file order."""
    return read.frames[entity][name].to_list()
