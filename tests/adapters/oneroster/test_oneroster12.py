"""OneRoster 1.2 REST: OAuth 2 tokens and scopes, fields=, demographics, version detection, check()."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import polars as pl
import pytest

from adapters.oneroster.adapter import OneRosterAdapter, OneRosterConfig
from adapters.oneroster.client import OneRosterClient
from adapters.oneroster.oauth2 import OAuth2ClientCredentials, ScopeError
from adapters.oneroster.simulator import OneRosterSimulator, create_app, simulator_of
from adapters.oneroster.versions import FIELDS, SCOPE_DEMOGRAPHICS, SCOPE_GRADEBOOK, SCOPE_ROSTER_CORE
from adapters.sdk import AuthError, MappedPage, Stream
from hub.synthetic import SyntheticDistrict, generate_district

CLIENT_ID, SECRET = "district-app", "s3cret-2"
BASE = "http://testserver"
V12 = BASE + "/ims/oneroster/rostering/v1p2"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=60, seed=5)


def _transport(district: SyntheticDistrict, **options: Any) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(district, client_id=CLIENT_ID, client_secret=SECRET, **options))


def _sim(transport: httpx.ASGITransport) -> OneRosterSimulator:
    return simulator_of(transport.app)


def _adapter(transport: httpx.AsyncBaseTransport | None, **config: Any) -> OneRosterAdapter:
    settings = {"base_url": BASE, "client_id": CLIENT_ID, "client_secret": SECRET, "version": "1.2", **config}
    return OneRosterAdapter(OneRosterConfig.model_validate(settings), transport=transport)


def _stream(adapter: OneRosterAdapter, name: str) -> Stream:
    return next(s for s in adapter.streams() if s.name == name)


async def _read(stream: Stream, since: datetime | None = None) -> MappedPage:
    frames, deleted = [], []
    async for page in stream.read(since):
        mapped = stream.to_canonical(page)
        assert mapped.rejects == []
        frames.append(mapped.frame)
        deleted += mapped.deleted_ids
    return MappedPage(pl.concat(frames), [], deleted)


def _latest(district: SyntheticDistrict) -> datetime:
    stamps = [f["source_updated_at"].max() for f in district.frames.values()]
    return max(s for s in stamps if isinstance(s, datetime))


# -- OAuth 2 tokens ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_one_token_serves_every_stream_of_a_run(district: SyntheticDistrict) -> None:
    transport = _transport(district)
    adapter = _adapter(transport, page_size=50)
    for stream in adapter.streams():
        await _read(stream)
    assert _sim(transport).tokens.issued == 1


@pytest.mark.anyio
async def test_a_token_that_expires_mid_run_is_refreshed_once_and_the_read_continues(
    district: SyntheticDistrict,
) -> None:
    transport = _transport(district)
    sim = _sim(transport)
    users = _stream(_adapter(transport, page_size=20), "users")
    seen = []
    async for page in users.read(None):
        seen += [r["sourcedId"] for r in page.records]
        if len(seen) == 20:
            sim.tokens.expire_all()  # the server forgets the token between two pages
    assert sorted(seen) == sorted(district.frames["person"]["source_record_id"])
    assert sim.tokens.issued == 2


@pytest.mark.anyio
async def test_a_resource_that_keeps_refusing_fresh_tokens_fails_after_one_refresh() -> None:
    calls = {"token": 0, "orgs": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            calls["token"] += 1
            return httpx.Response(200, json={"access_token": f"t{calls['token']}", "expires_in": 3600})
        calls["orgs"] += 1
        return httpx.Response(401, json={"imsx_codeMajor": "failure"})

    client = OneRosterClient(BASE, CLIENT_ID, SECRET, version="1.2", transport=httpx.MockTransport(handler))
    with pytest.raises(AuthError, match="refused the credentials for the 'orgs' endpoint"):
        async for _ in client.pages("orgs", "orgs"):
            pass
    # First token (fresh) refused → no refresh: a fresh token being refused is a credentials problem.
    assert calls == {"token": 1, "orgs": 1}
    with pytest.raises(AuthError):
        async for _ in client.pages("orgs", "orgs"):
            pass
    # Cached token refused → exactly one new token and one retry, then give up.
    assert calls == {"token": 2, "orgs": 3}


@pytest.mark.anyio
async def test_a_token_is_renewed_shortly_before_it_expires() -> None:
    now = [1000.0]
    tokens: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            body = dict(httpx.QueryParams(request.content.decode()))
            assert body == {"grant_type": "client_credentials", "scope": SCOPE_ROSTER_CORE}
            assert request.headers["Authorization"].startswith("Basic ")
            tokens.append(f"t{len(tokens)}")
            return httpx.Response(200, json={"access_token": tokens[-1], "expires_in": 600})
        return httpx.Response(200, json={"orgs": []})

    auth = OAuth2ClientCredentials(
        BASE + "/token", CLIENT_ID, SECRET, [SCOPE_ROSTER_CORE], check_addresses=False, clock=lambda: now[0]
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as http:
        await http.get(V12 + "/orgs")
        now[0] += 500  # within the lifetime less its margin (600 - 60)
        await http.get(V12 + "/orgs")
        assert tokens == ["t0"]
        now[0] += 50  # past 540 s: renewed before the server would refuse it
        await http.get(V12 + "/orgs")
    assert tokens == ["t0", "t1"]


@pytest.mark.anyio
async def test_a_wrong_secret_is_refused_at_the_token_endpoint(district: SyntheticDistrict) -> None:
    orgs = _stream(_adapter(_transport(district), client_secret="wrong"), "orgs")
    with pytest.raises(AuthError, match=r"token endpoint .*/token refused the credentials.*invalid_client"):
        await _read(orgs)


@pytest.mark.anyio
async def test_a_missing_scope_is_a_scope_error_naming_it(district: SyntheticDistrict) -> None:
    transport = _transport(district, scopes=[SCOPE_ROSTER_CORE])  # no demographics for this client
    users = _stream(_adapter(transport), "users")
    with pytest.raises(ScopeError) as caught:
        await _read(users)
    message = str(caught.value)
    assert "HTTP 403" in message
    assert f"needs the scope {SCOPE_DEMOGRAPHICS}" in message
    assert "demographics: false" in message


@pytest.mark.anyio
async def test_the_simulator_says_which_scope_is_missing_in_its_403(district: SyntheticDistrict) -> None:
    async with httpx.AsyncClient(transport=_transport(district, scopes=[SCOPE_ROSTER_CORE])) as http:
        token = (await http.post(BASE + "/token", data={"grant_type": "client_credentials"},
                                 auth=(CLIENT_ID, SECRET))).json()  # fmt: skip
        assert token["scope"] == SCOPE_ROSTER_CORE
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        refused = await http.get(V12 + "/demographics", headers=headers)
        served = await http.get(V12 + "/users", headers=headers)
        expired = await http.get(V12 + "/users", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 403
    assert SCOPE_DEMOGRAPHICS in refused.json()["imsx_description"]
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert served.status_code == 200
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]


@pytest.mark.anyio
async def test_without_demographics_only_the_core_scope_is_needed(district: SyntheticDistrict) -> None:
    transport = _transport(district, scopes=[SCOPE_ROSTER_CORE])
    people = await _read(_stream(_adapter(transport, demographics=False), "users"))
    assert people.frame.height == district.frames["person"].height
    assert people.frame["date_of_birth"].null_count() == people.frame.height
    assert {entry.collection for entry in _sim(transport).log} == {"users"}


# -- fields=, demographics, deltas ------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("version", ["1.1", "1.2"])
async def test_the_adapter_asks_for_exactly_the_fields_it_maps(
    district: SyntheticDistrict, version: str
) -> None:
    transport = _transport(district)
    for stream in _adapter(transport, version=version).streams():
        await _read(stream)
    asked = {(e.collection, e.params.get("fields")) for e in _sim(transport).log if e.version == version}
    wanted = FIELDS["1.1" if version == "1.1" else "1.2"]
    assert asked == {(name, ",".join(fields)) for name, fields in wanted.items()}


@pytest.mark.anyio
async def test_the_simulator_returns_only_the_fields_asked_for(district: SyntheticDistrict) -> None:
    transport = _transport(district)
    client = OneRosterClient(BASE, CLIENT_ID, SECRET, version="1.2", transport=transport)
    pages = [p async for p in client.pages("users", "users", fields=("sourcedId", "roles"))]
    assert {tuple(sorted(r)) for p in pages for r in p.records} == {("roles", "sourcedId")}


@pytest.mark.anyio
@pytest.mark.parametrize("version", ["1.1", "1.2"])
async def test_demographics_are_joined_onto_people(district: SyntheticDistrict, version: str) -> None:
    people = await _read(_stream(_adapter(_transport(district), version=version), "users"))
    expected = district.frames["person"].select("source_record_id", "date_of_birth", "gender")
    got = people.frame.select("source_record_id", "date_of_birth", "gender")
    assert got.sort("source_record_id").equals(expected.sort("source_record_id"))
    assert got["date_of_birth"].null_count() < got.height  # students do have birth dates


@pytest.mark.anyio
@pytest.mark.parametrize("version", ["1.1", "1.2"])
async def test_a_delta_brings_a_person_whose_demographics_alone_changed(
    district: SyntheticDistrict, version: str
) -> None:
    transport = _transport(district)
    student = district.frames["person"].filter(pl.col("role") == "student").row(0, named=True)
    since = _latest(district)
    later = since + timedelta(hours=1)
    _sim(transport).mark_deleted("demographics", [student["source_record_id"]], at=later)
    people = await _read(_stream(_adapter(transport, version=version), "users"), since)
    [row] = people.frame.to_dicts()
    assert row["source_record_id"] == student["source_record_id"]
    assert (row["date_of_birth"], row["gender"]) == (None, None)  # its demographics were deleted
    assert row["source_updated_at"] == later  # the checkpoint moves past the demographics change
    assert row["family_name"] == student["family_name"]


@pytest.mark.anyio
async def test_a_1_2_delta_filters_on_date_last_modified(district: SyntheticDistrict) -> None:
    transport = _transport(district)
    since = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    await _read(_stream(_adapter(transport), "enrollments"), since)
    asked = {e.params.get("filter") for e in _sim(transport).log if e.collection == "enrollments"}
    assert asked == {"dateLastModified>'2026-01-02T03:04:05.678Z'"}  # every page, links included


# -- paging -----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_link_next_wins_over_x_total_count_and_total_count_pages_without_links() -> None:
    def linked(request: httpx.Request) -> httpx.Response:
        # X-Total-Count (wrongly) says 2, but the server links a further page: the link is followed.
        offset = int(request.url.params.get("offset", "0"))
        headers = {"X-Total-Count": "2", "Link": '<?offset=2&limit=2>; rel="next"' if offset == 0 else ""}
        records = [{"sourcedId": f"r{offset + i}"} for i in range(2)]
        return httpx.Response(200, json={"orgs": records}, headers=headers)

    def counted(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        ids = [f"r{i}" for i in range(5)][offset : offset + 2]
        return httpx.Response(
            200, json={"orgs": [{"sourcedId": s} for s in ids]}, headers={"X-Total-Count": "5"}
        )

    for handler, expected in ((linked, ["r0", "r1", "r2", "r3"]), (counted, ["r0", "r1", "r2", "r3", "r4"])):
        client = OneRosterClient(BASE, CLIENT_ID, SECRET, page_size=2, transport=httpx.MockTransport(handler))
        assert [r["sourcedId"] async for p in client.pages("orgs", "orgs") for r in p.records] == expected


# -- version detection and check() ----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("served", "detected"), [(("1.1", "1.2"), "1.2"), (("1.1",), "1.1"), (("1.2",), "1.2")]
)
async def test_an_unset_version_is_detected(
    district: SyntheticDistrict, served: tuple[str, ...], detected: str
) -> None:
    adapter = _adapter(_transport(district, versions=served), version=None)
    result = await adapter.check()
    assert result.ok, result.message
    assert f"connected to OneRoster {detected}" in result.message
    assert "(detected; set version" in result.message
    organisations = await _read(_stream(adapter, "orgs"))
    assert organisations.frame.height == district.frames["organisation"].height


def test_the_base_url_path_fixes_the_version() -> None:
    adapter = _adapter(None, base_url=V12, version=None)
    assert adapter.version == "1.2"
    assert adapter.client_for("1.2").root == V12


@pytest.mark.anyio
@pytest.mark.parametrize(("configured", "served"), [("1.1", "1.2"), ("1.2", "1.1")])
async def test_check_names_the_version_the_server_does_speak(
    district: SyntheticDistrict, configured: str, served: str
) -> None:
    result = await _adapter(_transport(district, versions=[served]), version=configured).check()
    assert not result.ok
    assert result.message.startswith(f"this server speaks OneRoster {served} at {BASE}/ims/oneroster/")
    assert result.message.endswith(f"set version {served}")


@pytest.mark.anyio
async def test_check_explains_refused_credentials(district: SyntheticDistrict) -> None:
    result = await _adapter(_transport(district), client_secret="wrong").check()
    assert not result.ok
    assert "refused the credentials" in result.message
    assert "client id and secret" in result.message


@pytest.mark.anyio
async def test_check_explains_a_missing_demographics_scope(district: SyntheticDistrict) -> None:
    result = await _adapter(_transport(district, scopes=[SCOPE_ROSTER_CORE])).check()
    assert not result.ok
    assert result.message.startswith("connected to OneRoster 1.2")
    assert SCOPE_DEMOGRAPHICS in result.message
    assert "demographics: false" in result.message
    without = _adapter(_transport(district, scopes=[SCOPE_ROSTER_CORE]), demographics=False, gradebook=False)
    assert (await without.check()).ok


@pytest.mark.anyio
async def test_check_explains_a_missing_gradebook_scope(district: SyntheticDistrict) -> None:
    scopes = [SCOPE_ROSTER_CORE, SCOPE_DEMOGRAPHICS]
    result = await _adapter(_transport(district, scopes=scopes)).check()
    assert not result.ok
    assert result.message.startswith("connected to OneRoster 1.2")
    assert SCOPE_GRADEBOOK in result.message
    assert "gradebook: false" in result.message
    assert (await _adapter(_transport(district, scopes=scopes), gradebook=False).check()).ok
    assert (await _adapter(_transport(district)).check()).ok  # every scope: the gradebook answers too


@pytest.mark.anyio
async def test_check_explains_a_wrong_token_url(district: SyntheticDistrict) -> None:
    result = await _adapter(_transport(district), token_url=BASE + "/oauth/nowhere").check()
    assert not result.ok
    assert "no OAuth 2 token endpoint at http://testserver/oauth/nowhere" in result.message
    assert "set token_url" in result.message


@pytest.mark.anyio
async def test_check_explains_an_unreachable_server_when_detecting() -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await _adapter(None, base_url=f"http://127.0.0.1:{port}", version=None).check()
    assert not result.ok
    assert result.message.startswith("cannot reach")


@pytest.mark.anyio
async def test_check_explains_a_server_that_is_not_oneroster_when_detecting() -> None:
    nothing = httpx.MockTransport(lambda request: httpx.Response(404, text="Not Found"))
    result = await _adapter(nothing, version=None).check()
    assert not result.ok
    assert "not like a OneRoster 1.2 or 1.1 API" in result.message
    assert "/ims/oneroster/rostering/v1p2/orgs → HTTP 404" in result.message


# -- config -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"version": "1.0"}, "1.0 over REST is not supported"),
        (
            {"base_url": BASE + "/ims/oneroster/v1p1", "version": "1.2"},
            "a OneRoster 1.1 URL but version is 1.2",
        ),
        ({"version": "1.1", "token_url": BASE + "/token"}, "token_url and scopes are for OneRoster 1.2"),
        ({"version": "1.2", "token_url": "ftp://x"}, "must start with http"),
    ],
)
def test_config_errors_say_what_is_wrong(config: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        _adapter(None, **config)


def test_a_1_2_config_takes_a_token_url_and_scopes() -> None:
    adapter = _adapter(None, token_url="https://auth.example.org/oauth/token", scopes=[SCOPE_ROSTER_CORE])
    auth = adapter.client_for("1.2").auth
    assert isinstance(auth, OAuth2ClientCredentials)
    assert (auth.token_url, auth.scopes) == ("https://auth.example.org/oauth/token", (SCOPE_ROSTER_CORE,))
    default = _adapter(None).client_for("1.2").auth
    assert isinstance(default, OAuth2ClientCredentials)
    assert (default.token_url, default.scopes) == (
        BASE + "/token",
        (SCOPE_ROSTER_CORE, SCOPE_DEMOGRAPHICS, SCOPE_GRADEBOOK),
    )
