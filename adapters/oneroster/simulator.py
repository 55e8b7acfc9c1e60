"""A OneRoster REST server that serves a synthetic district, for tests and `satchel demo`.

One app speaks both versions, chosen by path: 1.1 under `/ims/oneroster/v1p1` (OAuth 1.0a
signatures) and 1.2 under `/ims/oneroster/rostering/v1p2` (OAuth 2 bearer tokens from `POST
/token`, with scope checks). Both page with limit/offset (X-Total-Count and Link headers),
understand `filter=` and `fields=`, and serve `/demographics` (birth date, sex).
`OneRosterSimulator` holds the state tests poke at (swap the district, mark records tobedeleted,
expire tokens, read the request log); `create_app` wraps it in a FastAPI app.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import polars as pl
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from adapters.oneroster.client import format_datetime
from adapters.oneroster.sim_auth import ALL_SCOPES, OAuth1Verifier, TokenIssuer
from adapters.oneroster.sim_query import (
    ImsError,
    int_param,
    parse_fields,
    parse_filter,
    select_fields,
)
from adapters.oneroster.sim_render import RENDERERS, render_user
from adapters.oneroster.versions import API_PATHS, Version
from hub.synthetic import SyntheticDistrict

__all__ = ["ImsError", "OneRosterSimulator", "create_app", "parse_filter", "simulator_of"]

Record = dict[str, Any]


def _has_role(record: Record, role: str) -> bool:
    return record.get("role") == role or any(r.get("role") == role for r in record.get("roles", ()))


@dataclass(frozen=True)
class Collection:
    entity: str
    key: str  # the list's key in a response
    singular: str  # the record's key in a single-record response
    where: Callable[[Record], bool] | None = None


COLLECTIONS: dict[str, Collection] = {
    "orgs": Collection("organisation", "orgs", "org"),
    "schools": Collection("organisation", "orgs", "org", lambda r: r["type"] == "school"),
    "academicSessions": Collection("academic_session", "academicSessions", "academicSession"),
    "terms": Collection(
        "academic_session", "academicSessions", "academicSession", lambda r: r["type"] == "term"
    ),
    "courses": Collection("course", "courses", "course"),
    "classes": Collection("class", "classes", "class"),
    "users": Collection("person", "users", "user"),
    "students": Collection("person", "users", "user", lambda r: _has_role(r, "student")),
    "teachers": Collection("person", "users", "user", lambda r: _has_role(r, "teacher")),
    "demographics": Collection("demographics", "demographics", "demographics"),
    "enrollments": Collection("enrollment", "enrollments", "enrollment"),
}
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class Logged:
    """One data request as the simulator saw it (for tests: what did the adapter ask for?)."""

    version: Version
    collection: str
    params: dict[str, str]


class OneRosterSimulator:
    def __init__(
        self,
        district: SyntheticDistrict,
        *,
        client_id: str,
        client_secret: str,
        scopes: Iterable[str] = ALL_SCOPES,
        token_lifetime: float = 3600.0,
        max_clock_skew: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock
        self.oauth1 = OAuth1Verifier(client_id, client_secret, max_clock_skew=max_clock_skew, clock=clock)
        self.tokens = TokenIssuer(
            client_id, client_secret, granted=scopes, lifetime=token_lifetime, clock=clock
        )
        self.requests = 0
        self.log: deque[Logged] = deque(maxlen=2000)
        self._deleted: dict[str, dict[str, datetime]] = {}  # entity → sourcedId → when marked
        self.district = district

    @property
    def district(self) -> SyntheticDistrict:
        return self._district

    @district.setter
    def district(self, district: SyntheticDistrict) -> None:
        """Swap in another district (e.g. `district.with_edits(...)`); marks of deletion are kept."""
        self._district = district
        self._rendered: dict[tuple[Version, str], tuple[list[Record], list[datetime]]] = {}
        self._filtered: dict[tuple[Version, str, str], list[Record]] = {}

    def mark_deleted(self, entity: str, ids: Iterable[str], at: datetime | None = None) -> None:
        """Serve these records with status "tobedeleted", modified `at` (default: now, to the ms)."""
        entity = COLLECTIONS[entity].entity if entity in COLLECTIONS else entity
        when = at or datetime.fromtimestamp(round(self.clock(), 3), UTC)
        self._deleted.setdefault(entity, {}).update(dict.fromkeys(ids, when))
        self.district = self._district  # drop cached renderings

    def clear_deleted(self) -> None:
        """Serve every record as active again."""
        self._deleted.clear()
        self.district = self._district

    # -- records ---------------------------------------------------------------------------------
    def records(self, entity: str, version: Version = "1.1") -> tuple[list[Record], list[datetime]]:
        """Rendered records of an entity and, alongside, each one's dateLastModified."""
        if (version, entity) not in self._rendered:
            self._rendered[version, entity] = self._render(entity, version)
        return self._rendered[version, entity]

    def _render(self, entity: str, version: Version) -> tuple[list[Record], list[datetime]]:
        deleted = self._deleted.get(entity, {})
        frame = self._district.frames["person" if entity == "demographics" else entity]
        if entity == "demographics":  # only people the source knows a birth date or sex for
            frame = frame.filter(pl.col("date_of_birth").is_not_null() | pl.col("gender").is_not_null())
        extra_orgs = _contact_orgs(frame) if entity == "person" else {}
        rows, modified = [], []
        for row in frame.iter_rows(named=True):
            if entity == "person":
                record = render_user(row, version, extra_orgs.get(row["source_record_id"]))
            else:
                record = RENDERERS[entity](row, version)
            when = row["source_updated_at"]
            if row["source_record_id"] in deleted:
                record["status"] = "tobedeleted"
                when = deleted[row["source_record_id"]]
            record["dateLastModified"] = format_datetime(when)
            rows.append(record)
            modified.append(when)
        return rows, modified

    def select(self, collection: str, filter_: str | None, version: Version = "1.1") -> list[Record]:
        spec = COLLECTIONS[collection]
        key = (version, collection, filter_ or "")
        if key not in self._filtered:
            rows, modified = self.records(spec.entity, version)
            predicate = parse_filter(filter_) if filter_ else None
            if len(self._filtered) > 32:
                self._filtered.clear()
            self._filtered[key] = [
                r
                for r, m in zip(rows, modified, strict=True)
                if (spec.where is None or spec.where(r)) and (predicate is None or predicate(r, m))
            ]
        return self._filtered[key]

    # -- HTTP ------------------------------------------------------------------------------------
    def authenticate(self, request: Request, version: Version, collection: str) -> None:
        if version == "1.1":
            self.oauth1.verify(request)
        else:
            self.tokens.authorize(request, collection)

    def list_response(self, request: Request, collection: str, version: Version = "1.1") -> Response:
        q = request.query_params
        limit = min(int_param(q.get("limit"), "limit", default=100, minimum=1), MAX_LIMIT)
        offset = int_param(q.get("offset"), "offset", default=0, minimum=0)
        fields = parse_fields(q.get("fields"))
        # sort / orderBy are accepted and ignored: order is the district's own.
        records = self.select(collection, q.get("filter"), version)
        total = len(records)
        links = []
        if offset + limit < total:
            links.append(
                f'<{request.url.include_query_params(limit=limit, offset=offset + limit)}>; rel="next"'
            )
        last = max(0, (total - 1) // limit * limit)
        links.append(f'<{request.url.include_query_params(limit=limit, offset=last)}>; rel="last"')
        body = {COLLECTIONS[collection].key: select_fields(records[offset : offset + limit], fields)}
        return Response(
            orjson.dumps(body),
            media_type="application/json",
            headers={"X-Total-Count": str(total), "Link": ", ".join(links)},
        )

    def record_response(
        self, request: Request, collection: str, sourced_id: str, version: Version = "1.1"
    ) -> Response:
        fields = parse_fields(request.query_params.get("fields"))
        for record in self.select(collection, None, version):
            if record["sourcedId"] == sourced_id:
                body = {COLLECTIONS[collection].singular: select_fields([record], fields)[0]}
                return Response(orjson.dumps(body), media_type="application/json")
        raise ImsError(404, "unknownobject", f"no {COLLECTIONS[collection].singular} {sourced_id!r}")

    def serve(self, request: Request, version: Version, collection: str, sourced_id: str | None) -> Response:
        _known(collection)
        self.requests += 1
        self.log.append(Logged(version, collection, dict(request.query_params)))
        self.authenticate(request, version, collection)
        if sourced_id is None:
            return self.list_response(request, collection, version)
        return self.record_response(request, collection, sourced_id, version)


def create_app(
    district: SyntheticDistrict,
    *,
    client_id: str,
    client_secret: str,
    scopes: Iterable[str] = ALL_SCOPES,
    token_lifetime: float = 3600.0,
    versions: Iterable[Version] = ("1.1", "1.2"),
) -> FastAPI:
    """The simulator as an ASGI app; its state is `app.state.simulator` (a OneRosterSimulator).

    `scopes` are what the 1.2 client may be granted; `versions` the API paths served.
    """
    simulator = OneRosterSimulator(
        district,
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        token_lifetime=token_lifetime,
    )
    app = FastAPI(title="OneRoster simulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.simulator = simulator

    @app.exception_handler(ImsError)
    async def ims_error(request: Request, exc: ImsError) -> JSONResponse:
        return exc.response()

    served = tuple(versions)
    for version in served:
        _routes(app, simulator, version)
    if "1.2" in served:

        @app.post("/token")
        async def token(request: Request) -> JSONResponse:
            return await simulator.tokens.token_response(request)

    return app


def _routes(app: FastAPI, simulator: OneRosterSimulator, version: Version) -> None:
    path = API_PATHS[version]

    @app.get(path + "/{collection}", name=f"list-{version}")
    async def list_records(request: Request, collection: str) -> Response:
        return simulator.serve(request, version, collection, None)

    @app.get(path + "/{collection}/{sourced_id}", name=f"one-{version}")
    async def one_record(request: Request, collection: str, sourced_id: str) -> Response:
        return simulator.serve(request, version, collection, sourced_id)


def simulator_of(app: object) -> OneRosterSimulator:
    """The state behind an app made by create_app (typed loosely: callers often hold a plain ASGI app)."""
    simulator = getattr(getattr(app, "state", None), "simulator", None)
    if not isinstance(simulator, OneRosterSimulator):
        raise TypeError("not an app made by adapters.oneroster.simulator.create_app")
    return simulator


def _contact_orgs(people: pl.DataFrame) -> dict[str, list[str]]:
    """Contacts belong to the schools of all their students; the first is their own school_id."""
    school = dict(zip(people["source_record_id"].to_list(), people["school_id"].to_list(), strict=True))
    extra: dict[str, list[str]] = {}
    contacts = people.filter(pl.col("role") == "contact").select("source_record_id", "school_id", "agent_ids")
    for contact, own, agents in contacts.iter_rows():
        others = [school[a] for a in agents if school.get(a) not in (None, own)]
        if others:
            extra[contact] = list(dict.fromkeys(others))
    return extra


def _known(collection: str) -> None:
    if collection not in COLLECTIONS:
        raise ImsError(
            404, "unknownobject", f"no such collection {collection!r}; try {', '.join(COLLECTIONS)}"
        )
