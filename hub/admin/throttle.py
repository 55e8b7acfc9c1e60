"""Login throttling per client address, on top of the per-account lockout in users.py.

The account lockout stops guessing one password; this stops one address spraying many accounts.
It is per process (a dict in memory): behind a load balancer each process counts on its own,
which only loosens the limit by the number of processes.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque

from fastapi import HTTPException


class LoginThrottle:
    def __init__(self, max_failures: int = 20, window_seconds: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def check(self, client: str) -> None:
        """Refuse (429) an address with too many recent failures."""
        recent = self._recent(client)
        if len(recent) >= self.max_failures:
            retry = int(self.window - (time.monotonic() - recent[0])) + 1
            raise HTTPException(
                429, "too many failed sign-ins; wait and try again", {"Retry-After": str(retry)}
            )

    def failed(self, client: str) -> None:
        self._recent(client).append(time.monotonic())

    def _recent(self, client: str) -> deque[float]:
        recent = self._failures[client]
        cutoff = time.monotonic() - self.window
        while recent and recent[0] < cutoff:
            recent.popleft()
        return recent
