from __future__ import annotations

import asyncio
import bisect

import pytest

from adapters.sdk import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_never_more_than_the_limit_in_any_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(600, 60.0, clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    async def burst() -> None:
        for i in range(2500):
            await limiter.acquire()
            sent.append(clock.now)
            if i % 7 == 0:
                clock.now += 0.013  # uneven gaps between requests

    asyncio.run(burst())
    # Every 60-second window starting at any send time holds at most 600 sends.
    for i, start in enumerate(sent):
        assert bisect.bisect_left(sent, start + 60.0) - i <= 600
    # …and the limiter does not starve: 2,500 requests take just over four windows.
    assert sent[-1] - sent[0] < 4 * 60 + 1


def test_concurrent_callers_share_one_budget() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, 60.0, clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    async def worker() -> None:
        for _ in range(5):
            await limiter.acquire()
            sent.append(clock.now)

    async def main() -> None:
        await asyncio.gather(*(worker() for _ in range(6)))

    asyncio.run(main())
    sent.sort()
    for i, start in enumerate(sent):
        assert bisect.bisect_left(sent, start + 60.0) - i <= 10


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(0)
