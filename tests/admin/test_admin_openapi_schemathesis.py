"""schemathesis over the admin API's OpenAPI document, through real HTTP on loopback.

Signed in as a hub operator and as a school admin, every /admin/api operation gets generated
requests (random ids, and the ids of records that exist so handlers run past their lookups) and
every response must be one the document promises: no 5xx, a documented status code, the
documented content type, and a body matching the documented schema. A negative pass sends
schema-violating input, which must be refused with a 4xx.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from adapters.sdk.simserver import BackgroundServer
from hub.access import requests as rq
from hub.app import create_app
from hub.store.runs import finish_run, start_run
from tests.admin.conftest import PASSWORD, World

# Examples per operation and role: enough to reach every handler's branches, bounded so the whole
# file stays well under two minutes on a loaded 2-core machine. SATCHEL_SCHEMATHESIS_EXAMPLES raises it.
EXAMPLES = int(os.environ.get("SATCHEL_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


@dataclass
class Target:
    url: str
    schema: Any
    ids: dict[str, list[str]]


@pytest.fixture
def target(engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    monkeypatch.setenv("SATCHEL_ADMIN_SECRET_KEY", "schemathesis-key")
    monkeypatch.setenv("SATCHEL_ADMIN_COOKIE_SECURE", "false")  # plain HTTP on loopback
    with engine.begin() as conn:
        pending = rq.request_access(conn, world.app.id, world.district.source_id, world.north)
        approved = rq.request_access(conn, world.app.id, world.district.source_id, world.south)
        rq.approve(conn, approved.id, "south@sis.example")
        run_id = start_run(conn, world.district.source_id, "full")
        finish_run(conn, run_id, "succeeded", {"totals": {"read": 3}}, None)
    with BackgroundServer(create_app(engine)) as server:
        document = httpx.get(f"{server.url}/openapi.json").json()
        schema = schemathesis.openapi.from_dict(document).include(path_regex="^/admin/api/")
        yield Target(
            url=server.url,
            schema=schema,
            ids={
                "request_id": [pending.id, approved.id],
                "app_id": [world.app.id],
                "source_id": [world.district.source_id],
                "user_id": [world.south_admin.id],
            },
        )


def sign_in(url: str, email: str) -> dict[str, str]:
    response = httpx.post(f"{url}/admin/api/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {
        "Cookie": f"satchel_admin={response.cookies['satchel_admin']}",
        "X-CSRF-Token": response.json()["csrf_token"],
    }


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(target: Target, operation: Any, headers: dict[str, str], mode: GenerationMode) -> None:
    names = [p.name for p in operation.path_parameters]
    strategies = [operation.as_strategy(generation_mode=mode)]
    if names and mode is GenerationMode.POSITIVE:
        # Also aim at records that exist, so handlers run past "not found".
        for values in zip(*(target.ids[n] for n in names), strict=False):
            known = dict(zip(names, values, strict=True))
            strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=known))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case: Any) -> None:
        checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
        case.call_and_validate(base_url=target.url, headers=headers, checks=checks)

    run()


@pytest.mark.parametrize("email", ["op@hub.example", "north@sis.example"], ids=["operator", "school_admin"])
def test_admin_api_keeps_the_promises_of_its_openapi(target: Target, email: str) -> None:
    headers = sign_in(target.url, email)
    operations = _operations(target.schema)
    assert len(operations) > 15
    for operation in operations:
        # Sign-in is fuzzed without a session (it answers 401, and 429 once throttled); the session
        # cookie is stateless, so fuzzing logout does not sign the rest of the run out.
        sent = {} if operation.path == "/admin/api/login" else headers
        _fuzz(target, operation, sent, GenerationMode.POSITIVE)
        if len(operation.body) or len(operation.query):
            # Path ids are free strings: only bodies and query parameters can be made invalid.
            _fuzz(target, operation, sent, GenerationMode.NEGATIVE)
