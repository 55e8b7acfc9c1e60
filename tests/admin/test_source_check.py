""" "Test connection" on the sources page and in the JSON API: the adapter's own check, run
against a OneRoster simulator over real HTTP, with its precise message."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from adapters.oneroster.simulator import create_app as oneroster_simulator
from adapters.sdk.simserver import BackgroundServer
from hub.store.sources import add_source, update_config
from hub.synthetic import generate_district
from tests.admin.conftest import World
from tests.admin.test_admin_security import login
from tests.factories import ApiClient

CLIENT_ID, SECRET = "hub-consumer", "sim-secret-1"
# One database is enough: the check reads one source row; the MIS side is what is under test.
pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@pytest.fixture
def mis() -> Iterator[str]:
    app = oneroster_simulator(
        generate_district(students=10, seed=3), client_id=CLIENT_ID, client_secret=SECRET
    )
    with BackgroundServer(app) as server:
        yield f"{server.url}/ims/oneroster/v1p1"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sources(engine: Engine, world: World, mis: str) -> dict[str, str]:
    """The district's own source, working; and two more only an operator sees."""
    good = {"base_url": mis, "client_id": CLIENT_ID, "client_secret": SECRET}
    with engine.begin() as conn:
        update_config(conn, world.district.source_id, good)
        wrong = add_source(conn, "wrong-secret", "oneroster", {**good, "client_secret": "nope"})
        down = add_source(
            conn,
            "down",
            "oneroster",
            {**good, "base_url": f"http://127.0.0.1:{_closed_port()}/ims/oneroster/v1p1"},
        )
    return {"good": world.district.source_id, "wrong": wrong, "down": down}


def test_api_reports_the_adapters_precise_message(client: ApiClient, sources: dict[str, str]) -> None:
    op = login(client, "op@hub.example")
    answers = {
        kind: client.post(f"/admin/api/sources/{source_id}/test", headers=op)
        for kind, source_id in sources.items()
    }
    assert {kind: r.status_code for kind, r in answers.items()} == {"good": 200, "wrong": 200, "down": 200}
    good, wrong, down = (answers[k].json() for k in ("good", "wrong", "down"))
    assert good["ok"] is True
    assert good["message"].startswith("connected to OneRoster 1.1 at http://127.0.0.1:")
    assert wrong["ok"] is False
    assert "refused the credentials" in wrong["message"]
    assert "check the client id and secret" in wrong["message"]
    assert down["ok"] is False
    assert down["message"].startswith("cannot reach http://127.0.0.1:")
    assert "check the base URL" in down["message"]


def test_api_test_needs_csrf_and_a_visible_source(client: ApiClient, sources: dict[str, str]) -> None:
    north = login(client, "north@sis.example")
    no_csrf = {"Cookie": north["Cookie"]}
    assert client.post(f"/admin/api/sources/{sources['good']}/test", headers=no_csrf).status_code == 403
    assert client.post(f"/admin/api/sources/{sources['good']}/test", headers=north).json()["ok"] is True
    # A school admin cannot test (or learn of) a source that holds none of their schools.
    for kind in ("wrong", "down"):
        assert client.post(f"/admin/api/sources/{sources[kind]}/test", headers=north).status_code == 404
    assert client.post("/admin/api/sources/nope/test", headers=north).status_code == 404


def test_sources_page_button_shows_the_result(client: ApiClient, sources: dict[str, str]) -> None:
    op = login(client, "op@hub.example")
    cookie = {"Cookie": op["Cookie"]}
    page = client.get("/admin/sources", headers=cookie).text
    assert page.count(">Test connection</button>") == 3
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    url = f"/admin/sources/{sources['wrong']}/test"
    expired = client.post(url, headers=cookie, data={"csrf_token": "stale"})
    assert expired.status_code == 403
    shown = client.post(url, headers=cookie, data={"csrf_token": token.group(1)})
    assert shown.status_code == 200
    assert "wrong-secret: connection failed." in shown.text
    assert "refused the credentials" in shown.text
    ok = client.post(
        f"/admin/sources/{sources['good']}/test", headers=cookie, data={"csrf_token": token.group(1)}
    )
    assert "sis: connection works." in ok.text
    assert "connected to OneRoster 1.1" in ok.text
