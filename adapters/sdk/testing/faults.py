"""Fault injection for source simulators: wrap any ASGI app and break its answers on demand.

    faults = Faults()
    app = FaultInjector(create_app(district, client_id="ck", client_secret="cs"), faults)
    with BackgroundServer(app) as server:
        faults.arm("server_error", path="/users", at=3)  # the 3rd /users request from now: 503
        ... run a sync ...
        assert [f.kind for f in faults.log] == [FaultKind.SERVER_ERROR]

A fault counts the requests it matches (every request, or those whose path contains `path`; with
`whole_path=True`, those whose path is exactly `path`, e.g. a list endpoint but not its items) from
the moment it is armed; it breaks request number `at` and the `times - 1` after it (`times=None`:
every one from `at` on). The first armed fault whose window covers a request breaks it.

Protocol-agnostic: the record-level faults (drop_field, empty_page, duplicate) edit the JSON body's
list of records, found under `key` (searched depth-first; a single object under `key`, as in a
one-record response, counts as a list of one) or, without a key, as the first list of objects in
the body. Status faults (rate_limit, server_error, auth_expired) answer without calling
the app; timeout holds the request until the client gives up (or `delay` passes); truncate cuts
the body in half. Everything the injector did is in `Faults.log`.
"""

from __future__ import annotations

import asyncio
import enum
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class FaultKind(enum.Enum):
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # a 5xx (503 unless `status` says otherwise)
    TIMEOUT = "timeout"  # no answer for `delay` seconds (longer than the client waits)
    TRUNCATE = "truncate"  # the body cut in half: no longer valid JSON
    DROP_FIELD = "drop_field"  # `field` removed from every record (or renamed to `rename_to`)
    EMPTY_PAGE = "empty_page"  # the records list comes back empty, headers untouched
    DUPLICATE = "duplicate"  # the previous page's last `count` records repeated at the front
    AUTH_EXPIRED = "auth_expired"  # 401, as when a token expires mid-run


STATUS_FAULTS = frozenset({FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.AUTH_EXPIRED})
RECORD_FAULTS = frozenset({FaultKind.DROP_FIELD, FaultKind.EMPTY_PAGE, FaultKind.DUPLICATE})


@dataclass
class Fault:
    """One armed fault. Build it with `Faults.arm`."""

    kind: FaultKind
    at: int = 1
    times: int | None = 1
    path: str | None = None
    whole_path: bool = False
    status: int = 503
    retry_after: float | None = 1.0
    delay: float = 5.0
    key: str | None = None
    field: str | None = None
    rename_to: str | None = None
    count: int = 2
    seen: int = 0  # matching requests since armed
    fired: int = 0  # requests this fault broke

    def matches(self, path: str) -> bool:
        if self.path is None:
            return True
        return path == self.path if self.whole_path else self.path in path

    def covers(self, number: int) -> bool:
        """Whether the `number`-th matching request falls in this fault's window."""
        return number >= self.at and (self.times is None or number < self.at + self.times)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.seen >= self.at + self.times - 1


@dataclass(frozen=True)
class FiredFault:
    """A record of one broken request: which fault, which request (1-based, overall), what it did."""

    kind: FaultKind
    request: int
    path: str
    detail: str = ""


@dataclass
class Faults:
    """The switches: arm faults, clear them, read what fired. Safe to use from the test's thread
    while the app runs in a server thread."""

    armed: list[Fault] = field(default_factory=list)
    log: list[FiredFault] = field(default_factory=list)
    requests: int = 0  # every HTTP request the injector has seen
    _previous: dict[str, list[Any]] = field(default_factory=dict)  # path → last page's records
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def arm(
        self,
        kind: FaultKind | str,
        *,
        at: int = 1,
        times: int | None = 1,
        path: str | None = None,
        whole_path: bool = False,
        status: int = 503,
        retry_after: float | None = 1.0,
        delay: float = 5.0,
        key: str | None = None,
        field: str | None = None,
        rename_to: str | None = None,
        count: int = 2,
    ) -> Fault:
        kind = FaultKind(kind)
        if at < 1 or (times is not None and times < 1):
            raise ValueError("`at` and `times` count requests from 1")
        if kind is FaultKind.DROP_FIELD and not field:
            raise ValueError("a drop_field fault needs the `field` to drop")
        fault = Fault(
            kind,
            at,
            times,
            path,
            whole_path,
            status,
            retry_after,
            delay,
            key,
            field,
            rename_to,
            max(1, count),
        )
        with self._lock:
            self.armed.append(fault)
        return fault

    def clear(self) -> None:
        """Disarm every fault and forget what fired (the request counter keeps counting)."""
        with self._lock:
            self.armed.clear()
            self.log.clear()
            self._previous.clear()

    def fired(self, kind: FaultKind | str | None = None) -> list[FiredFault]:
        wanted = FaultKind(kind) if kind is not None else None
        with self._lock:
            return [f for f in self.log if wanted is None or f.kind is wanted]

    def _take(self, path: str) -> tuple[int, Fault | None, bool]:
        """Count a request; return its number, the fault that breaks it, and whether to remember
        its records (a later duplicate fault on this path will repeat them)."""
        with self._lock:
            self.requests += 1
            chosen: Fault | None = None
            for fault in self.armed:
                if not fault.matches(path):
                    continue
                fault.seen += 1
                if chosen is None and fault.covers(fault.seen):
                    fault.fired += 1
                    chosen = fault
            remember = any(
                f.kind is FaultKind.DUPLICATE and f.matches(path) and not f.exhausted for f in self.armed
            ) or (chosen is not None and chosen.kind is FaultKind.DUPLICATE)
            return self.requests, chosen, remember

    def _record(self, fired: FiredFault) -> None:
        with self._lock:
            self.log.append(fired)

    def _swap_previous(self, path: str, records: list[Any]) -> list[Any]:
        with self._lock:
            previous = self._previous.get(path, [])
            self._previous[path] = list(records)
            return previous


class FaultInjector:
    """ASGI middleware: `FaultInjector(app, faults)`. Unknown attributes (e.g. FastAPI's `state`,
    which simulators keep their state on) are read through to the wrapped app."""

    def __init__(self, app: ASGIApp, faults: Faults | None = None) -> None:
        self.app = app
        self.faults = faults if faults is not None else Faults()

    def __getattr__(self, name: str) -> Any:
        if name == "app":  # not yet set: avoid recursing while unpickling or copying
            raise AttributeError(name)
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        number, fault, remember = self.faults._take(path)
        if fault is not None and fault.kind in STATUS_FAULTS:
            self.faults._record(FiredFault(fault.kind, number, path, f"HTTP {_status_of(fault)}"))
            await _send_status(send, fault)
            return
        if fault is not None and fault.kind is FaultKind.TIMEOUT:
            receive, gone = await _hold(receive, fault.delay)
            self.faults._record(
                FiredFault(fault.kind, number, path, "client gave up" if gone else f"held {fault.delay}s")
            )
            if gone:
                return  # nobody is listening any more
        if fault is None and not remember:
            await self.app(scope, receive, send)
            return
        start, body = await _capture(self.app, scope, receive)
        if fault is not None and fault.kind is FaultKind.TRUNCATE:
            body = body[: len(body) // 2]
            self.faults._record(FiredFault(fault.kind, number, path, f"body cut to {len(body)} bytes"))
        elif (fault is not None and fault.kind in RECORD_FAULTS) or remember:
            body = self._edit_records(fault, number, path, body)
        await _replay(send, start, body)

    def _edit_records(self, fault: Fault | None, number: int, path: str, body: bytes) -> bytes:
        try:
            document = json.loads(body)
        except ValueError:
            if fault is not None and fault.kind in RECORD_FAULTS:
                self.faults._record(FiredFault(fault.kind, number, path, "body is not JSON: left as is"))
            return body
        records = find_records(document, fault.key if fault is not None else None)
        if records is None:
            if fault is not None and fault.kind in RECORD_FAULTS:
                self.faults._record(FiredFault(fault.kind, number, path, "no list of records: left as is"))
            return body
        original = list(records)
        detail = ""
        if fault is not None and fault.kind is FaultKind.EMPTY_PAGE:
            detail = f"emptied a page of {len(records)} records"
            records.clear()
        elif fault is not None and fault.kind is FaultKind.DROP_FIELD:
            touched = 0
            for record in records:
                if isinstance(record, dict) and fault.field in record:
                    value = record.pop(fault.field)
                    if fault.rename_to:
                        record[fault.rename_to] = value
                    touched += 1
            verb = f"renamed to {fault.rename_to!r}" if fault.rename_to else "removed"
            detail = f"{fault.field!r} {verb} in {touched} records"
        previous = self.faults._swap_previous(path, original)
        if fault is not None and fault.kind is FaultKind.DUPLICATE:
            repeated = previous[-fault.count :]
            records[:0] = repeated
            detail = f"repeated {len(repeated)} records of the previous page"
        if fault is not None and fault.kind in RECORD_FAULTS:
            self.faults._record(FiredFault(fault.kind, number, path, detail))
        return json.dumps(document).encode()


def find_records(document: Any, key: str | None = None) -> list[Any] | None:
    """The list of records in a JSON body: under `key` (depth-first), or the first list of objects."""
    if isinstance(document, list):
        return document if key is None else None
    if not isinstance(document, dict):
        return None
    for name, value in document.items():
        if key is not None and name == key and isinstance(value, dict):
            return [value]  # one record (edited in place through this list)
        if isinstance(value, list) and (
            name == key if key is not None else all(isinstance(v, dict) for v in value)
        ):
            return value
    for value in document.values():
        found = find_records(value, key) if isinstance(value, dict) else None
        if found is not None:
            return found
    return None


def _status_of(fault: Fault) -> int:
    return {FaultKind.RATE_LIMIT: 429, FaultKind.AUTH_EXPIRED: 401}.get(fault.kind, fault.status)


async def _send_status(send: Send, fault: Fault) -> None:
    status = _status_of(fault)
    messages = {429: "rate limit exceeded", 401: "access token expired"}
    body = json.dumps({"error": f"{messages.get(status, 'server error')} (injected fault)"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.kind is FaultKind.RATE_LIMIT and fault.retry_after is not None:
        value = fault.retry_after
        headers.append((b"retry-after", (str(int(value)) if value == int(value) else str(value)).encode()))
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer error="invalid_token"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _hold(receive: Receive, delay: float) -> tuple[Receive, bool]:
    """Read the request, then wait `delay` seconds or until the client disconnects.

    Returns a `receive` that replays the request for the app, and whether the client went away.
    """
    request: list[Message] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return receive, True
        request.append(message)
        if not message.get("more_body", False):
            break
    waiter = asyncio.ensure_future(receive())
    try:
        done, _ = await asyncio.wait({waiter}, timeout=delay)
    finally:
        if not waiter.done():
            waiter.cancel()
    if done and waiter.result()["type"] == "http.disconnect":
        return receive, True
    replay: Iterator[Message] = iter(request)

    async def replaying() -> Message:
        return next(replay, None) or await receive()

    return replaying, False


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """Run the app and keep its whole response: the start message and the body."""
    start: Message = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = dict(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(chunks)


async def _replay(send: Send, start: Message, body: bytes) -> None:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})
