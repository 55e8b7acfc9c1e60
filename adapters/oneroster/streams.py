"""The REST streams: one per OneRoster collection; users also bring their demographics.

Streams get their client from `connect()` at the start of a read, because with `version` unset
the adapter only knows which OneRoster it talks to after probing the server (async).

Demographics (birth date, sex) live in their own endpoint, keyed by the user's sourcedId, but the
engine diffs whole person rows: a person emitted without them would have them wiped. So the users
stream reads every demographics record first (only the mapped fields), hands them to each users
page (`UsersPage`), and `to_canonical` joins them — I/O in `read`, mapping still pure. On a delta
read, a user whose demographics changed but who did not is fetched on its own, so the change is
not missed. The cost: a full (narrow) demographics read on every users read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from adapters.oneroster.client import OneRosterClient
from adapters.oneroster.mapping import ROW_MAPPERS, Record, UsersPage, to_canonical, user_row
from adapters.oneroster.oauth2 import ScopeError
from adapters.oneroster.versions import FIELDS
from adapters.sdk import MappedPage, Page, SourceContractError, Stream
from hub.canonical import ENTITIES_BY_NAME

Connect = Callable[[], Awaitable[OneRosterClient]]

DEMOGRAPHICS_HINT = "or set demographics: false to sync people without birth date and sex"


class OneRosterStream(Stream):
    incremental = True  # every collection accepts filter=dateLastModified>'…' (1.1 and 1.2)

    def __init__(self, connect: Connect, endpoint: str, key: str, entity: str) -> None:
        self.name = endpoint
        self.entity = ENTITIES_BY_NAME[entity]
        self._connect = connect
        self._key = key
        self._row = ROW_MAPPERS[entity]

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        client = await self._connect()
        fields = FIELDS[client.version][self.name]
        async for page in client.pages(self.name, self._key, since, fields=fields):
            yield page

    def to_canonical(self, page: Page) -> MappedPage:
        return to_canonical(self.entity, page, self._row)


class UsersStream(OneRosterStream):
    def __init__(self, connect: Connect, *, demographics: bool) -> None:
        super().__init__(connect, "users", "users", "person")
        self.with_demographics = demographics

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        client = await self._connect()
        fields = FIELDS[client.version]["users"]
        demographics = await read_demographics(client) if self.with_demographics else {}
        seen: set[str] = set()
        async for page in client.pages("users", "users", since, fields=fields):
            seen.update(str(r.get("sourcedId")) for r in page.records if isinstance(r, dict))
            yield UsersPage(page.records, page.location, page.total, demographics=demographics)
        if since is None:
            return
        for sourced_id in changed_since(demographics, since) - seen:
            if "'" in sourced_id:
                continue  # a OneRoster filter cannot quote it; the user's next own change carries it
            async for page in client.pages(
                "users", "users", fields=fields, filter_=f"sourcedId='{sourced_id}'"
            ):
                yield UsersPage(page.records, page.location, None, demographics=demographics)

    def to_canonical(self, page: Page) -> MappedPage:
        demographics = page.demographics if isinstance(page, UsersPage) else {}

        def row(record: Record) -> Record:
            return user_row(record, demographics.get(str(record.get("sourcedId"))))

        return to_canonical(self.entity, page, row)


async def read_demographics(client: OneRosterClient) -> dict[str, Record]:
    """Every demographics record, by sourcedId (which is the user's sourcedId)."""
    fields = FIELDS[client.version]["demographics"]
    found: dict[str, Record] = {}
    try:
        async for page in client.pages("demographics", "demographics", fields=fields):
            for record in page.records:
                if isinstance(record, dict) and isinstance(record.get("sourcedId"), str):
                    found[record["sourcedId"]] = record
    except ScopeError as exc:
        raise ScopeError(f"{exc} — {DEMOGRAPHICS_HINT}") from exc
    except SourceContractError as exc:
        raise SourceContractError(f"reading demographics: {exc} — {DEMOGRAPHICS_HINT}") from exc
    return found


def changed_since(records: dict[str, Record], since: datetime) -> set[str]:
    """sourcedIds of the records modified after `since`."""
    changed = set()
    for sourced_id, record in records.items():
        stamp = _parse(record.get("dateLastModified"))
        # No readable stamp: not counted as changed (for demographics that could mean one request
        # per user on every delta); the record's next own change, or a full sync, carries it.
        if stamp is not None and stamp > since:
            changed.add(sourced_id)
    return changed


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
