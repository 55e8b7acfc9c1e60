"""TinyMIS: a worked example of a complete Satchel adapter, small enough to read in one sitting.

TinyMIS is a made-up JSON MIS. It serves schools and people, page by page, behind an API key:

    GET /v1/schools?page=1&per_page=50              Authorization: Bearer <api key>
    GET /v1/people?page=1&per_page=50&updated_since=2026-09-01T00:00:00Z
    → {"data": [...records...], "meta": {"page": 1, "per_page": 50, "total": 123}}

It has everything a real adapter has, in the order docs/adapters/writing-an-adapter.md walks
through: a config model, declared capabilities, streams that read pages through SourceHttpClient,
a pure mapping that rejects bad records with a reason, check(), and a simulator that renders a
synthetic district in the dialect. test_example_conformance.py runs the conformance kit on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import polars as pl
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from adapters.sdk import (
    AdapterError,
    AuthError,
    Capabilities,
    CheckResult,
    DeletionDetection,
    MappedPage,
    Page,
    Reject,
    SourceAdapter,
    SourceContractError,
    SourceHttpClient,
    Stream,
)
from hub.canonical import ENTITIES_BY_NAME, EntitySpec
from hub.synthetic import SyntheticDistrict

# -- 1. config: what an operator types in; its JSON Schema documents it --------------------------


class TinyMisConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="The TinyMIS server, e.g. https://mis.example.org")
    api_key: SecretStr = Field(description="An API key from TinyMIS → Settings → Integrations")
    page_size: int = Field(default=50, ge=1, le=500, description="Records asked for per request")
    rate_limit_per_minute: int = Field(default=600, ge=1)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


# -- 2. mapping: one TinyMIS record → one canonical row; pure, no I/O ---------------------------

KINDS = {"district": "district", "trust": "trust", "school": "school"}
ROLES = {"student": "student", "staff": "staff", "contact": "contact"}
Record = dict[str, Any]


class FieldProblemError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def school_row(r: Record) -> Record:
    kind = KINDS.get(str(r.get("kind", "")).lower())
    if kind is None:
        raise FieldProblemError("kind", f"unknown kind {r.get('kind')!r}")
    return {
        "school_id": r["id"] if kind == "school" else None,
        "kind": kind,
        "name": _text(r.get("name")),
        "identifier": _text(r.get("urn")),
        "parent_id": _text(r.get("parent_id")),
    }


def person_row(r: Record) -> Record:
    role = ROLES.get(str(r.get("role", "")).lower())
    if role is None:
        raise FieldProblemError("role", f"unknown role {r.get('role')!r}; expected one of {', '.join(ROLES)}")
    year_groups = r.get("year_groups") or []
    if not isinstance(year_groups, list):
        raise FieldProblemError("year_groups", f"expected a list, got {year_groups!r}")
    return {
        "school_id": _text(r.get("school_id")),
        "role": role,
        "given_name": _text(r.get("first_name")),
        "family_name": _text(r.get("last_name")),
        "email": _text(r.get("email")),
        "grades": [str(g) for g in year_groups],
        "agent_ids": [],
    }


def to_canonical(spec: EntitySpec, page: Page, row: Any) -> MappedPage:
    rows: list[Record] = []
    rejects: list[Reject] = []
    for record in page.records:
        record_id = record.get("id") if isinstance(record, dict) else None
        if not isinstance(record_id, str) or not record_id:
            rejects.append(Reject(None, "id", "record without an id", page.location))
            continue
        try:
            mapped = row(record)
            mapped["source_record_id"] = record_id
            mapped["source_updated_at"] = _timestamp(record.get("updated_at"))
        except FieldProblemError as problem:
            rejects.append(Reject(record_id, problem.field, problem.reason, page.location))
            continue
        rows.append(mapped)
    schema = spec.polars_schema()
    return MappedPage(pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema), rejects)


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        raise FieldProblemError("updated_at", f"not an ISO 8601 timestamp: {value!r}") from None


# -- 3. streams: read pages (I/O) and map them (pure) --------------------------------------------


class TinyMisStream(Stream):
    def __init__(
        self, adapter: TinyMisAdapter, path: str, entity: str, row: Any, *, incremental: bool
    ) -> None:
        self.name = path
        self.entity = ENTITIES_BY_NAME[entity]
        self.incremental = incremental
        self._adapter = adapter
        self._row = row

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        params: dict[str, Any] = {"per_page": self._adapter.settings.page_size}
        if since is not None:
            params["updated_since"] = since.astimezone(UTC).isoformat()
        async with self._adapter.http() as http:
            page_number, seen = 1, 0
            while True:
                body, response = await http.get_json(self.name, {**params, "page": page_number})
                records, total = _data(body, str(response.url))
                yield Page(records, str(response.url), total)
                seen += len(records)
                if not records or seen >= total:
                    return
                page_number += 1

    def to_canonical(self, page: Page) -> MappedPage:
        return to_canonical(self.entity, page, self._row)


def _data(body: Any, url: str) -> tuple[list[Record], int]:
    """The records and the total a TinyMIS list response carries, or a SourceContractError."""
    data = body.get("data") if isinstance(body, dict) else None
    meta = body.get("meta") if isinstance(body, dict) else None
    total = meta.get("total") if isinstance(meta, dict) else None
    if not isinstance(data, list) or not isinstance(total, int):
        raise SourceContractError(f"{url} did not return a 'data' list and a 'meta.total'; is this TinyMIS?")
    return data, total


# -- 4. the adapter: name, config, capabilities, check(), streams() ------------------------------


class TinyMisAdapter(SourceAdapter):
    name: ClassVar[str] = "tinymis"
    config_model: ClassVar[type[BaseModel]] = TinyMisConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        entities=("organisation", "person"),
        incremental_entities=("person",),  # /v1/people takes updated_since; /v1/schools does not
        deletion_detection=(DeletionDetection.FULL_READ,),  # TinyMIS just stops listing deleted records
        rate_limit_per_minute=600,
    )

    def __init__(self, config: BaseModel, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        if not isinstance(config, TinyMisConfig):
            raise TypeError("TinyMisAdapter needs a TinyMisConfig")
        self.settings = config

    def http(self, *, max_retries: int = 3) -> SourceHttpClient:
        return SourceHttpClient(
            self.settings.base_url + "/v1/",
            transport=self.transport,
            rate_limit_per_minute=self.settings.rate_limit_per_minute,
            max_retries=max_retries,
            headers={"Authorization": f"Bearer {self.settings.api_key.get_secret_value()}"},
        )

    def streams(self) -> Sequence[Stream]:
        return [
            TinyMisStream(self, "schools", "organisation", school_row, incremental=False),
            TinyMisStream(self, "people", "person", person_row, incremental=True),
        ]

    async def check(self) -> CheckResult:
        try:
            async with self.http(max_retries=0) as http:  # no retries: someone is waiting
                body, response = await http.get_json("schools", {"per_page": 1})
                _, total = _data(body, str(response.url))
        except AuthError as exc:
            return CheckResult(False, f"TinyMIS refused the API key: check the credentials. ({exc})")
        except AdapterError as exc:
            return CheckResult(False, f"cannot read TinyMIS at {self.settings.base_url}: {exc}")
        return CheckResult(True, f"connected to TinyMIS; {total} schools", {"schools": total})


# -- 5. the simulator: the synthetic district rendered in the dialect -----------------------------


class TinyMisSimulator:
    def __init__(self, district: SyntheticDistrict, api_key: str) -> None:
        self.district = district
        self.api_key = api_key

    def schools(self) -> list[tuple[Record, datetime]]:
        return [
            (
                {"id": r["source_record_id"], "name": r["name"], "kind": r["kind"].title(), "urn": r["identifier"],
                 "parent_id": r["parent_id"], "updated_at": r["source_updated_at"].isoformat()},
                r["source_updated_at"],
            )
            for r in self.district.frames["organisation"].iter_rows(named=True)
        ]  # fmt: skip

    def people(self) -> list[tuple[Record, datetime]]:
        return [
            (
                {"id": r["source_record_id"], "school_id": r["school_id"], "role": r["role"],
                 "first_name": r["given_name"], "last_name": r["family_name"], "email": r["email"],
                 "year_groups": r["grades"], "updated_at": r["source_updated_at"].isoformat()},
                r["source_updated_at"],
            )
            for r in self.district.frames["person"].iter_rows(named=True)
        ]  # fmt: skip


def create_app(district: SyntheticDistrict, *, api_key: str) -> FastAPI:
    simulator = TinyMisSimulator(district, api_key)
    app = FastAPI(title="TinyMIS simulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.simulator = simulator

    def listing(request: Request, rows: list[tuple[Record, datetime]]) -> JSONResponse:
        if request.headers.get("Authorization") != f"Bearer {simulator.api_key}":
            return JSONResponse({"error": "invalid API key"}, status_code=401)
        q = request.query_params
        page, per_page = int(q.get("page", 1)), int(q.get("per_page", 50))
        if "updated_since" in q:
            since = datetime.fromisoformat(q["updated_since"])
            rows = [(r, at) for r, at in rows if at > since]
        chosen = [r for r, _ in rows[(page - 1) * per_page : page * per_page]]
        return JSONResponse(
            {"data": chosen, "meta": {"page": page, "per_page": per_page, "total": len(rows)}}
        )

    @app.get("/v1/schools")
    def schools(request: Request) -> JSONResponse:
        return listing(request, simulator.schools())

    @app.get("/v1/people")
    def people(request: Request) -> JSONResponse:
        return listing(request, simulator.people())

    return app
