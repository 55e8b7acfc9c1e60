"""The adapter contract: a SourceAdapter declares what it can do and hands the engine Streams.

A Stream reads pages of raw records from the source (async, through `SourceHttpClient`) and maps
each page to a polars frame of one canonical entity with a pure `to_canonical`. References in
that frame (school_id and REFERENCE fields) hold the source's own record ids: the sync engine,
not the adapter, turns them into hub ids.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import httpx
import polars as pl
from pydantic import BaseModel

from hub.canonical import EntitySpec


class DeletionDetection(enum.Enum):
    FULL_READ = "full_read"  # a record missing from a complete read is gone
    STATUS_FLAG = "status_flag"  # the source marks deleted records (OneRoster tobedeleted)
    CHANGELOG = "changelog"  # the source publishes deletions in a change feed


@dataclass(frozen=True)
class Capabilities:
    entities: tuple[str, ...]
    incremental_entities: tuple[str, ...] = ()
    deletion_detection: tuple[DeletionDetection, ...] = (DeletionDetection.FULL_READ,)
    rate_limit_per_minute: int = 600


@dataclass(frozen=True)
class Page:
    """Raw records as the source sent them, with where they came from (for error reports)."""

    records: list[dict[str, Any]]
    location: str
    total: int | None = None  # records the whole stream holds, when the source says (progress bars)

    @property
    def row_count(self) -> int:
        """Records on this page (a page may carry them in another form than `records`)."""
        return len(self.records)


@dataclass(frozen=True)
class Reject:
    """A record that could not be mapped, and exactly why."""

    source_record_id: str | None
    field: str | None
    reason: str
    location: str


@dataclass
class MappedPage:
    """A page mapped to canonical form: good rows, rejected rows, and ids the source marked deleted."""

    frame: pl.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class Stream(ABC):
    """One kind of record read from the source, mapped to one canonical entity."""

    name: str
    entity: EntitySpec
    incremental: bool = False  # read(since) can return only what changed since a checkpoint
    partial: bool = False  # the stream never holds every record (a delta file): no deletion by absence

    @abstractmethod
    def read(self, since: datetime | None) -> AsyncIterator[Page]:
        """Yield pages; `since` (only for incremental streams) asks for records changed after it."""

    @abstractmethod
    def to_canonical(self, page: Page) -> MappedPage:
        """Map one page to a frame with `entity.polars_schema()`. Pure: no I/O."""

    def fingerprint(self) -> str | None:
        """A cheap digest of everything a whole read (`read(None)` mapped by `to_canonical`) would
        produce, taken before reading; None (the default) when the stream cannot tell.

        When every stream of an entity gives the fingerprint saved by the last applied run, the
        engine does not read them at all (ADR 7). So it must change whenever the mapped output
        could: the source's bytes, everything joined in from elsewhere, the adapter's code and the
        settings that shape the mapping. A stream that returns one must read the same without the
        other streams having been read.
        """
        return None


class SourceAdapter(ABC):
    """Reads one MIS. Subclasses set the class attributes and implement check() and streams()."""

    name: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]
    capabilities: ClassVar[Capabilities]

    def __init__(self, config: BaseModel, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.transport = transport

    @abstractmethod
    async def check(self) -> CheckResult:
        """The "Test connection" button: reach the source, authenticate, confirm it speaks the dialect."""

    @abstractmethod
    def streams(self) -> Sequence[Stream]:
        """Streams in dependency order (organisations before the records that point at them)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Release connections. The default has nothing to release."""
