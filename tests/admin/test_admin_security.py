"""Who may call admin routes: app tokens never, school admins only for their own schools."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from hub.access import requests as rq
from hub.access.apps import rotate_secret, verify_client
from hub.access.users import LoginError, authenticate
from hub.admin.session import csrf_ok
from hub.store.runs import finish_run, start_run
from hub.store.sources import add_source
from tests.admin.conftest import PASSWORD, World
from tests.factories import ApiClient, make_token


def login(client: ApiClient, email: str) -> dict[str, str]:
    """Sign in through the API; returns headers carrying the session cookie and CSRF token."""
    response = client.post("/admin/api/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    cookie = response.cookies["satchel_admin"]
    return {"Cookie": f"satchel_admin={cookie}", "X-CSRF-Token": response.json()["csrf_token"]}


def _all_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI now keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _all_routes(nested.routes)


def test_every_admin_route_refuses_an_app_bearer_token(
    engine: Engine, world: World, client: ApiClient
) -> None:
    with engine.begin() as conn:
        token = make_token(conn, world.app.id)
    routes = [r for r in _all_routes(client.app.routes) if r.path.startswith("/admin")]
    assert len(routes) > 20
    for route in routes:
        path = route.path.replace("{request_id}", "x").replace("{app_id}", world.app.id)
        for method in route.methods:
            response = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, json={})
            assert response.status_code in (401, 403), (method, path, response.status_code)


def test_school_admin_cannot_see_or_decide_for_another_school(
    engine: Engine, world: World, client: ApiClient
) -> None:
    with engine.begin() as conn:
        south_req = rq.request_access(conn, world.app.id, world.district.source_id, world.south)
        trust_req = rq.request_access(
            conn, world.app.id, world.district.source_id, world.district.district_id
        )
    north = login(client, "north@sis.example")
    assert client.get("/admin/api/requests", headers=north).json() == []
    for req_id in (south_req.id, trust_req.id):
        assert client.get(f"/admin/api/requests/{req_id}", headers=north).status_code == 404
        for action in ("approve", "reject", "defer", "revoke"):
            assert (
                client.post(f"/admin/api/requests/{req_id}/{action}", headers=north, json={}).status_code
                == 404
            )
        assert client.get(f"/admin/api/requests/{req_id}/receipt", headers=north).status_code == 404
    assert client.get("/admin/api/audit", headers=north).json() == []
    assert client.get("/admin/api/apps", headers=north).json() == []
    assert client.post("/admin/api/users", headers=north, json={}).status_code in (403, 422)
    south = login(client, "south@sis.example")
    assert [r["id"] for r in client.get("/admin/api/requests", headers=south).json()] == [south_req.id]
    district = login(client, "district@sis.example")
    assert {r["id"] for r in client.get("/admin/api/requests", headers=district).json()} == {
        south_req.id,
        trust_req.id,
    }


def test_api_approve_flow_needs_csrf_and_writes_a_receipt(
    engine: Engine, world: World, client: ApiClient
) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.north)
    north = login(client, "north@sis.example")
    no_csrf = {"Cookie": north["Cookie"]}
    assert client.post(f"/admin/api/requests/{req.id}/approve", headers=no_csrf, json={}).status_code == 403
    assert client.get(f"/admin/api/requests/{req.id}/receipt", headers=north).status_code == 404
    response = client.post(
        f"/admin/api/requests/{req.id}/approve",
        headers=north,
        json={"optional_fields": {"students": ["email"]}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"
    receipt = client.get(f"/admin/api/requests/{req.id}/receipt", headers=north).json()
    assert receipt["approved_by"] == "north@sis.example"
    assert receipt["fields"]["students"] == ["given_name", "family_name", "email"]
    csv_text = client.get(f"/admin/api/apps/{world.app.id}/data-use.csv", headers=north).text
    lines = csv_text.splitlines()
    assert lines[0].startswith("app,client_id,source,school_id")
    assert any(",students,email,yes," in line for line in lines)
    assert not any(",date_of_birth," in line for line in lines)
    # A school admin's export never lists another school's grants.
    with engine.begin() as conn:
        other = rq.request_access(conn, world.app.id, world.district.source_id, world.south)
        rq.approve(conn, other.id, "south@sis.example")
    csv_text = client.get(f"/admin/api/apps/{world.app.id}/data-use.csv", headers=north).text
    assert world.south not in csv_text


def test_login_throttles_and_locks(engine: Engine, world: World, client: ApiClient) -> None:
    for _ in range(5):
        bad = client.post(
            "/admin/api/login", json={"email": "north@sis.example", "password": "wrong password"}
        )
        assert bad.status_code == 401
    locked = client.post("/admin/api/login", json={"email": "north@sis.example", "password": PASSWORD})
    assert locked.status_code == 401
    assert "too many" in locked.json()["detail"]
    with engine.begin() as conn, pytest.raises(LoginError):
        authenticate(conn, "north@sis.example", PASSWORD)


def test_secret_rotation_keeps_the_old_secret_for_the_grace_period(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        new, _ = rotate_secret(conn, world.app.id, "op@hub.example", grace=timedelta(hours=1))
        assert verify_client(conn, world.app.client_id, new) is not None
        assert verify_client(conn, world.app.client_id, world.secret) is not None
        newer, _ = rotate_secret(conn, world.app.id, "op@hub.example", grace=timedelta(0))
        assert verify_client(conn, world.app.client_id, newer) is not None
        assert verify_client(conn, world.app.client_id, new) is None  # no grace asked
        assert verify_client(conn, world.app.client_id, world.secret) is not None  # first grace still runs


def test_openapi_documents_the_admin_api(client: ApiClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/admin/api/requests/{request_id}/approve" in paths
    assert not any(p.startswith("/admin/") and not p.startswith("/admin/api") for p in paths)
    assert isinstance(httpx.Response, type)


def test_sync_history_is_shown_for_visible_sources_only(
    engine: Engine, world: World, client: ApiClient
) -> None:
    source_id = world.district.source_id
    with engine.begin() as conn:
        run_id = start_run(conn, source_id, "full")
        finish_run(conn, run_id, "failed", {"totals": {"read": 5, "inserted": 0}}, "HTTP 503 from the MIS")
        elsewhere = add_source(conn, "elsewhere", "oneroster", {})
    operator = login(client, "op@hub.example")
    (run,) = client.get(f"/admin/api/sources/{source_id}/runs", headers=operator).json()
    assert (run["id"], run["status"], run["error"]) == (run_id, "failed", "HTTP 503 from the MIS")
    assert run["totals"]["read"] == 5
    north = login(client, "north@sis.example")
    assert client.get(f"/admin/api/sources/{source_id}/runs", headers=north).status_code == 200
    assert client.get(f"/admin/api/sources/{elsewhere}/runs", headers=north).status_code == 404


def test_an_echoed_token_is_compared_safely() -> None:
    """CSRF tokens and the OIDC state come back from the client: anything else is a refusal, never
    an error (hmac.compare_digest raises on non-ASCII str)."""
    assert csrf_ok("abc", "abc")
    assert not csrf_ok("abc", "abd")
    assert not csrf_ok("abc", "é")
    assert not csrf_ok("abc", None)
    assert not csrf_ok("", "")
