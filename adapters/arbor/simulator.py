"""An Arbor school site serving a synthetic district, for tests and `satchel demo`.

`ArborSimulator` holds the state tests poke at: the rendered objects, a revision counter and a
changelog per resource (`update`, `delete`, `create` each add a revision), the credentials, and a
log of when each request arrived and how many were in flight (to check rate limits).
`create_app` wraps it in a FastAPI app speaking the dialect of `dialect.py`: HTTP Basic (401 with
a JSON error), `page-number`/`page-size` list paging of references, one object per href, and
`/rest-v2/{resource}/changelog` by `since-revision` or `filters.changeDatetime.after`.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.arbor.dialect import API_ROOT, MODIFIED, RESOURCES, REVISION, format_datetime, parse_datetime
from adapters.arbor.sim_render import Record, ref, render_site
from hub.synthetic import SyntheticDistrict

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Change:
    revision: int
    change_type: str
    record_id: str
    at: datetime


@dataclass
class RequestLog:
    """When each request arrived (monotonic seconds) and the most ever in flight at once."""

    arrivals: list[float] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def max_in_window(self, window: float) -> int:
        """The most requests that arrived within any `window` seconds."""
        times = sorted(self.arrivals)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best


class ArborSimulator:
    def __init__(
        self, district: SyntheticDistrict, *, username: str, password: str, school_id: str | None = None
    ) -> None:
        self.username = username
        self.password = password
        self.school_id = school_id
        self.log = RequestLog()
        self._lock = threading.Lock()  # the server thread serves; the test thread edits
        self.district = district

    @property
    def district(self) -> SyntheticDistrict:
        return self._district

    @district.setter
    def district(self, district: SyntheticDistrict) -> None:
        """Serve another district from scratch: every object created anew, in order of modification."""
        with self._lock:
            self._district = district
            self.objects = render_site(district, self.school_id)
            self.changes: dict[str, list[Change]] = {path: [] for path in RESOURCES}
            self.revision = 0
            everything = [
                (obj[MODIFIED], path, rid) for path, objs in self.objects.items() for rid, obj in objs.items()
            ]
            for stamp, path, rid in sorted(everything):
                self._record(path, rid, "created", parse_datetime(stamp))

    def _record(self, path: str, record_id: str, change_type: str, at: datetime) -> None:
        self.revision += 1
        self.changes[path].append(Change(self.revision, change_type, record_id, at))
        if change_type != "deleted":
            self.objects[path][record_id][REVISION] = self.revision

    def _next_stamp(self) -> datetime:
        """A modification time after every existing one (the changelog's clock only moves forward)."""
        latest = max((c[-1].at for c in self.changes.values() if c), default=datetime(2020, 1, 1))
        return latest + timedelta(milliseconds=1)

    def update(self, path: str, record_id: str, values: dict[str, Any]) -> datetime:
        """Change fields of an object ("person.legalLastName" reaches into embedded objects)."""
        with self._lock:
            obj = self.objects[path][record_id]
            for dotted, value in values.items():
                *parents, name = dotted.split(".")
                target = obj
                for parent in parents:
                    target = target[parent]
                target[name] = value
            at = self._next_stamp()
            obj[MODIFIED] = format_datetime(at)
            self._record(path, record_id, "updated", at)
            return at

    def create(self, path: str, record_id: str, values: dict[str, Any]) -> datetime:
        with self._lock:
            at = self._next_stamp()
            obj = ref(path, record_id)
            obj.update(values)
            obj[MODIFIED] = format_datetime(at)
            self.objects[path][record_id] = obj
            self._record(path, record_id, "created", at)
            return at

    def delete(self, path: str, record_id: str) -> None:
        with self._lock:
            del self.objects[path][record_id]
            self._record(path, record_id, "deleted", self._next_stamp())

    # -- serving -------------------------------------------------------------------------------------
    def authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.username) & secrets.compare_digest(password, self.password)

    def list_page(self, path: str, number: int, size: int) -> list[Record]:
        with self._lock:
            objs = list(self.objects[path].values())
        chosen = objs[(number - 1) * size : number * size]
        return [{k: o[k] for k in ("entityType", "id", "href", "displayName")} for o in chosen]

    def get(self, path: str, record_id: str) -> Record | None:
        with self._lock:
            return self.objects[path].get(record_id)

    def changelog(
        self, path: str, since_revision: int | None, after: datetime | None, size: int
    ) -> list[Record]:
        with self._lock:
            entries = [
                c
                for c in self.changes[path]
                if (since_revision is None or c.revision > since_revision) and (after is None or c.at > after)
            ][:size]
        resource = RESOURCES[path]
        out = []
        for c in entries:
            previous = [
                p.revision
                for p in self.changes[path]
                if p.record_id == c.record_id and p.revision < c.revision
            ]
            out.append(
                {
                    "changedObject": {
                        "entityType": resource.entity_type,
                        "id": c.record_id,
                        "href": resource.href(c.record_id),
                    },
                    "changeType": c.change_type,
                    "fromRevision": max(previous, default=0),
                    "toRevision": c.revision,
                    "changeDatetime": format_datetime(c.at),
                }
            )
        return out


class _Guard:
    """Logs each request's arrival and concurrency, and answers 401 to wrong Basic credentials."""

    def __init__(self, app: ASGIApp, simulator: ArborSimulator) -> None:
        self.app = app
        self.sim = simulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        log = self.sim.log
        log.arrivals.append(time.monotonic())
        log.in_flight += 1
        log.max_in_flight = max(log.max_in_flight, log.in_flight)
        try:
            header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            if not self.sim.authorised(header):
                response = _error(
                    401, "Invalid credentials for the API user", **{"WWW-Authenticate": 'Basic realm="Arbor"'}
                )
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)
        finally:
            log.in_flight -= 1


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return value


def create_app(
    district: SyntheticDistrict,
    *,
    username: str,
    password: str,
    school_id: str | None = None,
) -> FastAPI:
    sim = ArborSimulator(district, username=username, password=password, school_id=school_id)
    app = FastAPI(title="Arbor simulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.simulator = sim

    # A plain ASGI middleware: BaseHTTPMiddleware would add milliseconds to each of ~1,000 requests.
    app.add_middleware(_Guard, simulator=sim)

    @app.get(API_ROOT + "/{path}/changelog")
    async def changelog(path: str, request: Request) -> Response:
        if path not in RESOURCES:
            return _error(404, f"no resource {path!r}")
        try:
            size = _int(request, "page-size", 100, 1, MAX_PAGE_SIZE)
            raw_since = request.query_params.get("since-revision")
            since = int(raw_since) if raw_since is not None else None
            raw_after = request.query_params.get("filters.changeDatetime.after")
            after = parse_datetime(raw_after) if raw_after else None
        except ValueError as exc:
            return _error(400, str(exc))
        return JSONResponse({"changes": sim.changelog(path, since, after, size)})

    @app.get(API_ROOT + "/{path}")
    async def listing(path: str, request: Request) -> Response:
        if path not in RESOURCES:
            return _error(404, f"no resource {path!r}")
        try:
            number = _int(request, "page-number", 1, 1, 10**9)
            size = _int(request, "page-size", 20, 1, MAX_PAGE_SIZE)
        except ValueError as exc:
            return _error(400, str(exc))
        return JSONResponse({RESOURCES[path].list_key: sim.list_page(path, number, size)})

    @app.get(API_ROOT + "/{path}/{record_id}")
    async def single(path: str, record_id: str) -> Response:
        resource = RESOURCES.get(path)
        found = sim.get(path, record_id) if resource else None
        if resource is None or found is None:
            return _error(404, f"no {path} object {record_id!r}")
        return JSONResponse({resource.singular_key: found})

    return app


def simulator_of(app: FastAPI) -> ArborSimulator:
    sim = app.state.simulator
    assert isinstance(sim, ArborSimulator)
    return sim
