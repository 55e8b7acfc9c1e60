"""HTTP side of the Focus API: OAuth 2 client credentials, the roster, and per-student fan-out.

Focus serves most data one student at a time (`/students/{id}/{page}`), so a district read is
tens of thousands of requests. They run concurrently (SourceHttpClient's concurrency cap) within
the source's rate limit (600 a minute by default, as Focus's Third Party Systems screen sets),
a batch of students at a time, so pages come out in roster order and progress can be reported.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Callable, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from adapters.focus.dialect import FieldError, Record, first, get, ident, items
from adapters.sdk import (
    AuthError,
    OpenClients,
    Page,
    RateLimiter,
    SourceContractError,
    SourceHttpClient,
    gather_requests,
)

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret


class OAuth2ClientCredentials(httpx.Auth):
    """Bearer tokens from `{base}/oauth/token` (client_credentials grant, HTTP Basic client auth).

    A token is reused until shortly before it expires; a 401 on a request fetches a new one once
    (the server may have revoked or rotated it), and a refused token request is an AuthError.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"  # RFC 6749 §2.3.1
        self._basic = "Basic " + base64.b64encode(pair.encode()).decode()
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None or self._clock() >= self._expires_at:
            self._store((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            self._store((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json", "Authorization": self._basic},
        )

    def _store(self, response: httpx.Response) -> None:
        if response.status_code in (400, 401, 403):
            try:
                body = response.json()
                detail = body.get("error_description") or body.get("error") or response.text
            except ValueError:
                detail = response.text
            raise AuthError(
                f"Focus refused the client credentials at {self.token_url} (HTTP {response.status_code}: "
                f"{str(detail)[:200]}); check the Focus Client ID and Secret on the Third Party Systems screen"
            )
        if not response.is_success:
            raise SourceContractError(
                f"the Focus token endpoint {self.token_url} answered HTTP {response.status_code}"
            )
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise SourceContractError(f"{self.token_url} did not return an access_token") from None
        self._token = str(token)
        # Renew a minute early so a token never expires between being attached and being checked.
        self._expires_at = self._clock() + max(0.0, float(body.get("expires_in") or 3600) - 60)


def _student_id(record: Any) -> str | None:
    """A roster record's id, or None when it has none usable (mapping quarantines the record)."""
    try:
        return ident(record.get("id"), "students.id") if isinstance(record, dict) else None
    except FieldError:
        return None


def _school_of(record: Record) -> str | None:
    try:
        return ident(get(record, "schoolId"), "schoolId")
    except FieldError:
        return None


@dataclass(frozen=True)
class Student:
    id: str
    school_id: str | None


class FocusClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        page_size: int = 100,
        batch: int = 32,
        max_concurrency: int = 8,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.batch = batch
        self.max_concurrency = max_concurrency
        self._auth = OAuth2ClientCredentials(self.base_url + TOKEN_PATH, client_id, client_secret)
        self._limiter = limiter
        self._transport = transport
        self.open_clients = OpenClients()  # closed with the adapter (see OpenClients)
        self._schools: list[Record] | None = None
        self._students: list[Record] | None = None
        # Pages several streams map (the address page feeds three entities) are fetched once and
        # replayed to the others; `share()` says how many readers each set of pages will have.
        self._readers: dict[tuple[str, ...], int] = {}
        self._fetched: dict[tuple[str, ...], list[Page]] = {}

    def share(self, pages: tuple[str, ...]) -> None:
        """Announce one more stream that will read `pages`."""
        self._readers[pages] = self._readers.get(pages, 0) + 1

    def http(self, *, max_retries: int = 3) -> SourceHttpClient:
        """A fresh connection pool (one per read, so a stream never outlives its event loop)."""
        client = SourceHttpClient(
            self.base_url + "/",
            auth=self._auth,
            transport=self._transport,
            max_retries=max_retries,
            max_concurrency=self.max_concurrency,
            headers={"Accept": "application/json"},
        )
        if self._limiter is not None:
            client.limiter = self._limiter  # one budget for all the adapter's streams
        return self.open_clients.track(client)

    # -- roster (read once per run, shared by every stream) -----------------------------------------
    async def schools(self) -> list[Record]:
        if self._schools is None:
            async with self.http() as http:
                body, _ = await http.get_json("schools")
            records = first(body, "schools") if isinstance(body, dict) else body
            self._schools = items(records, "schools")
        return self._schools

    async def students(self) -> list[Record]:
        """Every student of every school, each tagged with its school (`schoolId`)."""
        if self._students is None:
            students: list[Record] = []
            async with self.http() as http:
                for school in await self.schools():
                    school_id = ident(school.get("id"), "schools.id")
                    students.extend(await self._school_students(http, school_id))
            self._students = students
        return self._students

    async def _school_students(self, http: SourceHttpClient, school_id: str | None) -> list[Record]:
        """One school's roster, page by page. A student listed twice (the roster shifting between
        pages) counts once; stopping short of the `total` Focus announced is an error, since a
        full read would then take the students never listed for leavers."""
        out: dict[Any, Record] = {}
        nameless: list[Record] = []  # no id: mapping quarantines them; they still count as read
        page = 1
        total: Any = None
        while True:
            params = {"school_id": school_id, "page": page, "limit": self.page_size}
            body, response = await http.get_json("students", params)
            if not isinstance(body, dict) or first(body, "students") is None:
                raise SourceContractError(f"{response.url} did not return a 'students' list")
            records = items(first(body, "students"), "students")
            for r in records:
                record = {**r, "schoolId": get(r, "schoolId") or school_id}
                key = _student_id(r)
                if key is None:
                    nameless.append(record)
                else:
                    out[key] = record
            total = first(body, "total", "totalCount")
            read = len(out) + len(nameless)
            if not records or len(records) < self.page_size or (isinstance(total, int) and read >= total):
                break
            page += 1
        if isinstance(total, int) and read < total:
            raise SourceContractError(
                f"students of school {school_id}: the source said it holds {total} records, but paging "
                f"stopped at {read} (page {page} came back with {len(records)}); "
                "the roster is incomplete, so nothing was applied"
            )
        return [*out.values(), *nameless]

    # -- per-student fan-out -------------------------------------------------------------------------
    async def student_pages(self, pages: tuple[str, ...]) -> AsyncIterator[Page]:
        """For each student, `/students/{id}/{page}` for each of `pages`, a batch of students at a time.

        Records are {"student_id", "school_id", "payload"} (one per student and page); `Page.total`
        is the number of students, so the engine can show progress. Pages another stream will also
        read are kept until that last reader has replayed them.
        """
        readers = self._readers.get(pages, 1)
        self._readers[pages] = readers - 1
        if pages in self._fetched:
            kept = self._fetched[pages] if readers > 1 else self._fetched.pop(pages)
            for page in kept:
                yield page
            return
        keep: list[Page] | None = [] if readers > 1 else None
        if keep is not None:
            self._fetched[pages] = keep
        async for page in self._fetch_student_pages(pages):
            if keep is not None:
                keep.append(page)
            yield page

    async def _fetch_student_pages(self, pages: tuple[str, ...]) -> AsyncIterator[Page]:
        everyone = await self.students()
        roster = [Student(sid, _school_of(s)) for s in everyone if (sid := _student_id(s)) is not None]
        location = f"{self.base_url}/students/{{id}}/{'|'.join(pages)}"
        if len(roster) < len(everyone):
            # Their pages cannot be asked for; saying so (a record without an id) keeps the engine
            # from taking their absence for deletions.
            unread = len(everyone) - len(roster)
            yield Page(records=[{"student_id": None, "school_id": None, "payload": None,
                                 "unread": f"{unread} roster students without a usable id: not read"}],
                       location=location, total=None)  # fmt: skip
        async with self.http() as http:
            for start in range(0, len(roster), self.batch):
                batch = roster[start : start + self.batch]
                fetched = await gather_requests(
                    *(self._student_page(http, s, p) for s in batch for p in pages)
                )
                yield Page(records=fetched, location=location, total=len(roster) * len(pages))

    async def _student_page(self, http: SourceHttpClient, student: Student, page: str) -> Record:
        body, _ = await http.get_json(f"students/{student.id}/{page}")
        if not isinstance(body, dict):
            raise SourceContractError(f"students/{student.id}/{page} did not return a JSON object")
        return {"student_id": student.id, "school_id": student.school_id, "payload": {**body, "_page": page}}

    async def calendars(self, months: list[tuple[int, int]]) -> AsyncIterator[Page]:
        """`/schools/{id}/calendar/{year}/{month}` for every school and month; records carry the school."""
        schools = [ident(s.get("id"), "schools.id") for s in await self.schools()]
        async with self.http() as http:
            for school in schools:
                bodies = await gather_requests(
                    *(http.get_json(f"schools/{school}/calendar/{y}/{m}") for y, m in months)
                )
                records: list[dict[str, Any]] = [
                    {"student_id": None, "school_id": school, "payload": body} for body, _ in bodies
                ]
                yield Page(records=records, location=f"{self.base_url}/schools/{school}/calendar",
                           total=len(schools) * len(months))  # fmt: skip
