from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from hub.access import grant, revoke
from hub.app import create_app
from hub.config import Settings
from tests.factories import ApiClient, make_app, make_district, make_token

VIEWER = "{ viewer { name clientId grants { schoolHubId schoolName sourceName dataTypes } } }"


def test_oauth_token_then_graphql_over_http(engine: Engine) -> None:
    with engine.begin() as conn:
        district = make_district(conn)
        north = district.schools[0]
        app, secret = make_app(
            conn, source_id=district.source_id, school_ids=[north.id], data_types=["students", "classes"]
        )
    client = ApiClient(create_app(engine, Settings()))
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(app.client_id, secret)
    ).json()["access_token"]

    response = client.graphql(VIEWER, token)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": {
            "viewer": {
                "name": "Acme Learning",
                "clientId": app.client_id,
                "grants": [
                    {
                        "schoolHubId": north.id,
                        "schoolName": "North",
                        "sourceName": "sis",
                        "dataTypes": ["STUDENTS", "CLASSES"],
                    }
                ],
            }
        }
    }


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-issued", "Bearer a b c"],
    ids=["missing", "empty", "basic", "unknown", "malformed"],
)
def test_no_usable_token_is_401(engine: Engine, authorization: str | None) -> None:
    client = ApiClient(create_app(engine, Settings()))
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post("/graphql", json={"query": VIEWER}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


def test_expired_token_is_401(engine: Engine) -> None:
    with engine.begin() as conn:
        app, _ = make_app(conn)
        token = make_token(conn, app.id, now=datetime.now(UTC) - timedelta(hours=2), ttl_seconds=3600)
    response = ApiClient(create_app(engine, Settings())).graphql(VIEWER, token)
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]


def test_a_bad_body_is_400(engine: Engine) -> None:
    client = ApiClient(create_app(engine, Settings()))
    response = client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_syntax_errors_are_reported_not_masked(engine: Engine) -> None:
    with engine.begin() as conn:
        app, _ = make_app(conn)
        token = make_token(conn, app.id)
    response = ApiClient(create_app(engine, Settings())).graphql("{ viewer { nope } }", token)
    assert response.status_code == 200
    assert "nope" in response.json()["errors"][0]["message"]


def test_health_checks_the_database(engine: Engine) -> None:
    response = ApiClient(create_app(engine, Settings())).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_graphiql_only_when_enabled(engine: Engine) -> None:
    assert ApiClient(create_app(engine, Settings(graphiql=False))).get("/graphql").status_code == 405
    page = ApiClient(create_app(engine, Settings(graphiql=True))).get("/graphql")
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_at_most_graphql_workers_requests_execute_at_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests beyond Settings.graphql_workers wait for a worker instead of all running at once
    (and contending for the GIL); every one is still answered."""
    import asyncio
    import threading
    import time

    import httpx

    from hub.graphql import http as graphql_http

    with engine.begin() as conn:
        district = make_district(conn)
        app, _ = make_app(conn, source_id=district.source_id, school_ids=[district.schools[0].id])
        token = make_token(conn, app.id)
    running, most = 0, 0
    lock = threading.Lock()
    execute = graphql_http.execute

    def slow_execute(*args: object, **kwargs: object) -> object:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        try:
            return execute(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(graphql_http, "execute", slow_execute)
    asgi = create_app(engine, Settings(graphql_workers=2))

    async def ask_many() -> list[int]:
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            headers = {"Authorization": f"Bearer {token}"}
            responses = await asyncio.gather(
                *(client.post("/graphql", json={"query": VIEWER}, headers=headers) for _ in range(8))
            )
        return [r.status_code for r in responses]

    assert asyncio.run(ask_many()) == [200] * 8
    assert most == 2


def test_a_grant_change_bites_on_the_next_request(engine: Engine) -> None:
    """The handler keeps each app's policy between requests (hub.access.policy_cache): a revoke,
    and a grant made again, are both seen by the very next request."""
    with engine.begin() as conn:
        district = make_district(conn)
        north, south = (s.id for s in district.schools)
        app, _ = make_app(
            conn, source_id=district.source_id, school_ids=[north, south], data_types=["students"]
        )
        token = make_token(conn, app.id)
    client = ApiClient(create_app(engine, Settings()))

    def schools() -> list[str]:
        response = client.graphql(VIEWER, token)
        assert response.status_code == 200, response.text
        return sorted(g["schoolHubId"] for g in response.json()["data"]["viewer"]["grants"])

    assert schools() == schools() == sorted([north, south])
    with engine.begin() as conn:
        revoke(conn, app.id, school_ids=[south])
    assert schools() == [north]
    with engine.begin() as conn:
        grant(conn, app.id, district.source_id, [south], ["students"])
    assert schools() == sorted([north, south])
