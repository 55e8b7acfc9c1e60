"""The one HTTP client every adapter uses for source requests.

It adds what every MIS connection needs: a rate limit, retries with backoff that honour
Retry-After, and mapping of HTTP failures to the SDK's errors with messages an operator can act on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from adapters.sdk.errors import (
    AuthError,
    RetryableError,
    SourceContractError,
    SourceUnreachableError,
)
from adapters.sdk.ratelimit import RateLimiter

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SourceHttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit_per_minute: int = 600,
        max_retries: int = 3,
        timeout: float = 30.0,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, auth=auth, transport=transport, timeout=timeout, headers=headers
        )
        self.limiter = RateLimiter(rate_limit_per_minute)
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self.requests_sent = 0

    async def __aenter__(self) -> SourceHttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET with rate limiting and retries; raises an AdapterError for anything but 2xx."""
        attempt = 0
        while True:
            await self.limiter.acquire()
            try:
                self.requests_sent += 1
                response = await self._client.get(path, params=params)
            except httpx.TimeoutException as exc:
                error: RetryableError | SourceUnreachableError = RetryableError(
                    f"timed out after {self._client.timeout.read}s waiting for {self._url(path)}"
                )
                error.__cause__ = exc
            except httpx.TransportError as exc:
                error = SourceUnreachableError(f"cannot reach {self._url(path)}: {exc}")
                error.__cause__ = exc
            else:
                if response.is_success:
                    return response
                if response.status_code in (401, 403):
                    raise AuthError(
                        f"the source refused the credentials ({response.status_code}) for {self._url(path)}: "
                        f"{_snippet(response)}"
                    )
                if response.status_code not in RETRY_STATUSES:
                    raise SourceContractError(
                        f"unexpected HTTP {response.status_code} from {self._url(path)}: {_snippet(response)}"
                    )
                error = RetryableError(
                    f"HTTP {response.status_code} from {self._url(path)}", _retry_after(response)
                )
            attempt += 1
            if attempt > self.max_retries:
                raise error
            delay = getattr(error, "retry_after", None) or self.backoff * 2 ** (attempt - 1)
            await self._sleep(delay)

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> tuple[Any, httpx.Response]:
        response = await self.get(path, params)
        try:
            return json.loads(response.content), response
        except ValueError as exc:
            raise SourceContractError(
                f"{self._url(path)} returned a body that is not valid JSON ({exc}); "
                f"it starts {response.content[:80]!r}"
            ) from exc

    def _url(self, path: str) -> str:
        return str(self._client.base_url.join(path))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _snippet(response: httpx.Response) -> str:
    return response.text[:200].strip() or "(empty body)"
