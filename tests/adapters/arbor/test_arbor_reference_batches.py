"""Resolving a list's references in concurrent batches stays within the rate limit and the
concurrency cap, counted on the simulator's side of real HTTP."""

from __future__ import annotations

import asyncio

from adapters.arbor.adapter import ArborAdapter
from adapters.arbor.simulator import create_app, simulator_of
from adapters.sdk import RateLimiter, registry
from adapters.sdk.simserver import BackgroundServer
from hub.synthetic import generate_district

LIMIT, WINDOW, CONCURRENCY = 15, 1.0, 4


def test_reference_resolution_keeps_to_the_rate_limit_and_the_concurrency_cap() -> None:
    app = create_app(generate_district(20, seed=13), username="u", password="p")
    sim = simulator_of(app)
    with BackgroundServer(app) as server:
        adapter = registry.create(
            "arbor",
            {
                "base_url": server.url,
                "username": "u",
                "password": "p",
                "page_size": 25,
                "max_concurrency": CONCURRENCY,
            },
        )
        assert isinstance(adapter, ArborAdapter)
        # The configured budget is per minute; a one-second window keeps the test short.
        adapter.limiter = RateLimiter(LIMIT, window=WINDOW)
        stream = next(s for s in adapter.streams() if s.name == "academic-units")

        async def read() -> int:
            return sum([len(page.records) async for page in stream.read(None)])

        sim.log.arrivals.clear()
        resolved = asyncio.run(read())
    requests = len(sim.log.arrivals)
    assert resolved == len(sim.objects["academic-units"]) > 2 * LIMIT
    assert requests > 2 * LIMIT  # enough to have needed several windows
    # Arrivals lag sending by however long the (busy, single-threaded) server takes to accept:
    # check a shorter window for bursts, and the whole read's average rate.
    assert sim.log.max_in_window(WINDOW * 0.75) <= LIMIT
    span = max(sim.log.arrivals) - min(sim.log.arrivals)
    assert (requests - LIMIT) / span <= LIMIT / WINDOW * 1.05
    assert sim.log.max_in_flight <= CONCURRENCY
