"""OneRoster 1.2 auth: OAuth 2 client credentials with bearer tokens (1EdTech Security Framework).

The token is fetched inside the httpx auth flow, so it travels through the same transport as the
data requests (the in-process simulator in tests, the real network otherwise). It is cached until
shortly before it expires; a 401 on a cached token (revoked, or expired early by the server) gets
one fresh token and one retry. A 403 is a missing scope: `ScopeError` names it.

No lock guards the cache: two flows racing for a token both fetch one, and either token is valid —
cheaper than a lock that would have to be bound to one event loop.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from adapters.sdk import (
    AuthError,
    ConfigError,
    RetryableError,
    SourceContractError,
)
from adapters.sdk.http import check_address


class ScopeError(AuthError):
    """The credentials are good but lack a scope the request needs (HTTP 403, or invalid_scope)."""


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # on the adapter's clock, already less a safety margin
    scopes: tuple[str, ...]


class OAuth2ClientCredentials(httpx.Auth):
    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: Sequence[str],
        *,
        check_addresses: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = tuple(scopes)
        self._check_addresses = check_addresses  # off for an in-process transport: no address
        self._clock = clock
        self.token: Token | None = None
        self.tokens_fetched = 0

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuth2ClientCredentials works with httpx.AsyncClient only")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        fresh = False
        if self.token is None or self._clock() >= self.token.expires_at:
            self.token = await self._read_token((yield await self._token_request()))
            fresh = True
        request.headers["Authorization"] = f"Bearer {self.token.value}"
        response = yield request
        if response.status_code == 401 and not fresh:
            # The cached token died before we expected (revoked, server restarted): one new token,
            # one retry. A second 401 goes back to the caller as the credentials being refused.
            self.token = await self._read_token((yield await self._token_request()))
            request.headers["Authorization"] = f"Bearer {self.token.value}"
            response = yield request
        if response.status_code == 403:
            await response.aread()
            raise self._scope_error(request, response)

    # -- the token endpoint ----------------------------------------------------------------------
    async def _token_request(self) -> httpx.Request:
        if self._check_addresses:
            await check_address(httpx.URL(self.token_url))  # the same SSRF guard as data requests
        # RFC 6749 §2.3.1: client_secret_basic, with both parts form-encoded first.
        basic = base64.b64encode(f"{quote(self.client_id, safe='')}:{quote(self._secret, safe='')}".encode())
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        return httpx.Request(
            "POST",
            self.token_url,
            data=form,
            headers={"Authorization": f"Basic {basic.decode()}", "Accept": "application/json"},
        )

    async def _read_token(self, response: httpx.Response) -> Token:
        await response.aread()
        self.tokens_fetched += 1
        body = _json(response)
        if response.status_code == 200:
            return self._token(body, response)
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        detail = f"HTTP {response.status_code}" + (f", {error}" if error else "")
        if response.status_code == 401 or error in ("invalid_client", "unauthorized_client"):
            raise AuthError(
                f"the OneRoster 1.2 token endpoint {self.token_url} refused the credentials ({detail}): "
                "check the client id and secret"
            )
        if error == "invalid_scope":
            raise ScopeError(
                f"the OneRoster 1.2 token endpoint {self.token_url} refused the scopes "
                f"{' '.join(self.scopes)} ({detail}): grant them to client {self.client_id!r} in the SIS, "
                "or set `scopes` to what it may have"
            )
        if response.status_code in (404, 405):
            raise ConfigError(
                f"no OAuth 2 token endpoint at {self.token_url} ({detail}): set token_url to the "
                "server's token URL"
            )
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"the token endpoint {self.token_url} answered {detail}")
        raise SourceContractError(
            f"the token endpoint {self.token_url} answered {detail}: {response.text[:200]}"
        )

    def _token(self, body: Any, response: httpx.Response) -> Token:
        value = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise SourceContractError(f"{self.token_url} answered 200 without an access_token")
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        # Renew a little early, so a token never expires between our check and the server's.
        margin = min(60.0, lifetime * 0.1)
        granted = body.get("scope")
        scopes = tuple(granted.split()) if isinstance(granted, str) else self.scopes
        return Token(value, self._clock() + lifetime - margin, scopes)

    def _scope_error(self, request: httpx.Request, response: httpx.Response) -> ScopeError:
        # RFC 6750 §3: WWW-Authenticate: Bearer error="insufficient_scope", scope="…" names it.
        challenge = response.headers.get("WWW-Authenticate", "")
        needed = _param(challenge, "scope")
        granted = " ".join(self.token.scopes) if self.token else "none"
        what = f"needs the scope {needed}" if needed else "needs a scope this client was not granted"
        body = response.text[:300].strip()
        return ScopeError(
            f"OneRoster 1.2 refused {request.url.path} (HTTP 403): it {what}; the token has {granted}. "
            f"Grant the scope to client {self.client_id!r} in the SIS and add it to `scopes`. ({body})"
        )


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else {}
    except ValueError as exc:
        if response.status_code == 200:
            raise SourceContractError(
                f"the token endpoint {response.request.url} did not answer JSON"
            ) from exc
        return {}


def _param(challenge: str, name: str) -> str | None:
    marker = f'{name}="'
    start = challenge.find(marker)
    if start < 0:
        return None
    start += len(marker)
    end = challenge.find('"', start)
    return challenge[start:end] if end > start else None
