"""Managing admin accounts: hub operators list, add, disable and enable people, in the JSON API
and on the People page; nobody else can; a disabled account stops at once."""

from __future__ import annotations

import re

from sqlalchemy import Engine

from hub.access.audit import list_events
from tests.admin.conftest import PASSWORD, World
from tests.admin.test_admin_security import login
from tests.factories import ApiClient

NEW_PASSWORD = "a long new password"


def test_operators_add_disable_and_enable_people(engine: Engine, world: World, client: ApiClient) -> None:
    op = login(client, "op@hub.example")
    created = client.post(
        "/admin/api/users",
        headers=op,
        json={
            "email": "Deputy@North.example",
            "name": "Deputy",
            "password": NEW_PASSWORD,
            "role": "school_admin",
            "organisation_ids": [world.north],
        },
    )
    assert created.status_code == 201, created.text
    deputy = created.json()
    assert (deputy["email"], deputy["disabled"], deputy["organisation_ids"]) == (
        "deputy@north.example",
        False,
        [world.north],
    )
    assert "deputy@north.example" in {u["email"] for u in client.get("/admin/api/users", headers=op).json()}
    session = client.post(
        "/admin/api/login", json={"email": "deputy@north.example", "password": NEW_PASSWORD}
    )
    assert session.status_code == 200
    deputy_headers = {"Cookie": f"satchel_admin={session.cookies['satchel_admin']}"}
    assert client.get("/admin/api/me", headers=deputy_headers).status_code == 200

    disabled = client.post(f"/admin/api/users/{deputy['id']}/disable", headers=op)
    assert disabled.json()["disabled"] is True
    # The open session ends at its next request, and signing in again fails.
    assert client.get("/admin/api/me", headers=deputy_headers).status_code == 401
    again = client.post("/admin/api/login", json={"email": "deputy@north.example", "password": NEW_PASSWORD})
    assert again.status_code == 401

    assert client.post(f"/admin/api/users/{deputy['id']}/enable", headers=op).json()["disabled"] is False
    assert (
        client.post(
            "/admin/api/login", json={"email": "deputy@north.example", "password": NEW_PASSWORD}
        ).status_code
        == 200
    )

    with engine.connect() as conn:
        actions = [(e.action, e.actor, e.detail["email"]) for e in list_events(conn, action_prefix="user.")]
    assert actions == [
        ("user.enabled", "op@hub.example", "deputy@north.example"),
        ("user.disabled", "op@hub.example", "deputy@north.example"),
        ("user.created", "op@hub.example", "deputy@north.example"),
    ]


def test_refusals_are_clear(world: World, client: ApiClient) -> None:
    op = login(client, "op@hub.example")
    mine = client.post(f"/admin/api/users/{world.operator.id}/disable", headers=op)
    assert mine.status_code == 409
    assert "cannot disable your own account" in mine.json()["detail"]
    assert client.post("/admin/api/users/nobody/disable", headers=op).status_code == 404
    # A duplicate e-mail, and an organisation of the wrong kind for the role.
    for email, role, reason in (
        ("north@sis.example", "school_admin", "already exists"),
        ("t@sis.example", "trust_admin", "not district or trust organisations"),
    ):
        refused = client.post(
            "/admin/api/users",
            headers=op,
            json={"email": email, "password": NEW_PASSWORD, "role": role, "organisation_ids": [world.north]},
        )
        assert refused.status_code == 409
        assert reason in refused.json()["detail"]
    # Only operators manage people.
    for email in ("north@sis.example", "district@sis.example"):
        other = login(client, email)
        assert client.get("/admin/api/users", headers=other).status_code == 403
        assert (
            client.post(f"/admin/api/users/{world.south_admin.id}/disable", headers=other).status_code == 403
        )
        assert client.get("/admin/users", headers={"Cookie": other["Cookie"]}).status_code == 403
        assert ">People<" not in client.get("/admin/sources", headers={"Cookie": other["Cookie"]}).text


def test_people_page_adds_and_disables(world: World, client: ApiClient) -> None:
    op = login(client, "op@hub.example")
    cookie = {"Cookie": op["Cookie"]}
    page = client.get("/admin/users", headers=cookie)
    assert page.status_code == 200
    assert ">People<" in page.text
    for admin in ("op@hub.example", "north@sis.example", "district@sis.example"):
        assert admin in page.text
    assert "North (school)" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    csrf = token.group(1)
    form = {
        "csrf_token": csrf,
        "email": "head@south.example",
        "name": "Head",
        "role": "school_admin",
        "organisation": world.south,
    }
    assert (
        client.post(
            "/admin/users", headers=cookie, data={**form, "csrf_token": "stale", "password": NEW_PASSWORD}
        ).status_code
        == 403
    )
    short = client.post("/admin/users", headers=cookie, data={**form, "password": "short"})
    assert short.status_code == 422
    assert "password: String should have at least 10 characters" in short.text
    assert 'value="head@south.example"' in short.text  # what was typed is kept
    added = client.post("/admin/users", headers=cookie, data={**form, "password": NEW_PASSWORD})
    assert added.status_code == 303
    listed = client.get(added.headers["location"], headers=cookie).text
    assert "Added head@south.example" in listed
    assert "head@south.example" in listed
    disabled = client.post(
        f"/admin/users/{world.south_admin.id}/disable", headers=cookie, data={"csrf_token": csrf}
    )
    assert disabled.status_code == 303
    assert "Disabled south@sis.example" in client.get(disabled.headers["location"], headers=cookie).text
    assert (
        client.post("/admin/api/login", json={"email": "south@sis.example", "password": PASSWORD}).status_code
        == 401
    )
