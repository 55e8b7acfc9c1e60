"""Limits and hygiene: each attack is refused before execution with LIMIT_EXCEEDED (never a 5xx),
batching is off, rate limits answer 429, introspection can be switched off, requests are audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, event

from hub.access import grant
from hub.app import create_app
from hub.config import Settings
from hub.graphql.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from hub.store import audit
from tests.factories import ApiClient, District, make_app, make_district, make_token


@dataclass
class Api:
    engine: Engine
    district: District
    client: ApiClient
    token: str
    app_id: str
    statements: list[str]

    def post(self, query: str, **variables: Any) -> tuple[int, dict[str, Any]]:
        response = self.client.graphql(query, self.token, **variables)
        return response.status_code, response.json()


@pytest.fixture
def api(sqlite_engine: Engine) -> Iterator[Api]:
    with sqlite_engine.begin() as conn:
        district = make_district(conn)
        app, _ = make_app(conn, source_id=district.source_id, school_ids=[s.id for s in district.schools])
        token = make_token(conn, app.id)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(sqlite_engine, "before_cursor_execute", count)
    yield Api(
        sqlite_engine, district, ApiClient(create_app(sqlite_engine, Settings())), token, app.id, statements
    )
    event.remove(sqlite_engine, "before_cursor_execute", count)


def _nested(levels: int) -> str:
    inner = "id"
    for n in range(levels):
        inner = f"enrollments {{ {'class' if n % 2 == 0 else 'person'} {{ {inner} }} }}"
    return "{ schools { edges { node { classes { edges { node { " + inner + " } } } } } } }"


def _fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on Query { a: viewer { name } }"]
    fragments += [f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, levels)]
    return f"{{ ...F{levels - 1} }}\n" + "\n".join(fragments)


ATTACKS = {
    "deep nesting": (_nested(MAX_DEPTH), "depth"),
    "alias flood": (
        "{ " + " ".join(f"a{n}: viewer {{ name }}" for n in range(MAX_ALIASES + 1)) + " }",
        "aliases",
    ),
    "fragment amplification": (_fragment_bomb(40), "aliases"),
    "many tokens": ("{ viewer { " + "name " * MAX_TOKENS + "} }", "tokens"),
    "oversized page": ("{ schools(first: 5000) { edges { node { id } } } }", "page"),
    "oversized page in a variable": ("query ($n: Int) { changes(first: $n) { edges { id } } }", "page"),
    "cost": (
        "{ schools(first: 2) { edges { node { "
        + " ".join(
            f"s{n}: students(first: 1000) {{ edges {{ node {{ enrollments {{ class {{ course {{ id }} sessions {{ id }} }} }} }} }} }}"
            for n in range(25)
        )
        + " } } } }",
        "cost",
    ),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attacks_are_refused_before_execution(api: Api, name: str) -> None:
    query, limit = ATTACKS[name]
    status, body = api.post(query, n=100_000)
    assert status == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED", error
    assert error["extensions"]["limit"] == limit
    touched = [s for s in api.statements if "people" in s or "organisations" in s or "classes" in s]
    assert touched == [], "nothing of the school data may be read"


def test_a_huge_document_is_413(api: Api) -> None:
    response = api.client.post(
        "/graphql",
        content=b'{"query": "' + b" " * 200_000 + b'{ viewer { name } }"}',
        headers={"Authorization": f"Bearer {api.token}", "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


def test_batches_are_400_with_a_clear_error(api: Api) -> None:
    response = api.client.post(
        "/graphql",
        json=[{"query": "{ viewer { name } }"}] * 2,
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "batch" in error["message"]


def test_a_legitimate_large_query_is_allowed(api: Api) -> None:
    status, body = api.post(
        "{ schools { edges { node { students(first: 1000) { edges { node { id enrollments { class { id } } } } }"
        " classes(first: 1000) { edges { node { enrollments { person { id } } } } } } } } }"
    )
    assert status == 200
    assert "errors" not in body


def test_rate_limit_answers_429_with_headers(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        district = make_district(conn)
        app, _ = make_app(conn, source_id=district.source_id, school_ids=[district.schools[0].id])

        grant(
            conn,
            app.id,
            district.source_id,
            [district.schools[0].id],
            ["students"],
            options={"max_requests_per_minute": 2},
        )
        token = make_token(conn, app.id)
    client = ApiClient(create_app(sqlite_engine, Settings()))
    first = client.graphql("{ viewer { name } }", token)
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert client.graphql("{ viewer { name } }", token).status_code == 200
    refused = client.graphql("{ viewer { name } }", token)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) <= 60
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_introspection_can_be_switched_off(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        app, _ = make_app(conn)
        token = make_token(conn, app.id)
    query = "{ __schema { queryType { name } } }"
    on = ApiClient(create_app(sqlite_engine, Settings(introspection=True))).graphql(query, token).json()
    assert on["data"]["__schema"]["queryType"]["name"] == "Query"
    off = ApiClient(create_app(sqlite_engine, Settings(introspection=False))).graphql(query, token).json()
    assert off["data"] is None
    assert "introspection" in off["errors"][0]["message"].lower()


def test_every_request_is_audited(api: Api) -> None:
    north = api.district.schools[0]
    api.post(
        "query Roster($id: ID!) { school(id: $id) { students { edges { node { givenName email } } } } }",
        id=north.id,
    )
    api.post("{ schools(first: 5000) { edges { node { id } } } }")
    with api.engine.connect() as conn:
        refused, roster = audit.recent_requests(conn, api.app_id)
    assert roster["schools"] == [north.id]
    assert roster["data_types"] == ["students"]
    assert roster["fields"]["Person"] == ["email", "givenName"]
    assert roster["rows"] == {"Person": 3, "School": 1}
    assert refused["error_codes"] == ["LIMIT_EXCEEDED"]
    assert refused["rows"] == {}
