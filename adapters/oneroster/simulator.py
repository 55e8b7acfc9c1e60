"""A OneRoster 1.1 REST server that serves a synthetic district, for tests and `satchel demo`.

It renders the canonical frames in the 1.1 JSON binding, pages with limit/offset (X-Total-Count
and Link headers), understands `filter=dateLastModified>'…'`, and verifies two-legged OAuth 1.0a
HMAC-SHA1 signatures with authlib. `OneRosterSimulator` holds the state tests poke at (swap the
district, mark records tobedeleted); `create_app` wraps it in a FastAPI app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

import orjson
import polars as pl
from authlib.common.urls import url_decode
from authlib.oauth1.rfc5849.signature import verify_hmac_sha1
from authlib.oauth1.rfc5849.util import unescape
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from adapters.oneroster import vocab
from adapters.oneroster.client import API_PATH, format_datetime
from hub.synthetic import SyntheticDistrict

Record = dict[str, Any]


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
    "students": Collection("person", "users", "user", lambda r: r["role"] == "student"),
    "teachers": Collection("person", "users", "user", lambda r: r["role"] == "teacher"),
    "enrollments": Collection("enrollment", "enrollments", "enrollment"),
}
ENTITY_COLLECTION = {"organisation": "orgs", "academic_session": "academicSessions", "course": "courses",
                     "class": "classes", "person": "users", "enrollment": "enrollments"}  # fmt: skip
MAX_LIMIT = 10_000


class ImsError(Exception):
    """A refusal in the OneRoster status-info shape, with its HTTP status."""

    def __init__(self, status: int, code_minor: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code_minor = code_minor
        self.description = description

    def response(self) -> JSONResponse:
        body = {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": self.description,
            "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                        "imsx_codeMinorFieldValue": self.code_minor}]},
        }  # fmt: skip
        headers = {"WWW-Authenticate": 'OAuth realm="OneRoster"'} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


class OneRosterSimulator:
    def __init__(
        self,
        district: SyntheticDistrict,
        *,
        client_id: str,
        client_secret: str,
        max_clock_skew: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.max_clock_skew = max_clock_skew
        self.clock = clock
        self.requests = 0
        self._deleted: dict[str, dict[str, datetime]] = {}  # entity → sourcedId → when marked
        self._nonces: dict[str, float] = {}
        self.district = district

    @property
    def district(self) -> SyntheticDistrict:
        return self._district

    @district.setter
    def district(self, district: SyntheticDistrict) -> None:
        """Swap in another district (e.g. `district.with_edits(...)`); marks of deletion are kept."""
        self._district = district
        self._rendered: dict[str, tuple[list[Record], list[datetime]]] = {}
        self._filtered: dict[tuple[str, str], tuple[list[Record], list[datetime]]] = {}

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
    def records(self, entity: str) -> tuple[list[Record], list[datetime]]:
        """Rendered records of an entity and, alongside, each one's dateLastModified."""
        if entity not in self._rendered:
            render = RENDERERS[entity]
            deleted = self._deleted.get(entity, {})
            rows, modified = [], []
            frame = self._district.frames[entity]
            extra_orgs = _contact_orgs(frame) if entity == "person" else {}
            for row in frame.iter_rows(named=True):
                record = render(row)
                for org in extra_orgs.get(row["source_record_id"], ()):
                    record["orgs"].append(_ref("orgs", org, "org"))
                when = row["source_updated_at"]
                if row["source_record_id"] in deleted:
                    record["status"] = "tobedeleted"
                    when = deleted[row["source_record_id"]]
                record["dateLastModified"] = format_datetime(when)
                rows.append(record)
                modified.append(when)
            self._rendered[entity] = (rows, modified)
        return self._rendered[entity]

    def select(self, collection: str, filter_: str | None) -> list[Record]:
        spec = COLLECTIONS[collection]
        key = (collection, filter_ or "")
        if key not in self._filtered:
            rows, modified = self.records(spec.entity)
            predicate = parse_filter(filter_) if filter_ else None
            chosen = [
                (r, m)
                for r, m in zip(rows, modified, strict=True)
                if (spec.where is None or spec.where(r)) and (predicate is None or predicate(r, m))
            ]
            if len(self._filtered) > 32:
                self._filtered.clear()
            self._filtered[key] = ([r for r, _ in chosen], [m for _, m in chosen])
        return self._filtered[key][0]

    # -- OAuth 1.0a ------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("oauth "):
            raise ImsError(401, "unauthorisedrequest", "missing OAuth 1.0a Authorization header")
        try:
            oauth = [
                (unescape(k), unescape(v)) for k, v in parse_keqv_list(parse_http_list(header[6:])).items()
            ]
            query = url_decode(request.url.query)
        except (ValueError, IndexError):
            raise ImsError(401, "unauthorisedrequest", "malformed OAuth Authorization header") from None
        params = dict(oauth)
        if params.get("oauth_consumer_key") != self.client_id:
            raise ImsError(401, "unauthorisedrequest", "unknown consumer key")
        if params.get("oauth_signature_method") != "HMAC-SHA1":
            raise ImsError(401, "unauthorisedrequest", "only HMAC-SHA1 signatures are accepted")
        try:
            stamp = float(params.get("oauth_timestamp", ""))
        except ValueError:
            raise ImsError(401, "unauthorisedrequest", "missing or invalid oauth_timestamp") from None
        now = self.clock()
        if abs(now - stamp) > self.max_clock_skew:
            raise ImsError(401, "unauthorisedrequest", "stale oauth_timestamp: check the client's clock")
        nonce = params.get("oauth_nonce", "")
        self._nonces = {n: t for n, t in self._nonces.items() if t > now - self.max_clock_skew}
        if not nonce or nonce in self._nonces:
            raise ImsError(401, "unauthorisedrequest", "missing or reused oauth_nonce")
        signed = _SignedRequest(
            method=request.method,
            uri=str(request.url),
            params=query + [(k, v) for k, v in oauth if k != "realm"],
            headers={"Host": request.headers.get("host", "")},
            signature=params.get("oauth_signature", ""),
            client_secret=self.client_secret,
        )
        if not verify_hmac_sha1(signed):
            raise ImsError(401, "unauthorisedrequest", "invalid OAuth signature")
        self._nonces[nonce] = now

    # -- HTTP ------------------------------------------------------------------------------------
    def list_response(self, request: Request, collection: str) -> Response:
        q = request.query_params
        limit = _int_param(q.get("limit"), "limit", default=100, minimum=1)
        offset = _int_param(q.get("offset"), "offset", default=0, minimum=0)
        limit = min(limit, MAX_LIMIT)
        # sort / orderBy / fields are accepted and ignored: order is the district's own.
        records = self.select(collection, q.get("filter"))
        total = len(records)
        links = []
        if offset + limit < total:
            links.append(
                f'<{request.url.include_query_params(limit=limit, offset=offset + limit)}>; rel="next"'
            )
        last = max(0, (total - 1) // limit * limit)
        links.append(f'<{request.url.include_query_params(limit=limit, offset=last)}>; rel="last"')
        body = {COLLECTIONS[collection].key: records[offset : offset + limit]}
        return Response(
            orjson.dumps(body),
            media_type="application/json",
            headers={"X-Total-Count": str(total), "Link": ", ".join(links)},
        )

    def record_response(self, collection: str, sourced_id: str) -> Response:
        for record in self.select(collection, None):
            if record["sourcedId"] == sourced_id:
                body = {COLLECTIONS[collection].singular: record}
                return Response(orjson.dumps(body), media_type="application/json")
        raise ImsError(404, "unknownobject", f"no {COLLECTIONS[collection].singular} {sourced_id!r}")


def create_app(district: SyntheticDistrict, *, client_id: str, client_secret: str) -> FastAPI:
    """The simulator as an ASGI app; its state is `app.state.simulator` (a OneRosterSimulator)."""
    simulator = OneRosterSimulator(district, client_id=client_id, client_secret=client_secret)
    app = FastAPI(title="OneRoster 1.1 simulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.simulator = simulator

    @app.exception_handler(ImsError)
    async def ims_error(request: Request, exc: ImsError) -> JSONResponse:
        return exc.response()

    @app.get(API_PATH + "/{collection}")
    async def list_records(request: Request, collection: str) -> Response:
        _known(collection)
        simulator.requests += 1
        simulator.authenticate(request)
        return simulator.list_response(request, collection)

    @app.get(API_PATH + "/{collection}/{sourced_id}")
    async def one_record(request: Request, collection: str, sourced_id: str) -> Response:
        _known(collection)
        simulator.requests += 1
        simulator.authenticate(request)
        return simulator.record_response(collection, sourced_id)

    return app


def simulator_of(app: object) -> OneRosterSimulator:
    """The state behind an app made by create_app (typed loosely: callers often hold a plain ASGI app)."""
    simulator = getattr(getattr(app, "state", None), "simulator", None)
    if not isinstance(simulator, OneRosterSimulator):
        raise TypeError("not an app made by adapters.oneroster.simulator.create_app")
    return simulator


@dataclass
class _SignedRequest:
    """What authlib's verify_hmac_sha1 reads. authlib's own OAuth1Request refuses plain http."""

    method: str
    uri: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    signature: str
    client_secret: str
    token_secret: str | None = None


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


def _int_param(value: str | None, name: str, *, default: int, minimum: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ImsError(400, "invalid_data", f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return number


# -- filter=field op 'value' [AND|OR field op 'value'] ----------------------------------------------

_PREDICATE = re.compile(r"^\s*(\w+)\s*(>=|<=|!=|=|>|<|~)\s*'([^']*)'\s*$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "~": lambda a, b: str(b).lower() in str(a).lower(),
}
Predicate = Callable[[Record, datetime], bool]


def parse_filter(text: str) -> Predicate:
    """OneRoster 1.1 filters: one or two comparisons joined by AND or OR."""
    for joiner, combine in ((" AND ", all), (" OR ", any)):
        if joiner in text:
            parts = [_predicate(p) for p in text.split(joiner)]
            return lambda r, m: combine(p(r, m) for p in parts)
    return _predicate(text)


def _predicate(text: str) -> Predicate:
    match = _PREDICATE.match(text)
    if match is None:
        raise ImsError(400, "invalid_filter_field", f"cannot parse filter {text!r}")
    field, op, raw = match.groups()
    compare = _OPS[op]
    if field == "dateLastModified":
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ImsError(400, "invalid_filter_field", f"not an ISO 8601 datetime: {raw!r}") from None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return lambda r, m: compare(m, value)
    return lambda r, m: field in r and isinstance(r[field], str) and compare(r[field], raw)


# -- canonical row → OneRoster 1.1 JSON -----------------------------------------------------------


def _ref(collection: str, sourced_id: str | None, kind: str) -> Record | None:
    if sourced_id is None:
        return None
    return {"href": f"{API_PATH}/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def _compact(record: Record) -> Record:
    """Drop absent optional fields, as real feeds do."""
    return {k: v for k, v in record.items() if v is not None}


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def render_org(row: Record) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "name": row["name"],
        "type": vocab.ORG_TYPES[row["kind"]],
        "identifier": row["identifier"],
        "parent": _ref("orgs", row["parent_id"], "org"),
    })  # fmt: skip


def render_session(row: Record) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "title": row["title"],
        "type": vocab.SESSION_TYPES[row["kind"]],
        "startDate": _date(row["start_date"]),
        "endDate": _date(row["end_date"]),
        "parent": _ref("academicSessions", row["parent_id"], "academicSession"),
        "schoolYear": str(row["school_year"]) if row["school_year"] is not None else None,
    })  # fmt: skip


def render_course(row: Record) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "title": row["title"],
        "courseCode": row["code"],
        "schoolYear": _ref("academicSessions", row["school_year_id"], "academicSession"),
        "grades": row["grades"],
        "subjects": row["subjects"],
        "org": _ref("orgs", row["school_id"], "org"),
    })  # fmt: skip


def render_class(row: Record) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "title": row["title"],
        "classCode": row["code"],
        "classType": vocab.CLASS_TYPES[row["kind"]],
        "location": row["room"],
        "grades": row["grades"],
        "subjects": row["subjects"],
        "course": _ref("courses", row["course_id"], "course"),
        "school": _ref("orgs", row["school_id"], "org"),
        "terms": [_ref("academicSessions", s, "academicSession") for s in row["session_ids"]],
        "periods": row["periods"],
    })  # fmt: skip


def render_user(row: Record) -> Record:
    orgs = [row["school_id"]] if row["school_id"] else []
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "username": row["username"] or "",  # required in 1.1; contacts often have none
        "enabledUser": _bool(row["enabled"]),
        "givenName": row["given_name"],
        "familyName": row["family_name"],
        "middleName": row["middle_name"],
        "role": row["role_detail"],
        "identifier": row["identifier"],
        "email": row["email"],
        "sms": row["sms"],
        "phone": row["phone"],
        "agents": [_ref("users", a, "user") for a in row["agent_ids"]] or None,
        "orgs": [_ref("orgs", o, "org") for o in orgs],
        "grades": row["grades"] or None,
    })  # fmt: skip


def render_enrollment(row: Record) -> Record:
    return _compact({
        "sourcedId": row["source_record_id"],
        "status": "active",
        "user": _ref("users", row["person_id"], "user"),
        "class": _ref("classes", row["class_id"], "class"),
        "school": _ref("orgs", row["school_id"], "org"),
        "role": row["role"],
        "primary": _bool(row["primary"]),
        "beginDate": _date(row["begin_date"]),
        "endDate": _date(row["end_date"]),
    })  # fmt: skip


RENDERERS: dict[str, Callable[[Record], Record]] = {
    "organisation": render_org,
    "academic_session": render_session,
    "course": render_course,
    "class": render_class,
    "person": render_user,
    "enrollment": render_enrollment,
}
