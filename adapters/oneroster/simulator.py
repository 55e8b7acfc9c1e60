"""A OneRoster REST server that serves a synthetic district, for tests and `satchel demo`.

One app speaks both versions, chosen by path: 1.1 under `/ims/oneroster/v1p1` (OAuth 1.0a
signatures) and 1.2 under `/ims/oneroster/rostering/v1p2` (OAuth 2 bearer tokens from `POST
/token`, with scope checks). Both page with limit/offset (X-Total-Count and Link headers),
understand `filter=` and `fields=`, and serve `/demographics` (birth date, sex) and the gradebook
(`/categories`, `/lineItems`, `/results`; 1.2 under `/ims/oneroster/gradebook/v1p2`, with the
gradebook.readonly scope) from the district's assignments and results.
`OneRosterSimulator` holds the state tests poke at (swap the district, mark records tobedeleted,
expire tokens, read the request log); `create_app` wraps it in a FastAPI app.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
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
from adapters.oneroster.sim_render import RENDERERS, categories_of, category_id, render_user
from adapters.oneroster.versions import API_PATHS, GRADEBOOK_COLLECTIONS, GRADEBOOK_PATHS, Version
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
    "categories": Collection("category", "categories", "category"),
    "lineItems": Collection("assignment", "lineItems", "lineItem"),
    "results": Collection("assignment_result", "results", "result"),
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
        self._renamed: dict[str, tuple[str, datetime]] = {}  # category title → (its sourcedId, when)
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

    def rename_category(self, title: str, new_title: str, at: datetime) -> None:
        """Rename a gradebook category (same sourcedId, modified `at`): its line items now say it."""
        old_id = self._renamed.pop(title, (category_id(title), at))[0]
        self._renamed[new_title] = (old_id, at)
        assignments = self._district.frames["assignment"].with_columns(
            pl.col("category").replace(title, new_title)
        )
        self.district = replace(self._district, frames={**self._district.frames, "assignment": assignments})

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
        frame = self._frame(entity)
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

    def _frame(self, entity: str) -> pl.DataFrame:
        """The canonical rows a collection is rendered from."""
        frames = self._district.frames
        if entity == "demographics":  # only people the source knows a birth date or sex for
            people = frames["person"]
            known = people.filter(pl.col("date_of_birth").is_not_null() | pl.col("gender").is_not_null())
            # Race flags and country of birth come from the demographics entity, when generated;
            # so does the record's stamp (editing a person does not touch their demographics).
            details = frames["demographics"].select(
                "source_record_id", "ethnicity", "country_of_birth", pl.col("source_updated_at").alias("_at")
            )
            # A full join: a demographics record outlives its user if a test removes only the user.
            joined = known.join(
                details, on="source_record_id", how="full", coalesce=True, maintain_order="left_right"
            )
            return joined.with_columns(source_updated_at=pl.coalesce("_at", "source_updated_at"))
        if entity == "category":
            return categories_of(frames["assignment"], self._renamed)
        if entity == "assignment":
            titles = frames[entity]["category"].drop_nulls().unique().to_list()
            ids = {title: self._category_id(title) for title in titles}
            return frames[entity].with_columns(
                pl.col("category")
                .replace_strict(ids, default=None, return_dtype=pl.String)
                .alias("category_id")
            )
        if entity == "assignment_result":  # 1.2 results name their class
            classes = frames["assignment"].select(
                pl.col("source_record_id").alias("assignment_id"), "class_id"
            )
            return frames[entity].join(classes, on="assignment_id", how="left", maintain_order="left")
        return frames[entity]

    def _category_id(self, title: str) -> str:
        return self._renamed[title][0] if title in self._renamed else category_id(title)

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

    def serve(
        self,
        request: Request,
        version: Version,
        collection: str,
        sourced_id: str | None,
        *,
        gradebook: bool = False,
    ) -> Response:
        """`gradebook`: the request came in under 1.2's gradebook service path."""
        _known(collection, version, gradebook=gradebook)
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
        _routes(app, simulator, version, API_PATHS[version])
    if "1.2" in served:
        _routes(app, simulator, "1.2", GRADEBOOK_PATHS["1.2"], gradebook=True)

        @app.post("/token")
        async def token(request: Request) -> JSONResponse:
            return await simulator.tokens.token_response(request)

    return app


def _routes(
    app: FastAPI, simulator: OneRosterSimulator, version: Version, path: str, *, gradebook: bool = False
) -> None:
    service = "gradebook-" if gradebook else ""

    @app.get(path + "/{collection}", name=f"{service}list-{version}")
    async def list_records(request: Request, collection: str) -> Response:
        return simulator.serve(request, version, collection, None, gradebook=gradebook)

    @app.get(path + "/{collection}/{sourced_id}", name=f"{service}one-{version}")
    async def one_record(request: Request, collection: str, sourced_id: str) -> Response:
        return simulator.serve(request, version, collection, sourced_id, gradebook=gradebook)


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


def _known(collection: str, version: Version, *, gradebook: bool) -> None:
    # 1.2 serves rostering and gradebook under separate base paths; 1.1 serves both under one.
    names = [name for name in COLLECTIONS if version == "1.1" or (name in GRADEBOOK_COLLECTIONS) == gradebook]
    if collection not in names:
        raise ImsError(404, "unknownobject", f"no such collection {collection!r}; try {', '.join(names)}")
