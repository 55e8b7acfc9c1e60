"""The one HTTP client every adapter uses for source requests.

It adds what every MIS connection needs: a rate limit and a concurrency cap, retries with
jittered backoff that honour Retry-After, same-host redirects only, a refusal to talk to
link-local / cloud-metadata addresses, and mapping of HTTP failures to the SDK's errors with
messages an operator can act on.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import random
import socket
import ssl
from collections.abc import Awaitable, Callable, Coroutine
from functools import cache
from typing import Any, TypeVar

import httpx

from adapters.sdk.errors import (
    AuthError,
    ConfigError,
    RetryableError,
    SourceContractError,
    SourceUnreachableError,
)
from adapters.sdk.payloads import current_log
from adapters.sdk.ratelimit import RateLimiter

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
# Cloud metadata endpoints: a source URL must never reach them (SSRF).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)

T = TypeVar("T")


class SourceHttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit_per_minute: int = 600,
        max_concurrency: int = 8,
        max_retries: int = 3,
        timeout: float = 30.0,
        backoff: float = 0.5,
        jitter: float = 0.25,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            transport=transport,
            timeout=timeout,
            headers=headers,
            follow_redirects=False,
            verify=_ssl_context(),
        )
        # An injected transport is an in-process app (tests): there is no address to check.
        self._address_checked = transport is not None
        self.limiter = RateLimiter(rate_limit_per_minute)
        self._slots = asyncio.Semaphore(max_concurrency)
        self.max_retries = max_retries
        self.backoff = backoff
        self.jitter = jitter
        self._sleep = sleep
        self.requests_sent = 0
        self._tracker: OpenClients | None = None

    async def __aenter__(self) -> SourceHttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._tracker is not None:
            self._tracker.forget(self)

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET with rate limiting, retries and same-host redirects; raises an AdapterError unless 2xx."""
        if not self._address_checked:
            await check_address(self._client.base_url)
            self._address_checked = True
        url = (
            self._client.base_url.join(path)
            if not path.startswith(("http://", "https://"))
            else httpx.URL(path)
        )
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._get_with_retries(url, params)
            if response.status_code not in REDIRECT_STATUSES:
                return response
            target = url.join(response.headers.get("Location", ""))
            if target.host != url.host or target.port != url.port:
                raise SourceContractError(
                    f"{url} redirects to another host ({target.host}); refusing to follow it"
                )
            url, params = target, None
        raise SourceContractError(f"{url}: more than {MAX_REDIRECTS} redirects")

    async def _get_with_retries(self, url: httpx.URL, params: dict[str, Any] | None) -> httpx.Response:
        attempt = 0
        while True:
            await self.limiter.acquire()
            try:
                async with self._slots:
                    self.requests_sent += 1
                    response = await self._client.get(url, params=params)
                payload_log = current_log()
                if payload_log is not None:
                    payload_log.record(str(response.request.url), response.status_code, response.content)
            except httpx.TimeoutException as exc:
                error: RetryableError | SourceUnreachableError = RetryableError(
                    f"timed out after {self._client.timeout.read}s waiting for {url}"
                )
                error.__cause__ = exc
            except httpx.TransportError as exc:
                error = SourceUnreachableError(f"cannot reach {url}: {exc or type(exc).__name__}")
                error.__cause__ = exc
            else:
                if response.is_success or response.status_code in REDIRECT_STATUSES:
                    return response
                if response.status_code in (401, 403):
                    raise AuthError(
                        f"the source refused the credentials ({response.status_code}) for {url}: {_snippet(response)}"
                    )
                if response.status_code not in RETRY_STATUSES:
                    raise SourceContractError(
                        f"unexpected HTTP {response.status_code} from {url}: {_snippet(response)}"
                    )
                error = RetryableError(f"HTTP {response.status_code} from {url}", _retry_after(response))
            attempt += 1
            if attempt > self.max_retries:
                raise error
            retry_after = error.retry_after if isinstance(error, RetryableError) else None
            await self._sleep(self._delay(attempt, retry_after))

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after  # the server said when; jitter would only make us early or late
        base = self.backoff * 2.0 ** (attempt - 1)
        # Jitter spreads the retries of many workers so they don't hit a recovering source at once.
        return base * (1 + self.jitter * (2 * random.random() - 1))

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> tuple[Any, httpx.Response]:
        response = await self.get(path, params)
        try:
            return json.loads(response.content), response
        except ValueError as exc:
            raise SourceContractError(
                f"{response.request.url} returned a body that is not valid JSON ({exc}); "
                f"it starts {response.content[:80]!r}"
            ) from exc


class OpenClients:
    """The SourceHttpClients an adapter has open, so that closing the adapter closes them all.

    A read that fails mid-stream leaves its async generators suspended inside `async with
    client`; Python closes such a generator only when it is collected, which may be after its
    event loop is gone, and its sockets then leak. The engine closes the adapter in a `finally`.
    """

    def __init__(self) -> None:
        self._clients: set[SourceHttpClient] = set()

    def __len__(self) -> int:
        return len(self._clients)

    def track(self, client: SourceHttpClient) -> SourceHttpClient:
        self._clients.add(client)
        client._tracker = self
        return client

    def forget(self, client: SourceHttpClient) -> None:
        self._clients.discard(client)

    async def aclose(self) -> None:
        for client in list(self._clients):
            await client.aclose()


async def gather_requests(*requests: Coroutine[Any, Any, T]) -> list[T]:
    """Run requests on one SourceHttpClient concurrently and return their results in order; the
    first to fail cancels the others and waits for them to end, then is raised as it is.

    Use it instead of `asyncio.gather`, which leaves the others running when one fails: the caller
    then leaves `async with client` and closes the client under them, and a request already inside
    httpx (an auth flow fetching a token after a 401, a connection still being made) carries on
    through the closed pool, which opens connections nobody closes. They are left open when the
    run's event loop ends and reported as unclosed sockets whenever they are garbage-collected.
    """
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(request) for request in requests]
    except BaseExceptionGroup as failed:
        error = failed.exceptions[0]
    else:
        return [task.result() for task in tasks]
    raise error


@cache
def _ssl_context() -> ssl.SSLContext:
    """One shared TLS context: building one loads the CA bundle (~0.1 s), once per stream otherwise."""
    return httpx.create_ssl_context()


async def check_address(url: httpx.URL) -> None:
    """Refuse hosts that resolve to link-local or cloud-metadata addresses (SSRF guard).

    Loopback and private ranges stay allowed: schools run their MIS on their own networks.
    """
    host = url.host
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, url.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SourceUnreachableError(f"cannot resolve {host}: {exc.strerror}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address in METADATA_ADDRESSES or address.is_link_local:
            raise ConfigError(
                f"{host} resolves to {address}, a link-local or metadata address; refusing to connect"
            )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _snippet(response: httpx.Response) -> str:
    return response.text[:200].strip() or "(empty body)"
