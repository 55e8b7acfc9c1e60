# ruff: noqa: F811  (the `page` and `server` fixtures are imported, so test arguments name them)
"""Connect by link and Preview as app in a real browser (Debian's Chromium via Playwright).

The vendor's callback is intercepted by Playwright (page.route), so the test sees exactly where
Satchel sends the browser, and sees it NOT go anywhere for a tampered link. Saves the pages'
screenshots to docs/images/ with SATCHEL_SCREENSHOTS=1."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import Engine

from hub.access.apps import set_redirect_uris
from tests.admin.conftest import PASSWORD, World
from tests.admin.test_admin_browser import _shot, graphql, students

sync_api = pytest.importorskip("playwright.sync_api")
# The same browser, markers and fixtures as the admin browser tests.
from tests.admin.test_admin_browser import page, pytestmark, server  # noqa: E402, F401

CALLBACK = "https://homework.example/satchel/callback"


@pytest.fixture
def callbacks(engine: Engine, world: World, page: sync_api.Page) -> list[str]:
    """Register the vendor's callback and record every navigation to it (answered by a stub)."""
    with engine.begin() as conn:
        set_redirect_uris(conn, world.app.id, [CALLBACK], "op@hub.example")
    seen: list[str] = []

    def vendor(route: sync_api.Route) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>Back at Homework Hero</h1>")

    page.route("https://homework.example/**", vendor)
    return seen


def link(world: World, **overrides: str | None) -> str:
    params = {"client_id": world.app.client_id, "redirect_uri": CALLBACK, "state": "st-123", **overrides}
    return "/connect?" + urlencode({k: v for k, v in params.items() if v is not None})


def sign_in_to_connect(page: sync_api.Page, email: str, shot: str | None = None) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if shot:
        _shot(page, shot)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("text=Approve and connect")


def test_link_sign_in_approve_exchange_then_read_only_the_approved_fields(
    world: World, server: str, page: sync_api.Page, callbacks: list[str]
) -> None:
    page.goto(link(world))
    sign_in_to_connect(page, "north@sis.example", shot="connect-sign-in")
    assert not page.locator("input[value='students:email']").is_checked()  # optional fields start off
    page.locator("input[value='students:date_of_birth']").check()
    _shot(page, "connect-consent")
    page.get_by_role("button", name="Approve and connect").click()
    page.wait_for_selector("text=Back at Homework Hero")

    (url,) = callbacks
    assert url.startswith(CALLBACK + "?")
    params = parse_qs(urlsplit(url).query)
    assert params["state"] == ["st-123"]
    exchanged = httpx.post(
        f"{server}/oauth/token",
        data={"grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": CALLBACK},
        auth=(world.app.client_id, world.secret),
    )
    assert exchanged.status_code == 200, exchanged.text
    assert [s["name"] for s in exchanged.json()["connected_schools"]] == ["North"]

    # The app's data access: an ordinary client-credentials token.
    token = httpx.post(
        f"{server}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(world.app.client_id, world.secret),
    ).json()["access_token"]
    body = graphql(server, token)
    seen = students(body)
    assert {s["givenName"] for s in seen} == {"NorthPupil0", "NorthPupil1", "NorthPupil2"}
    assert all(s["email"] is None for s in seen)
    extensions = body["extensions"]
    assert isinstance(extensions, dict)
    assert [(w["type"], w["field"]) for w in extensions["withheld"]] == [("Person", "email")]


def test_decline_returns_access_denied_with_state(
    world: World, page: sync_api.Page, callbacks: list[str]
) -> None:
    page.goto(link(world))
    sign_in_to_connect(page, "south@sis.example")
    page.get_by_role("button", name="Decline").click()
    page.wait_for_selector("text=Back at Homework Hero")
    (url,) = callbacks
    assert parse_qs(urlsplit(url).query) == {"error": ["access_denied"], "state": ["st-123"]}


def test_a_tampered_redirect_uri_or_missing_state_never_leaves_satchel(
    world: World, server: str, page: sync_api.Page, callbacks: list[str]
) -> None:
    page.route("https://evil.example/**", lambda route: callbacks.append(route.request.url) or route.abort())
    page.goto(link(world, redirect_uri="https://evil.example/steal"))
    page.wait_for_selector("text=This link does not go back to a registered address")
    _shot(page, "connect-bad-redirect")
    assert page.url.startswith(server)
    page.goto(link(world, redirect_uri=CALLBACK + "/../evil"))
    page.wait_for_selector("text=This link does not go back to a registered address")
    page.goto(link(world, state=None))
    page.wait_for_selector("text=This link is incomplete")
    assert page.url.startswith(server)
    assert callbacks == []


def test_preview_as_app_shows_the_banner_and_runs_as_the_app(
    engine: Engine, world: World, page: sync_api.Page, callbacks: list[str]
) -> None:
    page.goto(link(world))
    sign_in_to_connect(page, "north@sis.example")
    page.get_by_role("button", name="Approve and connect").click()
    page.wait_for_selector("text=Back at Homework Hero")
    # GraphiQL comes from a CDN; offline (as in CI) the page's own console runs the query.
    page.route("https://unpkg.com/**", lambda route: route.abort())
    page.goto(f"/admin/apps/{world.app.id}")
    page.get_by_role("link", name="Preview as this app").click()
    banner = page.locator("#preview-banner")
    assert "Homework Hero" in banner.inner_text()
    assert "North" in banner.inner_text()
    page.get_by_role("button", name="Run as Homework Hero").click()
    page.wait_for_selector("#result:has-text('NorthPupil0')")
    result = page.locator("#result").inner_text()
    assert "SouthPupil" not in result
    assert '"preview"' in result
    assert '"withheld"' in result
    _shot(page, "preview-as-app")
