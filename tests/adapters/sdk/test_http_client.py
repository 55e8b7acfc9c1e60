"""SourceHttpClient against a real ASGI app through httpx: retries, Retry-After, error mapping."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI, Response

from adapters.sdk import (
    AuthError,
    ConfigError,
    RetryableError,
    SourceContractError,
    SourceHttpClient,
    SourceUnreachableError,
)


def flaky_app(failures: list[int], retry_after: str | None = None) -> tuple[FastAPI, list[int]]:
    """Answers with each status in `failures` in turn, then 200."""
    app = FastAPI()
    calls: list[int] = []

    @app.get("/items")
    def items() -> Response:
        calls.append(1)
        if failures:
            status = failures.pop(0)
            headers = {"Retry-After": retry_after} if retry_after and status == 429 else {}
            return Response("busy", status_code=status, headers=headers)
        return Response('{"items": [1, 2]}', media_type="application/json")

    @app.get("/moved")
    def moved() -> Response:
        return Response(status_code=302, headers={"Location": "/items"})

    @app.get("/elsewhere")
    def elsewhere() -> Response:
        return Response(status_code=302, headers={"Location": "http://evil.example/items"})

    @app.get("/broken")
    def broken() -> Response:
        return Response('{"items": [1, 2', media_type="application/json")

    return app, calls


def client(app: FastAPI, slept: list[float], **kwargs: object) -> SourceHttpClient:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    kwargs.setdefault("jitter", 0.0)
    return SourceHttpClient("http://sim", transport=httpx.ASGITransport(app=app), sleep=sleep, **kwargs)  # type: ignore[arg-type]


def test_retries_5xx_with_backoff_then_succeeds() -> None:
    app, calls = flaky_app([503, 502])
    slept: list[float] = []
    data, _ = asyncio.run(client(app, slept).get_json("/items"))
    assert data == {"items": [1, 2]}
    assert len(calls) == 3
    assert slept == [0.5, 1.0]


def test_honours_retry_after_on_429() -> None:
    app, _ = flaky_app([429], retry_after="7")
    slept: list[float] = []
    asyncio.run(client(app, slept).get_json("/items"))
    assert slept == [7.0]


def test_gives_up_after_max_retries_with_a_retryable_error() -> None:
    app, calls = flaky_app([500, 500, 500, 500, 500])
    with pytest.raises(RetryableError, match=r"HTTP 500 from http://sim/items"):
        asyncio.run(client(app, [], max_retries=2).get_json("/items"))
    assert len(calls) == 3


def test_refused_credentials_raise_auth_error_at_once() -> None:
    app, calls = flaky_app([401])
    with pytest.raises(AuthError, match="refused the credentials"):
        asyncio.run(client(app, []).get_json("/items"))
    assert len(calls) == 1


def test_truncated_json_is_a_contract_error() -> None:
    app, _ = flaky_app([])
    with pytest.raises(SourceContractError, match="not valid JSON"):
        asyncio.run(client(app, []).get_json("/broken"))


def test_unreachable_source_is_reported_as_such() -> None:
    async def run() -> None:
        async def no_sleep(_: float) -> None:
            return None

        http = SourceHttpClient("http://127.0.0.1:9", max_retries=1, sleep=no_sleep, timeout=2)
        try:
            await http.get("/x")
        finally:
            await http.aclose()

    with pytest.raises(SourceUnreachableError, match=r"cannot reach http://127.0.0.1:9/x"):
        asyncio.run(run())


def test_client_errors_are_not_retried_but_408_is() -> None:
    app, calls = flaky_app([404])
    with pytest.raises(SourceContractError, match="unexpected HTTP 404"):
        asyncio.run(client(app, []).get_json("/items"))
    assert len(calls) == 1
    app, calls = flaky_app([408])
    asyncio.run(client(app, []).get_json("/items"))
    assert len(calls) == 2


def test_backoff_is_jittered_within_bounds() -> None:
    app, _ = flaky_app([503, 503, 503])
    slept: list[float] = []
    asyncio.run(client(app, slept, jitter=0.25).get_json("/items"))
    for delay, base in zip(slept, [0.5, 1.0, 2.0], strict=True):
        assert base * 0.75 <= delay <= base * 1.25


def test_follows_redirects_on_the_same_host_only() -> None:
    app, _ = flaky_app([])
    data, _ = asyncio.run(client(app, []).get_json("/moved"))
    assert data == {"items": [1, 2]}
    with pytest.raises(SourceContractError, match="redirects to another host"):
        asyncio.run(client(app, []).get_json("/elsewhere"))


@pytest.mark.parametrize("host", ["169.254.169.254", "169.254.10.1", "[fe80::1]"])
def test_refuses_link_local_and_metadata_addresses(host: str) -> None:
    async def run() -> None:
        http = SourceHttpClient(f"http://{host}/latest")
        try:
            await http.get("/meta-data")
        finally:
            await http.aclose()

    with pytest.raises(ConfigError, match="link-local or metadata address"):
        asyncio.run(run())
