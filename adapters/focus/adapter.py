"""The Focus adapter: config, capabilities, the connection check and the streams."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from adapters.focus.client import FocusClient
from adapters.focus.dialect import Record, first, ident
from adapters.focus.mapping import (
    STUDENT_MAPPERS,
    RecordMapper,
    calendar_rows,
    map_records,
    map_student_pages,
    school_row,
    student_row,
    to_frame,
)
from adapters.sdk import (
    AuthError,
    Capabilities,
    CheckResult,
    DeletionDetection,
    MappedPage,
    Page,
    RateLimiter,
    Reject,
    RetryableError,
    SourceAdapter,
    SourceContractError,
    SourceUnreachableError,
    Stream,
)
from hub.canonical import ENTITIES_BY_NAME

# (Focus page(s) per student, canonical entity), in dependency order after schools and students.
STUDENT_STREAMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("demographic",), "demographics"),
    (("demographic",), "photo"),
    (("demographic",), "custom_field"),
    (("address",), "address"),
    (("address",), "contact_point"),
    (("address",), "contact_relationship"),
    (("schedule",), "timetable_slot"),
    (("absences",), "attendance_mark"),
    (("absences",), "attendance_summary"),
    (("referrals",), "behaviour_incident"),
    (("portal",), "assignment"),
    (("portal",), "assignment_result"),
    (("final_grades", "semester_grades", "quarter_grades", "exams"), "grade_record"),
)


class FocusConfig(BaseModel):
    """A Focus district API, reached with a Focus Client ID and Secret (OAuth 2 client credentials)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="The API root, e.g. https://district.focusschoolsoftware.com/api/v1")
    client_id: str = Field(min_length=1, description="Focus Client ID (Third Party Systems screen)")
    client_secret: SecretStr = Field(description="Focus Client Secret")
    school_year: int | None = Field(
        default=None, description="Calendar year the school year starts in; default: the schools' `syear`"
    )
    page_size: int = Field(default=100, ge=1, le=10_000, description="Students asked for per roster request")
    rate_limit_per_minute: int = Field(default=600, ge=1, description="Focus's default is 600")
    max_concurrency: int = Field(default=8, ge=1, le=64, description="Requests in flight at once")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class RosterStream(Stream):
    """Schools or students: the roster lists, read once per run and shared with the other streams."""

    def __init__(
        self, name: str, entity: str, read: Callable[[], Awaitable[list[Record]]], row: RecordMapper
    ) -> None:
        self.name = name
        self.entity = ENTITIES_BY_NAME[entity]
        self._read = read
        self._row = row

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        records = await self._read()
        yield Page(records=records, location=self.name, total=len(records))

    def to_canonical(self, page: Page) -> MappedPage:
        return map_records(self.entity, page, self._row)


class StudentStream(Stream):
    """One canonical entity read from one or more per-student Focus pages."""

    def __init__(self, client: FocusClient, pages: tuple[str, ...], entity: str) -> None:
        self.name = f"{'+'.join(pages)}:{entity}"
        self.entity = ENTITIES_BY_NAME[entity]
        self._client = client
        self._pages = pages
        self._mapper = STUDENT_MAPPERS[entity]
        client.share(pages)

    def read(self, since: datetime | None) -> AsyncIterator[Page]:
        return self._client.student_pages(self._pages)

    def to_canonical(self, page: Page) -> MappedPage:
        return map_student_pages(self.entity, page, self._mapper)


class CalendarStream(Stream):
    name = "calendar"

    def __init__(self, client: FocusClient, school_year: int | None) -> None:
        self.entity = ENTITIES_BY_NAME["calendar_event"]
        self._client = client
        self._school_year = school_year

    async def read(self, since: datetime | None) -> AsyncIterator[Page]:
        year = self._school_year
        if year is None:
            years = [first(s, "syear", "schoolYear") for s in await self._client.schools()]
            known = [int(y) for y in years if isinstance(y, int | str) and str(y).isdigit()]
            if not known:
                raise SourceContractError(
                    "Focus /schools gave no syear; set school_year in the source config"
                )
            year = max(known)
        # A school year runs August to July.
        months = [(year, m) for m in range(8, 13)] + [(year + 1, m) for m in range(1, 8)]
        async for page in self._client.calendars(months):
            yield page

    def to_canonical(self, page: Page) -> MappedPage:
        rows, rejects = [], []
        for record in page.records:
            try:
                rows.extend(calendar_rows(record["school_id"], record["payload"]))
            except ValueError as exc:
                rejects.append(Reject(None, getattr(exc, "field", None), str(exc), page.location))
        return MappedPage(to_frame(self.entity, rows), rejects)


class FocusAdapter(SourceAdapter):
    name = "focus"
    config_model = FocusConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        entities=("organisation", "person", *(e for _, e in STUDENT_STREAMS), "calendar_event"),
        incremental_entities=(),  # Focus pages have no "changed since" filter: every read is full
        deletion_detection=(DeletionDetection.FULL_READ,),
        rate_limit_per_minute=600,
    )

    def __init__(self, config: BaseModel, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        if not isinstance(config, FocusConfig):
            raise TypeError("FocusAdapter needs a FocusConfig")
        self.settings = config
        self.client = FocusClient(
            config.base_url,
            config.client_id,
            config.client_secret.get_secret_value(),
            page_size=config.page_size,
            max_concurrency=config.max_concurrency,
            batch=config.max_concurrency * 4,
            limiter=RateLimiter(config.rate_limit_per_minute),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.client.open_clients.aclose()

    def streams(self) -> Sequence[Stream]:
        return [
            RosterStream("schools", "organisation", self.client.schools, school_row),
            RosterStream("students", "person", self.client.students, student_row),
            CalendarStream(self.client, self.settings.school_year),
            *(StudentStream(self.client, pages, entity) for pages, entity in STUDENT_STREAMS),
        ]

    async def check(self) -> CheckResult:
        url = f"{self.client.base_url}/schools"
        try:
            async with self.client.http(max_retries=0) as http:  # the operator is waiting: no retries
                body, _ = await http.get_json("schools")
        except AuthError as exc:
            return CheckResult(False, str(exc))
        except SourceUnreachableError as exc:
            return CheckResult(False, f"cannot reach {self.client.base_url}: check the base URL. ({exc})")
        except RetryableError as exc:
            return CheckResult(
                False, f"{self.client.base_url} is not answering properly; try again later. ({exc})"
            )
        except SourceContractError as exc:
            return CheckResult(False, f"{url} answered, but not like the Focus API. ({exc})")
        schools = first(body, "schools") if isinstance(body, dict) else None
        if not isinstance(schools, list | dict):
            return CheckResult(False, f"{url} answered, but not like the Focus API: no 'schools' list.")
        return CheckResult(
            True,
            f"connected to Focus at {self.client.base_url}; {len(schools)} schools",
            details={
                "schools": [ident(s.get("id"), "id") for s in (schools if isinstance(schools, list) else [])]
            },
        )
