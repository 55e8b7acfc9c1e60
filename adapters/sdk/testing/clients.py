"""Make every SourceHttpClient fast for tests: a short timeout, no backoff, and sleeps recorded
instead of slept.

Adapters build their SourceHttpClient themselves and rarely expose its timeout or sleep, so the
kit adjusts the class for the duration of a `with fast_http_clients() as slept:` block. `slept`
lists every delay a client asked for (Retry-After values exactly as the server sent them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from adapters.sdk.http import SourceHttpClient


@contextmanager
def fast_http_clients(*, timeout: float = 1.0) -> Iterator[list[float]]:
    slept: list[float] = []
    original = SourceHttpClient.__init__

    async def record(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    def init(self: SourceHttpClient, base_url: str, **kwargs: Any) -> None:
        kwargs.update(timeout=timeout, backoff=0.01, jitter=0.0, sleep=record)
        original(self, base_url, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SourceHttpClient, "__init__", init)
        yield slept
