"""A bench-only adapter: one school system's files read as one source — its OneRoster CSV bulk
set and, when configured, a CSV export of its attendance register.

Marks point at students and classes, and hub ids are derived from (source, table, source id), so
the marks must belong to the source that holds the roster, as they do in an MIS that exports
both. The bench syncs the roster first, then adds the export: the roster streams fingerprint as
they did and are skipped (ADR 7), so the second run ingests the marks alone. Registered in the
bench's own processes only (`register`); the hub never lists it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import httpx
from pydantic import BaseModel, ConfigDict

from adapters.oneroster import bulk
from adapters.sdk import (
    AdapterError,
    Capabilities,
    CheckResult,
    SourceAdapter,
    Stream,
    registry,
)
from bench.attendance_stream import AttendanceStream

NAME = "bench-files"


class FilesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str  # the OneRoster CSV bulk set (a .zip or a folder)
    attendance: str | None = None  # the attendance export (bench.attendance_file); None: roster only


class FilesAdapter(SourceAdapter):
    name = NAME
    config_model = FilesConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        entities=(
            "organisation",
            "academic_session",
            "course",
            "class",
            "person",
            "enrollment",
            "attendance_mark",
        )
    )

    def __init__(self, config: BaseModel, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        if not isinstance(config, FilesConfig):
            raise TypeError("FilesAdapter needs a FilesConfig")
        self.settings = config

    def streams(self) -> Sequence[Stream]:
        streams = bulk.bulk_streams(Path(self.settings.path))
        if self.settings.attendance is not None:
            streams.append(AttendanceStream(Path(self.settings.attendance)))
        return streams

    async def check(self) -> CheckResult:
        result = bulk.check(Path(self.settings.path))
        if not result.ok or self.settings.attendance is None:
            return result
        try:
            AttendanceStream(Path(self.settings.attendance)).require_columns()
        except AdapterError as exc:
            return CheckResult(ok=False, message=str(exc), details=result.details)
        return CheckResult(ok=True, message=f"{result.message}; attendance export", details=result.details)


def register() -> None:
    registry.register(FilesAdapter)
