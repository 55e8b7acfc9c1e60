"""A small closed-loop load generator: `clients` coroutines on one httpx connection pool, each
sending its next request as soon as the last one is answered, until the deadline. Loopback only;
the loops stop by themselves at the deadline (a request in flight is allowed to finish)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import anyio
import httpx

from bench.stats import percentile

Request = Callable[[httpx.AsyncClient, int], Awaitable[int]]  # (client, n) → rows; raises on error


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


def _loopback(base_url: str) -> None:
    host = urlparse(base_url).hostname
    if host not in {"127.0.0.1", "::1", "localhost"}:
        raise ValueError(f"load is only ever sent to loopback, not {host}")


async def run_load(base_url: str, request: Request, *, clients: int, duration: float) -> LoadResult:
    _loopback(base_url)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    result = LoadResult(seconds=duration)
    started = time.perf_counter()
    deadline = started + duration

    async def loop(worker: int, client: httpx.AsyncClient) -> None:
        n = worker
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                await request(client, n)
            except Exception as exc:  # every failure is counted, none stops the run
                result.errors += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"[:300]
            else:
                result.latencies.append(time.perf_counter() - sent)
            n += clients

    client = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0)
    async with client, anyio.create_task_group() as group:
        for worker in range(clients):
            group.start_soon(loop, worker, client)
    result.seconds = time.perf_counter() - started
    return result
