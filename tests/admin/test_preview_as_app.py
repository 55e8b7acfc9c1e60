"""Preview as app: an admin's query returns what the app's own token returns at the admin's
schools, nothing from other schools, and lands on the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from hub.access import requests as rq
from hub.access.audit import list_events
from tests.admin.conftest import World
from tests.admin.test_admin_security import login
from tests.factories import ApiClient, make_token

QUERY = (
    "{ schools { edges { node { id name students { edges { node { id givenName familyName email } } } "
    "classes { edges { node { title } } } } } } }"
)


def grant_both(engine: Engine, world: World) -> None:
    """North approves without e-mail, South with it: the field mask differs per school."""
    with engine.begin() as conn:
        north = rq.request_access(conn, world.app.id, world.district.source_id, world.north)
        rq.approve(conn, north.id, "north@sis.example")
        south = rq.request_access(conn, world.app.id, world.district.source_id, world.south)
        rq.approve(conn, south.id, "south@sis.example", optional_fields={"students": ["email"]})


def preview(client: ApiClient, world: World, headers: dict[str, str], query: str = QUERY) -> Any:
    response = client.post(f"/admin/preview/{world.app.id}/graphql", headers=headers, json={"query": query})
    assert response.status_code == 200, response.text
    return response.json()


def as_app(client: ApiClient, engine: Engine, world: World, query: str = QUERY) -> Any:
    with engine.begin() as conn:
        token = make_token(conn, world.app.id)
    response = client.graphql(query, token)
    assert response.status_code == 200, response.text
    return response.json()


def same(preview_body: dict[str, Any], app_body: dict[str, Any]) -> None:
    assert preview_body["data"] == app_body["data"]
    assert preview_body.get("errors") == app_body.get("errors")
    assert preview_body["extensions"].get("withheld") == app_body.get("extensions", {}).get("withheld")


def test_a_trust_admin_previews_exactly_what_the_app_sees(
    engine: Engine, world: World, client: ApiClient
) -> None:
    grant_both(engine, world)
    body = preview(client, world, login(client, "district@sis.example"))
    same(body, as_app(client, engine, world))
    assert body["extensions"]["preview"]["app"]["name"] == "Homework Hero"
    assert sorted(body["extensions"]["preview"]["schools"]) == sorted([world.north, world.south])


def test_a_school_admin_previews_the_app_at_their_school_only(
    engine: Engine, world: World, client: ApiClient
) -> None:
    grant_both(engine, world)
    body = preview(client, world, login(client, "north@sis.example"))
    names = [e["node"]["name"] for e in body["data"]["schools"]["edges"]]
    assert names == ["North"]
    students = body["data"]["schools"]["edges"][0]["node"]["students"]["edges"]
    assert {s["node"]["givenName"] for s in students} == {"NorthPupil0", "NorthPupil1", "NorthPupil2"}
    assert all(s["node"]["email"] is None for s in students)  # North withheld e-mail
    # The app restricted to North: revoke South and ask with the app's own token.
    with engine.begin() as conn:
        (south_req,) = [
            r for r in rq.list_requests(conn, app_id=world.app.id) if r.school_ids == (world.south,)
        ]
        rq.revoke_request(conn, south_req.id, "south@sis.example")
    same(body, as_app(client, engine, world))


def test_nothing_from_schools_the_admin_does_not_administer(
    engine: Engine, world: World, client: ApiClient
) -> None:
    with engine.begin() as conn:
        south = rq.request_access(conn, world.app.id, world.district.source_id, world.south)
        rq.approve(conn, south.id, "south@sis.example")
        rq.request_access(conn, world.app.id, world.district.source_id, world.north)  # pending: app visible
    north = login(client, "north@sis.example")
    body = preview(client, world, north)
    assert body["data"]["schools"]["edges"] == []
    assert body["extensions"]["preview"]["schools"] == []
    # Not even by global id: the app can read South's school node, the preview cannot.
    app_body = as_app(client, engine, world, "{ schools { edges { node { id } } } }")
    south_id = app_body["data"]["schools"]["edges"][0]["node"]["id"]
    node = preview(client, world, north, f'{{ node(id: "{south_id}") {{ id }} }}')
    assert node["data"] in ({"node": None}, None)


def test_previews_are_audited_and_need_a_session_csrf_and_a_school_role(
    engine: Engine, world: World, client: ApiClient
) -> None:
    grant_both(engine, world)
    north = login(client, "north@sis.example")
    preview(client, world, north)
    with engine.connect() as conn:
        (event,) = list_events(conn, app_id=world.app.id, action_prefix="app.previewed")
        assert event.actor == "north@sis.example"
        assert event.school_ids == (world.north,)
        assert event.detail["query"] == QUERY
        assert event.detail["schools_read"] == [world.north]
        # The north admin sees their own preview in their audit log; south's admin does not.
        assert (
            next(e.action for e in list_events(conn, school_scope=frozenset({world.north})))
            == "app.previewed"
        )
        assert "app.previewed" not in [
            e.action for e in list_events(conn, school_scope=frozenset({world.south}))
        ]
    url = f"/admin/preview/{world.app.id}/graphql"
    assert client.post(url, json={"query": QUERY}).status_code == 401
    assert client.post(url, headers={"Cookie": north["Cookie"]}, json={"query": QUERY}).status_code == 403
    assert client.post(url, headers=login(client, "op@hub.example"), json={"query": QUERY}).status_code == 403
    assert client.post("/admin/preview/nope/graphql", headers=north, json={"query": QUERY}).status_code == 404
    batch = client.post(url, headers=north, json=[{"query": QUERY}])
    assert batch.status_code == 400


def test_the_preview_page_carries_the_banner(engine: Engine, world: World, client: ApiClient) -> None:
    grant_both(engine, world)
    north = login(client, "north@sis.example")
    app_page = client.get(f"/admin/apps/{world.app.id}", headers={"Cookie": north["Cookie"]})
    assert app_page.status_code == 200
    assert "Preview as this app" in app_page.text
    page = client.get(f"/admin/apps/{world.app.id}/preview", headers={"Cookie": north["Cookie"]})
    assert page.status_code == 200
    assert 'id="preview-banner"' in page.text
    assert "North" in page.text
    assert "South" not in page.text
