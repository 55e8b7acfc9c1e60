"""Per-app rate limits: a sliding one-minute window kept in this process.

Each API process keeps its own window, so N processes behind a load balancer let an app make up
to N x its limit; put the limit at the load balancer (or move this window into the database or
Redis) when that matters.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the oldest request in the window leaves it
    retry_after: int  # seconds to wait when refused


class RateLimiter:
    def __init__(self, window_seconds: float = WINDOW_SECONDS) -> None:
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, now: float) -> RateDecision:
        """Count a request by `key` at `now` (monotonic seconds) unless it is over `limit`."""
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            allowed = len(hits) < limit
            if allowed:
                hits.append(now)
            reset = math.ceil(hits[0] + self.window - now) if hits else 0
            return RateDecision(
                allowed=allowed,
                limit=limit,
                remaining=max(limit - len(hits), 0),
                reset_seconds=max(reset, 0),
                retry_after=0 if allowed else max(reset, 1),
            )
