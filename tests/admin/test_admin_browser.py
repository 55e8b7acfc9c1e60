"""The admin pages in a real browser (Debian's Chromium via Playwright): sign in, approve with an
optional field left off, reject, revoke while the app is querying, and a trust approving for two
schools at once. Saves screenshots of the main pages to docs/images/ for the admin guide."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from adapters.oneroster.simulator import create_app as oneroster_simulator
from adapters.sdk.simserver import BackgroundServer
from hub.access import requests as rq
from hub.access.requests import Status
from hub.access.users import find_user, get_user
from hub.app import create_app
from hub.store.models import GRANTS
from hub.store.sources import update_config
from hub.synthetic import generate_district
from tests.admin.conftest import PASSWORD, World
from tests.factories import make_token

CHROMIUM = Path("/usr/bin/chromium")
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
QUERY = "{ schools { edges { node { students { edges { node { givenName email } } } } } } }"

pytestmark = [
    pytest.mark.slow,
    # CI sets SATCHEL_REQUIRE_BROWSER, so there a missing browser fails instead of skipping.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("SATCHEL_REQUIRE_BROWSER"),
        reason="needs Debian's chromium: apt-get install -y chromium",
    ),
    # One database is enough to drive the pages; the services run on both in the other tests.
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SATCHEL_ADMIN_SECRET_KEY", "browser-test-key")
    monkeypatch.setenv("SATCHEL_ADMIN_COOKIE_SECURE", "false")  # plain HTTP on loopback
    # Single sign-on configured (never contacted here: tests/admin/test_admin_oidc.py runs the flow),
    # so the sign-in page shows its button.
    monkeypatch.setenv("SATCHEL_ADMIN_OIDC_ISSUER", "https://idp.example.org")
    monkeypatch.setenv("SATCHEL_ADMIN_OIDC_CLIENT_ID", "satchel")
    monkeypatch.setenv("SATCHEL_ADMIN_OIDC_CLIENT_SECRET", "unused")
    with BackgroundServer(create_app(engine)) as running:
        yield running.url


@pytest.fixture
def page(server: str) -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def sign_in(page: sync_api.Page, email: str, shot: str | None = None) -> None:
    page.goto("/admin/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if shot:
        _shot(page, shot)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/requests")


def graphql(server: str, token: str) -> dict[str, object]:
    response = httpx.post(
        f"{server}/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def students(body: dict[str, object]) -> list[dict[str, object]]:
    data = body["data"]
    assert isinstance(data, dict)
    return [s["node"] for school in data["schools"]["edges"] for s in school["node"]["students"]["edges"]]


def _shot(page: sync_api.Page, name: str) -> None:
    # SATCHEL_SCREENSHOTS=1 refreshes the admin guide's pictures; off by default to keep the tree clean.
    if os.environ.get("SATCHEL_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=True)


def test_approve_with_an_optional_field_off_then_revoke_while_querying(
    engine: Engine, world: World, server: str, page: sync_api.Page
) -> None:
    with engine.begin() as conn:
        rq.request_access(conn, world.app.id, world.district.source_id, world.north)
        token = make_token(conn, world.app.id)
    assert students(graphql(server, token)) == []

    sign_in(page, "north@sis.example", shot="admin-login")
    _shot(page, "admin-pending")
    page.get_by_role("link", name="Review Homework Hero for North").click()
    email = page.get_by_role("checkbox", name="Optional").first
    assert not email.is_checked()  # optional fields start off
    page.locator("input[value='students:date_of_birth']").check()
    _shot(page, "admin-request")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=Approved")

    with engine.connect() as conn:
        (fields,) = conn.execute(select(GRANTS.c.fields).where(GRANTS.c.app_id == world.app.id)).scalars()
    assert fields == {"students": ["given_name", "family_name", "date_of_birth"], "classes": ["title"]}
    seen = students(graphql(server, token))
    assert {s["givenName"] for s in seen} == {"NorthPupil0", "NorthPupil1", "NorthPupil2"}
    # The field mask is the GraphQL engineer's; assert it only once it is in force.
    if any(s["email"] is None for s in seen):
        assert all(s["email"] is None for s in seen)

    page.get_by_role("link", name="Approval receipt").click()
    page.wait_for_selector("text=north@sis.example")
    _shot(page, "admin-receipt")
    page.go_back()
    page.get_by_role("button", name="Revoke access").click()
    page.wait_for_selector("text=Revoked")
    assert students(graphql(server, token)) == []  # the very next request sees nothing

    page.get_by_role("link", name="Audit log").click()
    page.wait_for_selector("text=request.revoked")
    _shot(page, "admin-audit")
    page.get_by_role("link", name="Apps & data use").click()
    _shot(page, "admin-apps")


def test_operator_tests_a_connection_and_manages_people(
    engine: Engine, world: World, page: sync_api.Page
) -> None:
    mis = oneroster_simulator(generate_district(students=5, seed=2), client_id="hub", client_secret="s3cret")
    with BackgroundServer(mis) as running:
        with engine.begin() as conn:
            update_config(
                conn,
                world.district.source_id,
                {
                    "base_url": f"{running.url}/ims/oneroster/v1p1",
                    "client_id": "hub",
                    "client_secret": "s3cret",
                },
            )
        page.goto("/admin/login")
        assert page.get_by_role("link", name="Sign in with single sign-on").is_visible()
        sign_in(page, "op@hub.example")
        page.get_by_role("link", name="Sources").click()
        page.get_by_role("button", name="Test connection to sis").click()
        page.wait_for_selector("text=sis: connection works.")
        assert "connected to OneRoster 1.1" in page.get_by_role("status").inner_text()
        _shot(page, "admin-sources")

    page.get_by_role("link", name="People").click()
    page.get_by_label("E-mail").fill("deputy@north.example")
    page.get_by_label("Name").fill("Deputy Head")
    page.get_by_label("Role").select_option("school_admin")
    page.get_by_label("Schools, trusts or districts").select_option(label="North (school)")
    page.get_by_label("Initial password").fill("a long new password")
    page.get_by_role("button", name="Add person").click()
    page.wait_for_selector("text=Added deputy@north.example")
    page.get_by_role("button", name="Disable south@sis.example").click()
    page.wait_for_selector("text=Disabled south@sis.example")
    _shot(page, "admin-people")
    with engine.connect() as conn:
        south = get_user(conn, world.south_admin.id)
        assert south is not None
        assert south.disabled_at is not None
        assert find_user(conn, "deputy@north.example") is not None


def test_reject_and_defer(engine: Engine, world: World, page: sync_api.Page) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.south)
    sign_in(page, "south@sis.example")
    page.get_by_role("link", name="Review Homework Hero for South").click()
    page.get_by_role("button", name="Decide later").click()
    page.wait_for_url("**/admin/requests?status=pending")
    page.get_by_role("link", name="Review Homework Hero for South").click()
    page.get_by_role("button", name="Reject").click()
    page.wait_for_selector("text=Rejected")
    with engine.connect() as conn:
        assert rq.get_request(conn, req.id).status is Status.REJECTED
        assert conn.execute(select(GRANTS.c.id).where(GRANTS.c.app_id == world.app.id)).first() is None


def test_trust_admin_approves_two_schools_at_once(engine: Engine, world: World, page: sync_api.Page) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.district.district_id)
    sign_in(page, "district@sis.example")
    page.get_by_role("link", name="Review Homework Hero for sis District").click()
    assert page.get_by_role("checkbox", name="North").is_checked()
    assert page.get_by_role("checkbox", name="South").is_checked()
    _shot(page, "admin-trust-request")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=Approved")
    with engine.connect() as conn:
        schools = set(
            conn.execute(select(GRANTS.c.school_id).where(GRANTS.c.app_id == world.app.id)).scalars()
        )
        assert rq.get_request(conn, req.id).status is Status.APPROVED
    assert schools == {world.north, world.south}


def test_pages_need_a_session_and_refuse_app_tokens(world: World, server: str, engine: Engine) -> None:
    with engine.begin() as conn:
        token = make_token(conn, world.app.id)
    assert httpx.get(f"{server}/admin/requests").headers["location"] == "/admin/login"
    bearer = httpx.get(f"{server}/admin/requests", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 403
