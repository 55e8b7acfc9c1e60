"""How long each request spends inside a bench.serve server, so a latency seen by the client can
be split into the server's own time and what lies outside it (the client, loopback, HTTP
parsing on the client's side). The server wraps its app in ServerClock; the client reads and
clears the clock with `GET /_bench/server-time` (server_seconds)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from bench.floor_app import Receive, Send, respond

PATH = "/_bench/server-time"

App = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


class ServerClock:
    """An ASGI wrapper: the wall time of every HTTP request from the app's call to its return
    (the response sent), by path, until read."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.seconds: dict[str, list[float]] = defaultdict(list)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH:
            body, self.seconds = orjson.dumps(self.seconds), defaultdict(list)
            await respond(send, 200, body)
            return
        started = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.seconds[scope["path"]].append(time.perf_counter() - started)


async def server_seconds(client: httpx.AsyncClient) -> dict[str, list[float]]:
    """The server's request times since the last call, by path (and clears them)."""
    response = await client.get(PATH)
    response.raise_for_status()
    seconds: dict[str, list[float]] = orjson.loads(response.content)
    return seconds
