"""HTTP side of OneRoster 1.1 REST: OAuth 1.0a request signing and limit/offset paging.

Signing uses authlib's RFC 5849 signature functions directly rather than authlib's httpx
`OAuth1Auth`: that wrapper refuses plain http (even on loopback, where the simulators run) and
its httpx shim emits a DeprecationWarning on import.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Generator
from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.common.urls import url_decode
from authlib.oauth1.rfc5849.signature import construct_base_string, hmac_sha1_signature
from authlib.oauth1.rfc5849.util import escape

from adapters.sdk import AuthError, Page, RateLimiter, SourceContractError, SourceHttpClient

API_PATH = "/ims/oneroster/v1p1"


class OAuth1Signer(httpx.Auth):
    """Two-legged OAuth 1.0a, HMAC-SHA1, parameters in the Authorization header (OneRoster 1.1)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._clock = clock
        self._nonce = nonce

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        oauth = [
            ("oauth_consumer_key", self.client_id),
            ("oauth_nonce", self._nonce()),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", str(int(self._clock()))),
            ("oauth_version", "1.0"),
        ]
        params = url_decode(request.url.query.decode()) + oauth
        base = construct_base_string(request.method, str(request.url), params, request.headers.get("Host"))
        oauth.append(("oauth_signature", hmac_sha1_signature(base, self.client_secret, None)))
        request.headers["Authorization"] = "OAuth " + ", ".join(
            f'{escape(k)}="{escape(v)}"' for k, v in oauth
        )
        yield request


def api_root(base_url: str) -> str:
    """The v1p1 root for a server root or an already complete v1p1 URL."""
    root = base_url.rstrip("/")
    return root if root.endswith(API_PATH) else root + API_PATH


def format_datetime(value: datetime) -> str:
    """OneRoster's dateLastModified form: UTC, milliseconds, Z."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OneRosterClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        page_size: int = 100,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.root = api_root(base_url)
        self.page_size = page_size
        self._auth = OAuth1Signer(client_id, client_secret)
        self._limiter = limiter
        self._transport = transport

    def http(self, *, max_retries: int = 3) -> SourceHttpClient:
        """A fresh connection pool (one per read, so a stream never outlives its event loop)."""
        client = SourceHttpClient(
            self.root + "/",
            auth=self._auth,
            transport=self._transport,
            max_retries=max_retries,
            headers={"Accept": "application/json"},
        )
        if self._limiter is not None:
            client.limiter = self._limiter  # one budget for all the adapter's streams
        return client

    async def pages(self, collection: str, key: str, since: datetime | None = None) -> AsyncIterator[Page]:
        """Every record of `collection`, page by page; with `since`, only records modified after it."""
        params: dict[str, Any] = {"limit": self.page_size}
        if since is not None:
            params["filter"] = f"dateLastModified>'{format_datetime(since)}'"
        offset = 0
        url = collection
        query: dict[str, Any] | None = {**params, "offset": offset}
        async with self.http() as http:
            while True:
                body, response = await self._get(http, collection, url, query)
                records = body.get(key) if isinstance(body, dict) else None
                if not isinstance(records, list):
                    raise SourceContractError(
                        f"{response.url} did not return a {key!r} list; is this a OneRoster 1.1 endpoint?"
                    )
                yield Page(records=records, location=str(response.url))
                if not records:
                    return
                offset += len(records)
                total = _total_count(response)
                if total is not None and offset >= total:
                    return
                next_url = _link(response, "next")
                if next_url is not None and next_url != str(response.url):
                    url, query = next_url, None  # the server's own next page
                    continue
                if total is None and len(records) < self.page_size:
                    return
                url, query = collection, {**params, "offset": offset}

    async def _get(
        self, http: SourceHttpClient, collection: str, url: str, query: dict[str, Any] | None
    ) -> tuple[Any, httpx.Response]:
        try:
            return await http.get_json(url, query)
        except AuthError as exc:
            raise AuthError(
                f"OneRoster refused the credentials for the {collection!r} endpoint; "
                f"check the client id and secret ({exc})"
            ) from exc


def _total_count(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["X-Total-Count"])
    except (KeyError, ValueError):
        return None


_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?')


def _link(response: httpx.Response, rel: str) -> str | None:
    for url, name in _LINK.findall(response.headers.get("Link", "")):
        if rel in name.split():
            return str(response.url.join(url))
    return None
