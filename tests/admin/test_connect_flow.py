"""Connect by link over HTTP: the checks before anything redirects, approval through the access
requests service, and the code exchange at /oauth/token (single use, short-lived, bound to the
redirect URI)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import Engine, select

from hub.access import connect
from hub.access import requests as rq
from hub.access.apps import (
    AppDetails,
    RedirectUriError,
    set_details,
    set_redirect_uris,
    validate_redirect_uri,
)
from hub.access.audit import list_events
from hub.access.requests import Status
from hub.app import create_app
from hub.store.columns import utcnow
from hub.store.connect_models import CONNECT_CODES
from hub.store.models import GRANTS
from tests.admin.conftest import World
from tests.admin.test_admin_security import login
from tests.factories import ApiClient, make_app

CALLBACK = "https://homework.example/satchel/callback?tenant=7"


@pytest.fixture
def client(engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> ApiClient:
    monkeypatch.setenv("SATCHEL_ADMIN_SECRET_KEY", "test-key")
    with engine.begin() as conn:
        set_redirect_uris(conn, world.app.id, [CALLBACK], "op@hub.example")
    return ApiClient(create_app(engine))


def link(world: World, **overrides: str | None) -> str:
    params = {"client_id": world.app.client_id, "redirect_uri": CALLBACK, "state": "xyz-42", **overrides}
    return "/admin/connect?" + urlencode({k: v for k, v in params.items() if v is not None})


def form(world: World, csrf: str, action: str, **extra: object) -> dict[str, object]:
    base = {"client_id": world.app.client_id, "redirect_uri": CALLBACK, "state": "xyz-42"}
    return {**base, "csrf_token": csrf, "action": action, **extra}


def approve(client: ApiClient, world: World, email: str, **extra: object) -> dict[str, list[str]]:
    headers = login(client, email)
    cookie = {"Cookie": headers["Cookie"]}
    response = client.post(
        "/admin/connect", headers=cookie, data=form(world, headers["X-CSRF-Token"], "approve", **extra)
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("https://homework.example/satchel/callback?tenant=7&")
    return parse_qs(urlsplit(location).query)


def exchange(
    client: ApiClient, world: World, code: str, redirect_uri: str | None = CALLBACK
) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    return client.post("/oauth/token", data=data, auth=(world.app.client_id, world.secret))


def test_connect_forwards_to_the_admin_page_on_the_same_origin(world: World, client: ApiClient) -> None:
    response = client.get("/connect?" + link(world).split("?", 1)[1])
    assert response.status_code == 303
    assert response.headers["location"] == link(world)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/steal",
        "https://homework.example/satchel/callback",  # registered one has a query
        "https://homework.example/satchel/callback?tenant=7&x=1",
        "https://homework.example/satchel/callback?tenant=7#frag",
        "https://homework.example.evil.example/satchel/callback?tenant=7",
        "HTTPS://homework.example/satchel/callback?tenant=7",
        None,
    ],
)
def test_an_unregistered_redirect_uri_is_a_page_never_a_redirect(
    world: World, client: ApiClient, redirect_uri: str | None
) -> None:
    for headers in ({}, {"Cookie": login(client, "north@sis.example")["Cookie"]}):
        response = client.get(link(world, redirect_uri=redirect_uri), headers=headers)
        assert response.status_code == 400
        assert "location" not in response.headers
        assert 'data-reason="invalid_redirect_uri"' in response.text
    # Nor on the decision POST, where a tampered form field must not be trusted either.
    north = login(client, "north@sis.example")
    tampered = {**form(world, north["X-CSRF-Token"], "decline"), "redirect_uri": redirect_uri or ""}
    response = client.post("/admin/connect", headers={"Cookie": north["Cookie"]}, data=tampered)
    assert response.status_code == 400
    assert "location" not in response.headers


@pytest.mark.parametrize(
    ("overrides", "reason", "status"),
    [
        ({"state": None}, "missing_state", 400),
        ({"state": ""}, "missing_state", 400),
        ({"client_id": "sat_nope"}, "invalid_client", 400),
        ({"client_id": None}, "invalid_client", 400),
        ({"client_id": "Homework Hero"}, "invalid_client", 400),  # a name is not a client id
        ({"school": "not-a-school-of-mine"}, "unknown_school", 403),
    ],
)
def test_bad_links_get_an_explanation_page(
    world: World, client: ApiClient, overrides: dict[str, str | None], reason: str, status: int
) -> None:
    north = login(client, "north@sis.example")
    response = client.get(link(world, **overrides), headers={"Cookie": north["Cookie"]})
    assert response.status_code == status
    assert f'data-reason="{reason}"' in response.text
    assert "location" not in response.headers


def test_an_app_not_live_cannot_be_connected(engine: Engine, world: World, client: ApiClient) -> None:
    with engine.begin() as conn:
        set_details(conn, world.app.id, AppDetails(description="wip", live=False), "cli")
    response = client.get(link(world))
    assert response.status_code == 403
    assert 'data-reason="app_not_live"' in response.text


def test_operators_do_not_connect_apps_for_schools(world: World, client: ApiClient) -> None:
    op = login(client, "op@hub.example")
    response = client.get(link(world), headers={"Cookie": op["Cookie"]})
    assert response.status_code == 403
    assert 'data-reason="not_permitted"' in response.text


def test_signed_out_admins_get_a_sign_in_form_that_returns_to_the_link(
    world: World, client: ApiClient
) -> None:
    page = client.get(link(world))
    assert page.status_code == 200
    assert "Sign in" in page.text
    assert "Homework Hero" in page.text
    cookie = page.cookies["satchel_admin"]
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    data = {
        "csrf_token": csrf,
        "client_id": world.app.client_id,
        "redirect_uri": CALLBACK,
        "state": "xyz-42",
        "email": "north@sis.example",
        "password": "correct horse battery",
    }
    response = client.post("/admin/connect/login", headers={"Cookie": f"satchel_admin={cookie}"}, data=data)
    assert response.status_code == 303
    assert response.headers["location"] == link(world)
    consent = client.get(
        link(world), headers={"Cookie": f"satchel_admin={response.cookies['satchel_admin']}"}
    )
    assert consent.status_code == 200
    assert "Approve and connect" in consent.text
    assert "North" in consent.text
    assert "South" not in consent.text  # only the schools this admin administers


def test_approve_grants_through_requests_and_the_code_confirms_once(
    engine: Engine, world: World, client: ApiClient
) -> None:
    params = approve(
        client, world, "north@sis.example", field="students:date_of_birth", connect_school=world.north
    )
    assert params["state"] == ["xyz-42"]
    assert params["tenant"] == ["7"]
    code = params["code"][0]
    with engine.connect() as conn:
        (req,) = rq.list_requests(conn, app_id=world.app.id)
        assert req.status is Status.APPROVED
        assert req.decided_by == "north@sis.example"
        assert req.approved_fields == {
            "students": ["given_name", "family_name", "date_of_birth"],
            "classes": ["title"],
        }
        stored = conn.execute(select(CONNECT_CODES.c.code_hash)).scalars().all()
        assert stored == [connect.hash_code(code)]  # only the hash is kept
        actions = [e.action for e in list_events(conn, app_id=world.app.id)]
        assert {"request.created", "request.approved", "connect.approved"} <= set(actions)

    first = exchange(client, world, code)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["connected_schools"] == [
        {
            "id": world.north,
            "name": "North",
            "source_record_id": body["connected_schools"][0]["source_record_id"],
            "source": {"id": world.district.source_id, "name": "sis"},
        }
    ]
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    second = exchange(client, world, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"

    # The same admin following the link again has nothing left to approve.
    north = login(client, "north@sis.example")
    again = client.get(link(world), headers={"Cookie": north["Cookie"]})
    assert again.status_code == 409
    assert 'data-reason="already_connected"' in again.text


def test_exchange_needs_the_same_redirect_uri_the_same_app_and_a_fresh_code(
    engine: Engine, world: World, client: ApiClient
) -> None:
    code = approve(client, world, "north@sis.example", connect_school=world.north)["code"][0]
    for wrong in ("https://homework.example/satchel/callback", "https://evil.example/", None):
        response = exchange(client, world, code, redirect_uri=wrong)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    with engine.begin() as conn:
        other, other_secret = make_app(conn, name="Other App")
    stolen = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(other.client_id, other_secret),
    )
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    no_auth = client.post(
        "/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    )
    assert no_auth.status_code == 401
    assert exchange(client, world, code).status_code == 200  # failed attempts did not use it up


def test_codes_expire_after_ten_minutes(engine: Engine, world: World, client: ApiClient) -> None:
    with engine.begin() as conn:
        checked = connect.check_link(conn, world.app.client_id, CALLBACK, "s", None)
        code = connect.approve(
            conn,
            checked,
            world.north_admin,
            school_ids=[world.north],
            optional_fields={},
            now=utcnow() - timedelta(minutes=11),
        )
    response = exchange(client, world, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    with engine.begin() as conn:
        row = conn.execute(select(CONNECT_CODES.c.expires_at, CONNECT_CODES.c.created_at)).one()
        assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_decline_sends_access_denied_with_state_and_grants_nothing(
    engine: Engine, world: World, client: ApiClient
) -> None:
    south = login(client, "south@sis.example")
    response = client.post(
        "/admin/connect",
        headers={"Cookie": south["Cookie"]},
        data=form(world, south["X-CSRF-Token"], "decline"),
    )
    assert response.status_code == 303
    params = parse_qs(urlsplit(response.headers["location"]).query)
    assert params == {"tenant": ["7"], "error": ["access_denied"], "state": ["xyz-42"]}
    with engine.connect() as conn:
        assert conn.execute(select(GRANTS.c.id)).first() is None
        assert rq.list_requests(conn, app_id=world.app.id) == []
        (event,) = list_events(conn, app_id=world.app.id, action_prefix="connect.")
        assert event.action == "connect.declined"
        assert event.school_ids == (world.south,)


def test_the_decision_needs_the_session_csrf_token(world: World, client: ApiClient) -> None:
    north = login(client, "north@sis.example")
    response = client.post(
        "/admin/connect", headers={"Cookie": north["Cookie"]}, data=form(world, "forged", "approve")
    )
    assert response.status_code == 403
    assert "location" not in response.headers


def test_a_trust_admin_connects_the_schools_not_yet_connected(
    engine: Engine, world: World, client: ApiClient
) -> None:
    approve(client, world, "north@sis.example", connect_school=world.north)
    district = login(client, "district@sis.example")
    page = client.get(link(world), headers={"Cookie": district["Cookie"]})
    assert page.status_code == 200
    assert f'value="{world.north}"' not in page.text
    assert f'value="{world.south}"' in page.text
    params = approve(client, world, "district@sis.example", connect_school=world.south)
    body = exchange(client, world, params["code"][0]).json()
    assert [s["id"] for s in body["connected_schools"]] == [world.south]
    with engine.connect() as conn:
        schools = set(conn.execute(select(GRANTS.c.school_id).where(GRANTS.c.revoked_at.is_(None))).scalars())
    assert schools == {world.north, world.south}
    # Choosing a school that is already connected (or not one's own) is refused on the form.
    north = login(client, "north@sis.example")
    response = client.post(
        "/admin/connect",
        headers={"Cookie": north["Cookie"]},
        data=form(world, north["X-CSRF-Token"], "approve", connect_school=world.south),
    )
    assert response.status_code in (400, 409), response.text[-1500:]
    assert "location" not in response.headers


def test_operators_register_redirect_uris_exactly(world: World, client: ApiClient) -> None:
    op = login(client, "op@hub.example")
    url = f"/admin/api/apps/{world.app.id}/redirect-uris"
    assert client.get(url, headers=op).json() == {"redirect_uris": [CALLBACK]}
    for bad in (
        "http://homework.example/cb",
        "https://homework.example/cb#x",
        "/relative",
        "https://u@h.example/",
    ):
        response = client.request("PUT", url, headers=op, json={"redirect_uris": [bad]})
        assert response.status_code == 422, bad
    ok = client.request(
        "PUT", url, headers=op, json={"redirect_uris": [CALLBACK, "http://localhost:8080/cb"]}
    )
    assert ok.status_code == 200
    assert ok.json()["redirect_uris"] == [CALLBACK, "http://localhost:8080/cb"]
    north = login(client, "north@sis.example")
    assert client.request("PUT", url, headers=north, json={"redirect_uris": []}).status_code == 403
    assert (
        client.request("PUT", url, headers={"Cookie": op["Cookie"]}, json={"redirect_uris": []}).status_code
        == 403
    )


def test_redirect_uri_validation() -> None:
    assert validate_redirect_uri("http://127.0.0.1:9000/cb") == "http://127.0.0.1:9000/cb"
    with pytest.raises(RedirectUriError):
        validate_redirect_uri("javascript:alert(1)")
    with pytest.raises(RedirectUriError):
        validate_redirect_uri("https://homework.example/cb with space")
