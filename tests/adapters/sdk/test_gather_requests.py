"""gather_requests: concurrent requests whose first failure cancels the rest before it is raised.

With `asyncio.gather` the others kept running after one failed; the caller closed the client
under them, and a request already inside httpx went on through the closed pool and opened a
connection nobody closed (the fault matrix's "unclosed socket" ResourceWarnings, Focus's
token-revoked case every time).
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncGenerator
from typing import Any

import httpx
import pytest

from adapters.sdk import AuthError, SourceContractError, SourceHttpClient
from adapters.sdk.http import gather_requests
from adapters.sdk.simserver import BackgroundServer


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """401 on /refuse, `{}` on anything else."""
    status = 401 if scope["path"] == "/refuse" else 200
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b"{}"})


class GatedAuth(httpx.Auth):
    """Holds every request but /refuse inside httpx until `gate` opens, as an auth flow does while it
    fetches a token: the request has passed the client's closed check but is not yet sent."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if request.url.path != "/refuse":
            await self.gate.wait()
        yield request


def test_a_failed_request_leaves_no_other_running_and_no_connection_open() -> None:
    with BackgroundServer(_app) as server:

        async def scenario() -> list[str]:
            gate = asyncio.Event()
            with pytest.raises(AuthError):
                async with SourceHttpClient(server.url, auth=GatedAuth(gate), max_retries=0) as http:
                    await gather_requests(http.get("/held"), http.get("/refuse"), http.get("/held"))
            others = asyncio.all_tasks() - {asyncio.current_task()}
            gate.set()  # a request still running would now go out through the closed client
            if others:
                await asyncio.wait(others, timeout=5)
            return [repr(task) for task in others]

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            still_running = asyncio.run(scenario())
            gc.collect()  # an unclosed socket is reported when collected; collect it here
    assert still_running == [], "requests kept running after the failure reached the caller"
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []


def test_results_come_back_in_order() -> None:
    async def after(delay: float, value: int) -> int:
        await asyncio.sleep(delay)
        return value

    assert asyncio.run(gather_requests(after(0.03, 1), after(0.0, 2), after(0.01, 3))) == [1, 2, 3]


def test_the_first_failure_is_raised_as_itself_after_the_others_are_cancelled() -> None:
    cancelled: list[int] = []

    async def waits(number: int) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(number)
            raise

    async def fails() -> None:
        await asyncio.sleep(0)
        raise SourceContractError("bad page")

    async def run() -> None:
        with pytest.raises(SourceContractError, match="bad page"):  # not an ExceptionGroup
            await gather_requests(waits(1), fails(), waits(2))
        assert sorted(cancelled) == [1, 2]

    asyncio.run(run())
