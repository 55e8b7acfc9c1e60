"""Raw-response capture for troubleshooting ("Log Full Response Payloads").

The sync engine opens a `capture_payloads()` scope around a run of a source that logs payloads;
SourceHttpClient records every response it receives inside that scope. A context variable
carries the scope into every task the adapter starts, so adapters need no code for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

MAX_BODY_BYTES = 1_000_000  # one huge page must not fill the database


@dataclass(frozen=True)
class CapturedPayload:
    url: str
    status: int
    body: str
    truncated: bool


@dataclass
class PayloadLog:
    payloads: list[CapturedPayload] = field(default_factory=list)

    def record(self, url: str, status: int, content: bytes) -> None:
        truncated = len(content) > MAX_BODY_BYTES
        body = content[:MAX_BODY_BYTES].decode("utf-8", errors="replace")
        self.payloads.append(CapturedPayload(url, status, body, truncated))


_current: ContextVar[PayloadLog | None] = ContextVar("satchel_payload_log", default=None)


@contextmanager
def capture_payloads() -> Iterator[PayloadLog]:
    log = PayloadLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def current_log() -> PayloadLog | None:
    return _current.get()
