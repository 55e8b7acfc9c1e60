"""The REST gradebook streams: lineItems → assignments, results → assignment results.

Categories are no entity of their own (a canonical assignment keeps its category's title), so
they are read whole, narrowly, by the lineItems stream; when any category changed since the
checkpoint every lineItem is read again, because a renamed category changes them all. Records
that do not name their school (1.1 lineItems; all results) find it through their class: the
class → school map (and, for 1.1 results, lineItem → class) is read narrowly, once per run and
only when a page holds such a record, so an empty delta costs one request per stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from adapters.oneroster.client import OneRosterClient
from adapters.oneroster.gradebook_mapping import GradebookPage, line_item_row, result_row
from adapters.oneroster.mapping import FieldError, Record, guid_ref, is_deleted, to_canonical
from adapters.oneroster.streams import by_sourced_id, changed_since, guarded
from adapters.oneroster.versions import FIELDS, LOOKUP_FIELDS
from adapters.sdk import MappedPage, Page, Stream
from hub.canonical import ASSIGNMENT, ASSIGNMENT_RESULT

Connect = Callable[[], Awaitable[OneRosterClient]]

GRADEBOOK_HINT = "or set gradebook: false to sync without assignments and results"


class Lookups:
    """What gradebook records point at, read once per run (narrow, every record) on first need."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect
        self._read: dict[str, dict[str, Record]] = {}

    async def records(self, collection: str, fields: tuple[str, ...]) -> dict[str, Record]:
        if collection not in self._read:
            client = await self._connect()
            pages = client.pages(collection, collection, fields=fields)
            self._read[collection] = await by_sourced_id(_guarded(pages))
        return self._read[collection]

    async def categories(self) -> dict[str, Record]:
        client = await self._connect()
        return await self.records("categories", FIELDS[client.version]["categories"])

    async def class_schools(self) -> dict[str, str]:
        return _refs(await self.records("classes", LOOKUP_FIELDS["classes"]), "school")

    async def line_item_classes(self) -> dict[str, str]:
        return _refs(await self.records("lineItems", LOOKUP_FIELDS["lineItems"]), "class")


class GradebookStream(Stream):
    incremental = True
    row: Callable[[Record, GradebookPage], Record]  # the record mapper, given the page's lookups

    def __init__(self, connect: Connect, lookups: Lookups) -> None:
        self._connect = connect
        self._lookups = lookups

    async def pages(self, since: datetime | None) -> AsyncIterator[Page]:
        client = await self._connect()
        fields = FIELDS[client.version][self.name]
        async for page in _guarded(client.pages(self.name, self.name, since, fields=fields)):
            yield page

    def to_canonical(self, page: Page) -> MappedPage:
        gradebook = page if isinstance(page, GradebookPage) else GradebookPage(page.records, page.location)
        return to_canonical(self.entity, page, lambda r: self.row(r, gradebook))


class LineItemsStream(GradebookStream):
    name = "lineItems"
    entity = ASSIGNMENT
    row = staticmethod(line_item_row)

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        categories = await self._lookups.categories()
        if since is not None and changed_since(categories, since):
            since = None  # a category's new title belongs to every line item in it
        live = {k: v for k, v in categories.items() if not is_deleted(v)}
        async for page in self.pages(since):
            schools = await self._lookups.class_schools() if _needs(page, "school") else {}
            yield GradebookPage(
                page.records, page.location, page.total, categories=live, class_schools=schools
            )


class ResultsStream(GradebookStream):
    name = "results"
    entity = ASSIGNMENT_RESULT
    row = staticmethod(result_row)

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        async for page in self.pages(since):
            live = [r for r in page.records if isinstance(r, dict) and not is_deleted(r)]
            schools = await self._lookups.class_schools() if live else {}
            classes = await self._lookups.line_item_classes() if _needs(page, "class") else {}
            yield GradebookPage(
                page.records, page.location, page.total, class_schools=schools, line_item_classes=classes
            )


def _guarded(pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
    """Pages of a gradebook collection; a refusal or a missing endpoint says how to do without."""
    return guarded(pages, "the gradebook", GRADEBOOK_HINT)


def _needs(page: Page, field: str) -> bool:
    """Does any live record on the page lack `field` (so its school is found through a lookup)?"""
    return any(isinstance(r, dict) and not is_deleted(r) and not r.get(field) for r in page.records)


def _refs(records: dict[str, Record], field: str) -> dict[str, str]:
    """sourcedId → the sourcedId its `field` (a GUIDRef) points at, for records that have one."""
    found = {}
    for sourced_id, record in records.items():
        try:
            target = guid_ref(record.get(field), field)
        except FieldError:
            continue  # the record's own stream quarantines it
        if target is not None:
            found[sourced_id] = target
    return found
