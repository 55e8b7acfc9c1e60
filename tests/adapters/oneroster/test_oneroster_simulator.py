"""The OneRoster 1.1 simulator's protocol (OAuth 1.0a, paging, filters) and the adapter's handling of it."""

from __future__ import annotations

import math
import socket
import time
from typing import Any

import httpx
import pytest

from adapters.oneroster.adapter import OneRosterAdapter, OneRosterConfig
from adapters.oneroster.client import API_PATH, OAuth1Signer, OneRosterClient
from adapters.oneroster.simulator import create_app, simulator_of
from adapters.sdk import AuthError
from hub.synthetic import SyntheticDistrict, generate_district

CLIENT_ID, SECRET = "district-consumer", "s3cret"
BASE = "http://testserver"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=120, seed=3)


@pytest.fixture
def transport(district: SyntheticDistrict) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(district, client_id=CLIENT_ID, client_secret=SECRET))


def _signed(
    transport: httpx.AsyncBaseTransport, *, secret: str = SECRET, key: str = CLIENT_ID, **kw: Any
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport, base_url=BASE + API_PATH + "/", auth=OAuth1Signer(key, secret, **kw)
    )


def _adapter(transport: httpx.AsyncBaseTransport | None, **config: Any) -> OneRosterAdapter:
    settings = {"base_url": BASE, "client_id": CLIENT_ID, "client_secret": SECRET, "version": "1.1", **config}
    return OneRosterAdapter(OneRosterConfig.model_validate(settings), transport=transport)


# -- OAuth 1.0a -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_correctly_signed_request_is_served(transport: httpx.ASGITransport) -> None:
    async with _signed(transport) as client:
        response = await client.get("orgs", params={"limit": 1, "filter": "status='active'"})
    assert response.status_code == 200
    assert len(response.json()["orgs"]) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"secret": "wrong"}, "invalid OAuth signature"),
        ({"key": "someone-else"}, "unknown consumer key"),
        ({"clock": lambda: time.time() - 3600}, "stale oauth_timestamp"),
    ],
)
async def test_refused_requests_get_401_in_the_ims_shape(
    transport: httpx.ASGITransport, kwargs: dict[str, Any], description: str
) -> None:
    async with _signed(transport, **kwargs) as client:
        response = await client.get("users")
    assert response.status_code == 401
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert description in body["imsx_description"]


@pytest.mark.anyio
async def test_a_tampered_or_replayed_or_unsigned_request_is_refused(transport: httpx.ASGITransport) -> None:
    request = httpx.Request("GET", f"{BASE}{API_PATH}/users?limit=5")
    signed = next(OAuth1Signer(CLIENT_ID, SECRET).auth_flow(request))
    async with httpx.AsyncClient(transport=transport) as client:
        tampered = await client.get(f"{BASE}{API_PATH}/users?limit=500", headers=dict(signed.headers))
        assert tampered.status_code == 401
        assert tampered.json()["imsx_description"] == "invalid OAuth signature"
        first = await client.get(f"{BASE}{API_PATH}/users?limit=5", headers=dict(signed.headers))
        replay = await client.get(f"{BASE}{API_PATH}/users?limit=5", headers=dict(signed.headers))
        unsigned = await client.get(f"{BASE}{API_PATH}/users")
    assert first.status_code == 200
    assert (replay.status_code, replay.json()["imsx_description"]) == (401, "missing or reused oauth_nonce")
    assert unsigned.status_code == 401


@pytest.mark.anyio
async def test_the_adapter_surfaces_a_refusal_as_auth_error_naming_the_endpoint(
    transport: httpx.ASGITransport,
) -> None:
    adapter = _adapter(transport, client_secret="wrong")
    enrollments = next(s for s in adapter.streams() if s.name == "enrollments")
    with pytest.raises(
        AuthError, match=r"refused the credentials for the 'enrollments' endpoint.*client id and secret"
    ):
        async for _ in enrollments.read(None):
            pass


# -- paging and filters -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_pages_carry_total_count_and_next_last_links(
    transport: httpx.ASGITransport, district: SyntheticDistrict
) -> None:
    total = district.frames["person"].height
    async with _signed(transport) as client:
        first = await client.get(
            "users", params={"limit": 10, "offset": 0, "sort": "familyName", "orderBy": "asc"}
        )
        last_offset = (total - 1) // 10 * 10
        last = await client.get("users", params={"limit": 10, "offset": last_offset})
    assert first.headers["X-Total-Count"] == str(total)
    next_url = httpx.URL(first.links["next"]["url"])
    assert (next_url.params["limit"], next_url.params["offset"], next_url.params["sort"]) == (
        "10",
        "10",
        "familyName",
    )
    assert f"offset={last_offset}" in first.links["last"]["url"]
    assert len(first.json()["users"]) == 10
    assert "next" not in last.links
    assert len(last.json()["users"]) == total - last_offset


@pytest.mark.anyio
async def test_bad_paging_and_filters_are_400(transport: httpx.ASGITransport) -> None:
    async with _signed(transport) as client:
        assert (await client.get("users", params={"limit": "ten"})).status_code == 400
        bad_filter = await client.get("users", params={"filter": "dateLastModified>'yesterday'"})
        unknown = await client.get("widgets")
    assert bad_filter.status_code == 400
    assert "yesterday" in bad_filter.json()["imsx_description"]
    assert unknown.status_code == 404


@pytest.mark.anyio
async def test_the_client_pages_until_the_total_count(
    transport: httpx.ASGITransport, district: SyntheticDistrict
) -> None:
    app = transport.app
    simulator = simulator_of(app)
    before = simulator.requests
    client = OneRosterClient(BASE, CLIENT_ID, SECRET, page_size=17, transport=transport)
    seen = [r["sourcedId"] async for page in client.pages("enrollments", "enrollments") for r in page.records]
    total = district.frames["enrollment"].height
    assert sorted(seen) == sorted(district.frames["enrollment"]["source_record_id"])
    assert simulator.requests - before == math.ceil(total / 17)  # no trailing empty page


@pytest.mark.anyio
async def test_the_client_follows_link_next_when_there_is_no_total() -> None:
    # A server that ignores `limit` (pages of 2) and only says where the next page is.
    pages = {0: ["a", "b"], 2: ["c", "d"], 4: ["e"]}

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        headers = {}
        if offset + 2 in pages:
            headers["Link"] = f'<{API_PATH}/orgs?limit=100&offset={offset + 2}>; rel="next"'
        return httpx.Response(200, json={"orgs": [{"sourcedId": s} for s in pages[offset]]}, headers=headers)

    client = OneRosterClient(BASE, CLIENT_ID, SECRET, transport=httpx.MockTransport(handler))
    seen = [r["sourcedId"] async for page in client.pages("orgs", "orgs") for r in page.records]
    assert seen == ["a", "b", "c", "d", "e"]


@pytest.mark.anyio
async def test_date_last_modified_filter_gives_only_later_records(
    transport: httpx.ASGITransport, district: SyntheticDistrict
) -> None:
    users = district.frames["person"].sort("source_updated_at")
    since = users["source_updated_at"][users.height // 2]
    expected = set(users.filter(users["source_updated_at"] > since)["source_record_id"])
    client = OneRosterClient(BASE, CLIENT_ID, SECRET, page_size=25, transport=transport)
    got = {r["sourcedId"] async for page in client.pages("users", "users", since) for r in page.records}
    assert got == expected
    assert 0 < len(got) < users.height


# -- check() ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_check_passes_with_the_right_credentials(transport: httpx.ASGITransport) -> None:
    result = await _adapter(transport).check()
    assert result.ok, result.message
    assert "connected to OneRoster 1.1" in result.message


@pytest.mark.anyio
async def test_check_explains_a_wrong_secret(transport: httpx.ASGITransport) -> None:
    result = await _adapter(transport, client_secret="wrong").check()
    assert not result.ok
    assert "refused the credentials" in result.message
    assert "client id and secret" in result.message


@pytest.mark.anyio
async def test_check_explains_an_unreachable_url() -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await _adapter(None, base_url=f"http://127.0.0.1:{port}").check()
    assert not result.ok
    assert result.message.startswith("cannot reach")
    assert "base URL" in result.message


@pytest.mark.anyio
async def test_check_explains_a_server_that_is_not_oneroster() -> None:
    html = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>Welcome to the SIS</html>"))
    result = await _adapter(html).check()
    assert not result.ok
    assert "answered, but not like a OneRoster 1.2 or 1.1 API" in result.message
    assert "/ims/oneroster/v1p1/orgs → HTTP 200, but not JSON" in result.message
