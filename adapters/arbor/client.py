"""HTTP side of the Arbor dialect: Basic auth, page-number paging, batch reference resolution and
the revision changelog. Everything goes through SourceHttpClient, so the adapter's one rate limit
and the concurrency cap hold for every request, including the many single-object fetches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from adapters.arbor.dialect import API_ROOT, CHANGE_TYPES, RESOURCES, Resource, format_datetime
from adapters.sdk import (
    AuthError,
    OpenClients,
    RateLimiter,
    SourceContractError,
    SourceHttpClient,
    gather_requests,
)

Record = dict[str, Any]


@dataclass(frozen=True)
class Changes:
    """What a resource's changelog says changed after a point: references to fetch, ids gone."""

    changed: list[Record]  # references, the latest change per object
    deleted: list[str]
    location: str


class ArborClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        page_size: int = 100,
        max_concurrency: int = 8,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._auth = httpx.BasicAuth(username, password)
        self.page_size = page_size
        self.max_concurrency = max_concurrency
        self.limiter = limiter
        self._transport = transport
        self.open_clients = OpenClients()  # closed with the adapter (see OpenClients)

    def http(self) -> SourceHttpClient:
        """A fresh connection pool per read (a stream never outlives its event loop), sharing the
        adapter's limiter so that all streams together stay within the source's rate limit."""
        client = SourceHttpClient(
            self.base_url + "/",
            auth=self._auth,
            transport=self._transport,
            max_concurrency=self.max_concurrency,
            headers={"Accept": "application/json"},
        )
        if self.limiter is not None:
            client.limiter = self.limiter
        return self.open_clients.track(client)

    async def get(self, http: SourceHttpClient, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            body, _ = await http.get_json(path, params)
        except AuthError as exc:
            raise AuthError(
                f"Arbor refused the credentials of API user {self.username!r}; check the username and "
                f"password, and that the school has approved the app ({exc})"
            ) from exc
        return body

    async def reference_pages(
        self, http: SourceHttpClient, resource: Resource
    ) -> AsyncIterator[tuple[list[Record], str]]:
        """The list endpoint, page by page: (references, location). A short page is the last.

        Arbor announces no total, so an empty page after a full one is either the end or a page
        lost on the way; the page after it tells them apart (one request more per list). Taking a
        lost page for the end would make a full read tombstone everything listed after it.
        """
        path = f"{API_ROOT}/{resource.path}"
        page_number = 1
        while True:
            refs = await self._list_page(http, resource, page_number)
            if not refs and page_number > 1:
                if await self._list_page(http, resource, page_number + 1):
                    raise SourceContractError(
                        f"{path}: page {page_number} came back empty, but page {page_number + 1} lists "
                        "references; the list is incomplete, so nothing was applied"
                    )
                return
            yield refs, f"{path}?page-number={page_number}"
            if len(refs) < self.page_size:
                return
            page_number += 1

    async def _list_page(self, http: SourceHttpClient, resource: Resource, number: int) -> list[Record]:
        path = f"{API_ROOT}/{resource.path}"
        body = await self.get(http, path, {"page-number": number, "page-size": self.page_size})
        refs = body.get(resource.list_key) if isinstance(body, dict) else None
        if not isinstance(refs, list):
            raise SourceContractError(
                f"{path} (page {number}) did not return a {resource.list_key!r} list of references"
            )
        return refs

    async def resolve(self, http: SourceHttpClient, refs: list[Record]) -> list[Record]:
        """Fetch the objects behind references, concurrently. SourceHttpClient's semaphore and the
        shared limiter pace them; gathering a whole page keeps the connection pool busy. The first
        to fail cancels the rest (see gather_requests)."""
        return await gather_requests(*(self._fetch(http, ref) for ref in refs))

    async def _fetch(self, http: SourceHttpClient, ref: Record) -> Record:
        href = ref.get("href") if isinstance(ref, dict) else None
        entity_type = ref.get("entityType") if isinstance(ref, dict) else None
        if not isinstance(href, str) or not href.startswith(API_ROOT + "/"):
            raise SourceContractError(f"a reference without a usable href: {ref!r}")
        body = await self.get(http, href)
        key = entity_type[0].lower() + entity_type[1:] if isinstance(entity_type, str) and entity_type else ""
        record = body.get(key) if isinstance(body, dict) else None
        if not isinstance(record, dict):
            raise SourceContractError(f"{href} did not return a {key or 'single'!r} object")
        return record

    async def objects(
        self, http: SourceHttpClient, resource: Resource
    ) -> AsyncIterator[tuple[list[Record], str]]:
        async for refs, location in self.reference_pages(http, resource):
            yield await self.resolve(http, refs), location

    async def read_all(self, http: SourceHttpClient, path: str) -> dict[str, Record]:
        """Every object of a (small) resource, by id: the lookups a mapping joins against."""
        found: dict[str, Record] = {}
        async for records, _ in self.objects(http, RESOURCES[path]):
            for record in records:
                found[str(record.get("id"))] = record
        return found

    async def changes(self, http: SourceHttpClient, resource: Resource, since: datetime) -> Changes:
        """Changes after `since`, collapsed to the latest per object.

        The first request selects by time (the engine keeps a datetime checkpoint); later pages
        follow the revision cursor, which is exact even while the school keeps editing.
        """
        path = f"{API_ROOT}/{resource.path}/changelog"
        params: dict[str, Any] = {
            "filters.changeDatetime.after": format_datetime(since),
            "page-size": self.page_size,
        }
        latest: dict[str, tuple[int, str, Record]] = {}
        while True:
            body = await self.get(http, path, params)
            entries = body.get("changes") if isinstance(body, dict) else None
            if not isinstance(entries, list):
                raise SourceContractError(f"{path} did not return a 'changes' list")
            for entry in entries:
                revision, kind, ref = _change(entry, path)
                record_id = str(ref["id"])
                if record_id not in latest or latest[record_id][0] < revision:
                    latest[record_id] = (revision, kind, ref)
            if len(entries) < self.page_size:
                break
            last = max(_change(e, path)[0] for e in entries)
            params = {"since-revision": last, "page-size": self.page_size}
        changed = [ref for _, kind, ref in latest.values() if kind != "deleted"]
        deleted = [record_id for record_id, (_, kind, _) in latest.items() if kind == "deleted"]
        return Changes(changed, deleted, f"{path}?filters.changeDatetime.after={format_datetime(since)}")


def _change(entry: Any, path: str) -> tuple[int, str, Record]:
    if not isinstance(entry, dict):
        raise SourceContractError(f"{path}: a change that is not an object: {entry!r}")
    ref, kind, revision = entry.get("changedObject"), entry.get("changeType"), entry.get("toRevision")
    if not isinstance(ref, dict) or ref.get("id") in (None, ""):
        raise SourceContractError(f"{path}: a change without a changedObject reference: {entry!r}")
    if kind not in CHANGE_TYPES:
        raise SourceContractError(f"{path}: unknown changeType {kind!r}; expected one of {CHANGE_TYPES}")
    if not isinstance(revision, int):
        raise SourceContractError(f"{path}: toRevision is not a number: {entry!r}")
    return revision, kind, ref
