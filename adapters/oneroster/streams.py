"""The REST streams: one per OneRoster collection; users also bring their demographics.

Streams get their client from `connect()` at the start of a read, because with `version` unset
the adapter only knows which OneRoster it talks to after probing the server (async).

Demographics (birth date, sex) live in their own endpoint, keyed by the user's sourcedId, but the
engine diffs whole person rows: a person emitted without them would have them wiped. So the users
stream reads every demographics record first (only the mapped fields), hands them to each users
page (`UsersPage`), and `to_canonical` joins them — I/O in `read`, mapping still pure. On a delta
read, a user whose demographics changed but who did not is fetched on its own, so the change is
not missed. The cost: a full (narrow) demographics read on every users read.

The same records also become the canonical `demographics` entity (race and ethnicity flags,
country of birth; `DemographicsStream`, read after users). A demographics record names no school,
so it takes its user's: the users stream notes the school of every user it reads (`People`), and
since it reads every user on a full read and, on a delta, every user whose demographics changed,
the demographics stream needs no request of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.oneroster.client import OneRosterClient
from adapters.oneroster.mapping import (
    ROW_MAPPERS,
    DemographicsPage,
    FieldError,
    Record,
    UsersPage,
    demographics_row,
    to_canonical,
    user_row,
    user_school,
)
from adapters.oneroster.oauth2 import ScopeError
from adapters.oneroster.versions import FIELDS
from adapters.sdk import MappedPage, Page, SourceContractError, Stream
from hub.canonical import DEMOGRAPHICS, ENTITIES_BY_NAME

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


@dataclass
class People:
    """What the users stream of a run saw, for the demographics stream after it."""

    demographics: dict[str, Record] = field(default_factory=dict)  # every record, by sourcedId
    schools: dict[str, str] = field(default_factory=dict)  # user sourcedId → school, users read
    read: bool = False

    def note(self, records: list[Record]) -> None:
        for record in records:
            if not isinstance(record, dict) or not isinstance(record.get("sourcedId"), str):
                continue
            try:
                school = user_school(record)
            except FieldError:
                continue  # the users stream quarantines it; its demographics say why in turn
            if school is not None:
                self.schools[record["sourcedId"]] = school


class UsersStream(OneRosterStream):
    def __init__(self, connect: Connect, *, demographics: bool, people: People | None = None) -> None:
        super().__init__(connect, "users", "users", "person")
        self.with_demographics = demographics
        self.people = people or People()

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        client = await self._connect()
        fields = FIELDS[client.version]["users"]
        demographics = await read_demographics(client) if self.with_demographics else {}
        self.people.demographics, self.people.read = demographics, True
        seen: set[str] = set()
        async for page in client.pages("users", "users", since, fields=fields):
            seen.update(str(r.get("sourcedId")) for r in page.records if isinstance(r, dict))
            self.people.note(page.records)
            yield UsersPage(page.records, page.location, page.total, demographics=demographics)
        if since is None:
            return
        for sourced_id in changed_since(demographics, since) - seen:
            if "'" in sourced_id:
                continue  # a OneRoster filter cannot quote it; the user's next own change carries it
            async for page in client.pages(
                "users", "users", fields=fields, filter_=f"sourcedId='{sourced_id}'"
            ):
                self.people.note(page.records)
                yield UsersPage(page.records, page.location, None, demographics=demographics)

    def to_canonical(self, page: Page) -> MappedPage:
        demographics = page.demographics if isinstance(page, UsersPage) else {}

        def row(record: Record) -> Record:
            return user_row(record, demographics.get(str(record.get("sourcedId"))))

        return to_canonical(self.entity, page, row)


class DemographicsStream(Stream):
    """The demographics records the users stream read (all, or those changed since), as the
    canonical demographics entity; each takes its user's school."""

    name = "demographics"
    entity = DEMOGRAPHICS
    incremental = True

    def __init__(self, people: People, page_size: int) -> None:
        self.people = people
        self.page_size = page_size

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        if not self.people.read:
            raise RuntimeError("the demographics stream reads what the users stream read: run users first")
        records = self.people.demographics
        wanted = list(records) if since is None else sorted(changed_since(records, since))
        # Like a REST collection, an empty read is one empty page.
        for start in range(0, max(len(wanted), 1), self.page_size):
            chunk = [records[i] for i in wanted[start : start + self.page_size]]
            yield DemographicsPage(chunk, "demographics", len(wanted), schools=self.people.schools)

    def to_canonical(self, page: Page) -> MappedPage:
        schools = page.schools if isinstance(page, DemographicsPage) else {}
        return to_canonical(self.entity, page, lambda r: demographics_row(r, schools))


async def read_demographics(client: OneRosterClient) -> dict[str, Record]:
    """Every demographics record, by sourcedId (which is the user's sourcedId)."""
    fields = FIELDS[client.version]["demographics"]
    pages = client.pages("demographics", "demographics", fields=fields)
    return await by_sourced_id(guarded(pages, "demographics", DEMOGRAPHICS_HINT))


async def by_sourced_id(pages: AsyncIterator[Page]) -> dict[str, Record]:
    """Every record of the pages, by sourcedId (records without one are left to the mapping)."""
    found: dict[str, Record] = {}
    async for page in pages:
        for record in page.records:
            if isinstance(record, dict) and isinstance(record.get("sourcedId"), str):
                found[record["sourcedId"]] = record
    return found


async def guarded(pages: AsyncIterator[Page], what: str, hint: str) -> AsyncIterator[Page]:
    """Pages of a collection the config may turn off (`what`); a refusal or a missing endpoint
    says how to do without (`hint`)."""
    try:
        async for page in pages:
            yield page
    except ScopeError as exc:
        raise ScopeError(f"{exc} — {hint}") from exc
    except SourceContractError as exc:
        raise SourceContractError(f"reading {what}: {exc} — {hint}") from exc


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
