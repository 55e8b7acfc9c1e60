"""The streams: one per Arbor resource, in dependency order, each mapped to one canonical entity.

A full read lists references page by page and resolves each page concurrently. An incremental
read asks the resource's changelog what changed after the checkpoint, resolves just those, and
passes on the ids the changelog deleted. Lookups (small resources a mapping joins against) are
read in full at the start of every read, so mapping a page stays pure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from adapters.arbor import mapping as m
from adapters.arbor.client import ArborClient
from adapters.arbor.dialect import RESOURCES
from adapters.arbor.mapping import ArborPage, RowMapper
from adapters.arbor.values import Record
from adapters.sdk import MappedPage, Page, Stream
from adapters.sdk.http import SourceHttpClient
from hub.canonical import ENTITIES_BY_NAME


@dataclass(frozen=True)
class StreamSpec:
    path: str  # the Arbor resource, also the stream's (checkpoint) name
    entity: str
    row: RowMapper
    lookups: tuple[str, ...] = ()
    # Behaviour joins each involvement to its incident; an edit to the incident alone would not
    # show in the involvements' changelog, so that stream is read in full every time.
    incremental: bool = True


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("schools", "organisation", m.school_row),
    StreamSpec("academic-years", "academic_session", m.academic_year_row),
    StreamSpec("terms", "academic_session", m.term_row, ("academic-years",)),
    StreamSpec(
        "progress-measurement-periods", "academic_session", m.progress_period_row, ("academic-years",)
    ),
    StreamSpec("registration-forms", "class", m.registration_form_row),
    StreamSpec("academic-units", "class", m.academic_unit_row, ("terms",)),
    StreamSpec("students", "person", m.student_row),
    StreamSpec("staff", "person", m.staff_row),
    StreamSpec("guardians", "person", m.guardian_row),
    StreamSpec("registration-form-memberships", "enrollment", m.form_membership_row),
    StreamSpec("academic-unit-enrolments", "enrollment", m.unit_enrolment_row),
    StreamSpec("student-guardian-relationships", "contact_relationship", m.relationship_row),
    StreamSpec("email-addresses", "contact_point", m.email_row),
    StreamSpec("telephone-numbers", "contact_point", m.telephone_row),
    StreamSpec("postal-addresses", "address", m.postal_address_row),
    StreamSpec(
        "attendance-records",
        "attendance_mark",
        m.attendance_record_row,
        ("attendance-marks", "attendance-register-types", "sessions"),
    ),
    StreamSpec(
        "behavioural-incident-student-involvements",
        "behaviour_incident",
        m.involvement_row,
        ("behavioural-incidents",),
        incremental=False,
    ),
)


class ArborStream(Stream):
    def __init__(
        self, spec: StreamSpec, client: ArborClient, school_id: Callable[[], Awaitable[str]]
    ) -> None:
        self.spec = spec
        self.name = spec.path
        self.entity = ENTITIES_BY_NAME[spec.entity]
        self.incremental = spec.incremental
        self._client = client
        self._school_id = school_id
        self._resource = RESOURCES[spec.path]

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        school_id = await self._school_id()
        client = self._client
        async with client.http() as http:
            lookups = {path: await client.read_all(http, path) for path in self.spec.lookups}

            def page(records: list[Record], location: str, deleted: tuple[str, ...] = ()) -> ArborPage:
                return ArborPage(records, location, school_id=school_id, lookups=lookups, deleted_ids=deleted)

            if since is None or not self.incremental:
                async for records, location in client.objects(http, self._resource):
                    yield page(records, location)
                return
            async for arbor_page in self._changed(http, since, page):
                yield arbor_page

    async def _changed(
        self,
        http: SourceHttpClient,
        since: datetime,
        page: Callable[[list[Record], str, tuple[str, ...]], ArborPage],
    ) -> AsyncIterator[ArborPage]:
        client = self._client
        changes = await client.changes(http, self._resource, since)
        size = client.page_size
        for start in range(0, len(changes.changed), size):
            records = await client.resolve(http, changes.changed[start : start + size])
            yield page(records, changes.location, ())
        if changes.deleted:
            yield page([], changes.location, tuple(changes.deleted))

    def to_canonical(self, page: Page) -> MappedPage:
        return m.to_canonical(self.entity, page, self.spec.row)
