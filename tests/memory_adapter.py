"""A tiny adapter over in-memory records, for testing the sync engine without HTTP.

Records are canonical dicts with source ids, keyed by dataset name; a test edits them between runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

import polars as pl
from pydantic import BaseModel
from sqlalchemy import Engine

from adapters.sdk import (
    Capabilities,
    CheckResult,
    MappedPage,
    Page,
    Reject,
    RetryableError,
    SourceAdapter,
    Stream,
    registry,
)
from hub.canonical import ENTITIES_BY_NAME, EntitySpec
from hub.store.sources import add_source

DATASETS: dict[str, dict[str, list[dict[str, Any]]]] = {}
# dataset → entity → page index at which reading fails (a source dying mid-sync)
FAULTS: dict[str, dict[str, int]] = {}


@contextmanager
def memory_source(
    engine: Engine, source: str, dataset: str, records: dict[str, list[dict[str, Any]]], **config: Any
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """`records` served as source `source` by this adapter (registered) while the block runs."""
    registry.register(MemoryAdapter)
    DATASETS[dataset] = records
    with engine.begin() as conn:
        add_source(conn, source, "memory", {"dataset": dataset, **config})
    try:
        yield records
    finally:
        DATASETS.pop(dataset, None)


class MemoryConfig(BaseModel):
    dataset: str
    page_size: int = 2
    partial_entities: list[str] = []  # entities served like a delta file: never the whole set
    page_delay: float = 0.0  # seconds per page, to hold a run open


class MemoryStream(Stream):
    def __init__(self, entity: EntitySpec, config: MemoryConfig) -> None:
        self.name = entity.table
        self.entity = entity
        self.config = config
        self.partial = entity.name in config.partial_entities

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        records = DATASETS[self.config.dataset].get(self.entity.name, [])
        fail_at = FAULTS.get(self.config.dataset, {}).get(self.entity.name)
        size = self.config.page_size
        for n, start in enumerate(range(0, len(records), size)):
            await asyncio.sleep(self.config.page_delay)
            if n == fail_at:
                raise RetryableError(f"HTTP 503 from memory://{self.name}?page={n}")
            yield Page(
                [dict(r) for r in records[start : start + size]],
                f"memory://{self.name}?page={n}",
                len(records),
            )

    def to_canonical(self, page: Page) -> MappedPage:
        good, rejects, deleted = [], [], []
        for record in page.records:
            if record.get("status") == "deleted":
                deleted.append(record["source_record_id"])
            elif not record.get("source_record_id"):
                rejects.append(Reject(None, "source_record_id", "missing record id", page.location))
            else:
                good.append({k: v for k, v in record.items() if k != "status"})
        schema = self.entity.polars_schema()
        return MappedPage(pl.DataFrame(good, schema=schema), rejects, deleted)


class MemoryAdapter(SourceAdapter):
    name: ClassVar[str] = "memory"
    config_model: ClassVar[type[BaseModel]] = MemoryConfig
    capabilities: ClassVar[Capabilities] = Capabilities(entities=tuple(ENTITIES_BY_NAME))

    async def check(self) -> CheckResult:
        return CheckResult(True, "in memory")

    def streams(self) -> Sequence[Stream]:
        assert isinstance(self.config, MemoryConfig)
        config = self.config
        return [
            MemoryStream(spec, config)
            for name, spec in ENTITIES_BY_NAME.items()
            if name in DATASETS[config.dataset]
        ]
