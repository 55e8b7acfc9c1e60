"""HTTP side of OneRoster REST (1.1 and 1.2): the auth each version uses, and paging.

Paging follows the server: `Link: rel="next"` when the server sends Link headers, else offset
arithmetic against `X-Total-Count`, else a short page ends the collection.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from adapters.oneroster.oauth1 import OAuth1Signer
from adapters.oneroster.oauth2 import OAuth2ClientCredentials, ScopeError
from adapters.oneroster.versions import API_PATHS, Version, collection_path, split_base_url
from adapters.sdk import AuthError, OpenClients, Page, RateLimiter, SourceContractError, SourceHttpClient

API_PATH = API_PATHS["1.1"]  # kept for callers written against 1.1

__all__ = ["API_PATH", "OAuth1Signer", "OneRosterClient", "api_root", "format_datetime"]


def api_root(base_url: str, version: Version = "1.1") -> str:
    """The version's API root for a server root or an already complete API URL."""
    root, _ = split_base_url(base_url)
    return root + API_PATHS[version]


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
        version: Version = "1.1",
        token_url: str | None = None,
        scopes: Sequence[str] = (),
        page_size: int = 100,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.version = version
        self.server_root, _ = split_base_url(base_url)
        self.root = self.server_root + API_PATHS[version]
        self.page_size = page_size
        self.auth: httpx.Auth
        if version == "1.1":
            self.auth = OAuth1Signer(client_id, client_secret)
        else:
            self.auth = OAuth2ClientCredentials(
                token_url or self.server_root + "/token",
                client_id,
                client_secret,
                scopes,
                check_addresses=transport is None,
                **({"clock": clock} if clock else {}),
            )
        self._limiter = limiter
        self._transport = transport
        self.open_clients = OpenClients()  # closed with the adapter (see OpenClients)

    def http(self, *, max_retries: int = 3) -> SourceHttpClient:
        """A fresh connection pool (one per read, so a stream never outlives its event loop)."""
        client = SourceHttpClient(
            self.root + "/",
            auth=self.auth,
            transport=self._transport,
            max_retries=max_retries,
            headers={"Accept": "application/json"},
        )
        if self._limiter is not None:
            client.limiter = self._limiter  # one budget for all the adapter's streams
        return self.open_clients.track(client)

    async def pages(
        self,
        collection: str,
        key: str,
        since: datetime | None = None,
        *,
        fields: Sequence[str] = (),
        filter_: str | None = None,
    ) -> AsyncIterator[Page]:
        """Every record of `collection`, page by page; with `since`, only records modified after it.

        `fields` asks the server for just those fields; `filter_` is any other OneRoster filter
        (it cannot be combined with `since`: one request carries one filter here).
        """
        params: dict[str, Any] = {"limit": self.page_size}
        if since is not None:
            params["filter"] = f"dateLastModified>'{format_datetime(since)}'"
        elif filter_ is not None:
            params["filter"] = filter_
        if fields:
            params["fields"] = ",".join(fields)
        offset = 0
        url = self.url_for(collection)
        query: dict[str, Any] | None = {**params, "offset": offset}
        async with self.http() as http:
            while True:
                body, response = await self._get(http, collection, url, query)
                records = body.get(key) if isinstance(body, dict) else None
                if not isinstance(records, list):
                    raise SourceContractError(
                        f"{response.url} did not return a {key!r} list; "
                        f"is this a OneRoster {self.version} endpoint?"
                    )
                total = _total_count(response)
                yield Page(records=records, location=str(response.url), total=total)
                if not records:
                    return
                offset += len(records)
                if "Link" in response.headers:
                    # A server that sends links knows its own paging best (it may ignore `limit`).
                    next_url = _link(response, "next")
                    if next_url is None or next_url == str(response.url):
                        return
                    url, query = next_url, None
                    continue
                if total is not None:
                    if offset >= total:
                        return
                elif len(records) < self.page_size:
                    return
                url, query = self.url_for(collection), {**params, "offset": offset}

    def url_for(self, collection: str) -> str:
        """The collection's URL: 1.2 serves the gradebook under its own base path."""
        return f"{self.server_root}{collection_path(self.version, collection)}/{collection}"

    async def _get(
        self, http: SourceHttpClient, collection: str, url: str, query: dict[str, Any] | None
    ) -> tuple[Any, httpx.Response]:
        try:
            return await http.get_json(url, query)
        except ScopeError:
            raise  # already names the missing scope
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
