"""bench.server_clock over real HTTP: each request's time inside the server, by path, read and
cleared by the client."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from adapters.sdk.simserver import BackgroundServer
from bench.floor_app import Receive, Send
from bench.server_clock import ServerClock, server_seconds


async def _slow_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Answers after sleeping the milliseconds its path names (`/sleep/20`)."""
    await asyncio.sleep(int(scope["path"].rsplit("/", 1)[1]) / 1000)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_the_clock_times_each_request_by_path_and_clears_when_read() -> None:
    async def scenario(url: str) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
        async with httpx.AsyncClient(base_url=url) as client:
            for path in ("/sleep/30", "/sleep/1", "/sleep/30"):
                (await client.get(path)).raise_for_status()
            return await server_seconds(client), await server_seconds(client)

    with BackgroundServer(ServerClock(_slow_app)) as server:
        first, second = asyncio.run(scenario(server.url))

    assert sorted(first) == ["/sleep/1", "/sleep/30"]
    assert len(first["/sleep/30"]) == 2
    assert all(0.025 <= t < 1 for t in first["/sleep/30"])  # asyncio may wake a tick early
    assert first["/sleep/1"][0] < min(first["/sleep/30"])
    assert second == {}  # the first read cleared them
