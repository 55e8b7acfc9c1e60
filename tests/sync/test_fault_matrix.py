"""The fault matrix: every adapter over real HTTP, its simulator broken in every way we know of.

Each case starts from a store holding a first sync, changes the source (so an applied run shows),
breaks the source mid-run with `FaultInjector`, and runs a full sync. Every run must end one of
three ways, and the run record must say which and why:

- APPLIED: the faults were absorbed (retried, de-duplicated, re-authenticated); the store equals
  the source.
- UNCHANGED: the run failed; the store is byte-for-byte as before; the error names the cause.
- QUARANTINED: bad records were set aside with their reason; everything else was applied, and the
  set-aside records keep exactly what the store held for them before (never dropped or deleted).

The same fault kinds run against OneRoster REST, Focus and the Arbor-like adapter; where a
dialect makes a fault end differently (Focus renews an expired token, Basic auth has none to
renew) the case says so.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from adapters.arbor import simulator as arbor_sim
from adapters.arbor.sim_expect import carried_frames
from adapters.focus import simulator as focus_sim
from adapters.focus.mapping import NO_TIMESTAMP
from adapters.focus.mapping import NOT_CARRIED as FOCUS_NOT_CARRIED
from adapters.oneroster import simulator as oneroster_sim
from adapters.oneroster.adapter import OneRosterAdapter
from adapters.oneroster.mapping import DEMOGRAPHIC_FIELDS
from adapters.oneroster.mapping import NOT_CARRIED as ONEROSTER_NOT_CARRIED
from adapters.sdk.simserver import BackgroundServer
from adapters.sdk.testing import FaultInjector, FaultKind, Faults, fast_http_clients, store_differences
from hub.store.runs import list_runs, quarantined_for_run
from hub.store.sources import add_source
from hub.sync import sync_source
from hub.synthetic import SyntheticDistrict, generate_district
from tests.snapshots import store_snapshot


class Outcome(enum.Enum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Case:
    kind: FaultKind
    outcome: Outcome
    cause: str = ""  # text the run's error (or its quarantine reasons or field) must contain
    arm: dict[str, Any] = field(default_factory=dict)


Expected = tuple[dict[str, pl.DataFrame], dict[str, set[str]]]  # frames, fields not compared


@dataclass(frozen=True)
class Subject:
    """One adapter under test: its simulator, a config, how to edit the source, what it carries."""

    adapter: str
    district: Callable[[], SyntheticDistrict]
    make_app: Callable[[SyntheticDistrict], Any]
    config: Callable[[str], dict[str, Any]]
    edit: Callable[[SyntheticDistrict], SyntheticDistrict]
    expected: Callable[[SyntheticDistrict], Expected]
    cases: dict[str, Case]
    timeout: float  # the adapter's HTTP timeout here; a timeout fault holds a request longer


def _standard_cases(paged: dict[str, Any], timeout: float, **overrides: Case) -> dict[str, Case]:
    """The fault kinds every adapter faces; `paged` arms a fault on the 2nd request of a list read
    in several pages (the 1st page is in, the rest is not)."""
    at_page_2 = {**paged, "at": 2}
    cases = {
        "5xx-mid-pagination": Case(FaultKind.SERVER_ERROR, Outcome.APPLIED, arm=at_page_2),
        "5xx-persistent": Case(
            FaultKind.SERVER_ERROR, Outcome.UNCHANGED, "HTTP 503", {**at_page_2, "times": None}
        ),
        "429-retry-after": Case(
            FaultKind.RATE_LIMIT, Outcome.APPLIED, arm={**at_page_2, "times": 2, "retry_after": 1}
        ),
        "timeout": Case(FaultKind.TIMEOUT, Outcome.APPLIED, arm={**at_page_2, "delay": 10 * timeout}),
        "timeout-persistent": Case(
            FaultKind.TIMEOUT,
            Outcome.UNCHANGED,
            "timed out",
            {**at_page_2, "times": None, "delay": 10 * timeout},
        ),
        "truncated-json": Case(FaultKind.TRUNCATE, Outcome.UNCHANGED, "not valid JSON", at_page_2),
        "duplicates-across-pages": Case(FaultKind.DUPLICATE, Outcome.APPLIED, arm={**at_page_2, "count": 2}),
    }
    return {**cases, **overrides}


# -- OneRoster 1.1 REST (OAuth 1.0a: every request signed, no token to expire) ------------------------

# Long enough that no ordinary page times out on a loaded 2-core machine. A timeout fault holds a
# request for ten times this.
ONEROSTER_TIMEOUT = 1.0
ONEROSTER_NOT_CARRIED_HERE = {
    **ONEROSTER_NOT_CARRIED,
    "person": ONEROSTER_NOT_CARRIED["person"] | DEMOGRAPHIC_FIELDS,
}


def _oneroster_expected(district: SyntheticDistrict) -> Expected:
    frames = {e: district.frames[e] for e in OneRosterAdapter.capabilities.entities}
    return frames, {k: set(v) for k, v in ONEROSTER_NOT_CARRIED_HERE.items()}


ONEROSTER = Subject(
    adapter="oneroster",
    district=lambda: generate_district(students=12, seed=7),
    make_app=lambda d: oneroster_sim.create_app(d, client_id="ck", client_secret="cs"),
    config=lambda url: {
        "base_url": url,
        "client_id": "ck",
        "client_secret": "cs",
        "version": "1.1",
        "demographics": False,
        "page_size": 10,  # users span 3 pages
    },
    edit=lambda d: d.with_edits(0.2, seed=2),
    expected=_oneroster_expected,
    timeout=ONEROSTER_TIMEOUT,
    cases=_standard_cases(
        {"path": "/users"},
        ONEROSTER_TIMEOUT,
        **{
            "required-field-missing": Case(
                FaultKind.DROP_FIELD,
                Outcome.QUARANTINED,
                "role",
                {"path": "/users", "at": 2, "field": "role"},
            ),
            "id-renamed-everywhere": Case(
                FaultKind.DROP_FIELD,
                Outcome.UNCHANGED,
                "quarantined",
                {"times": None, "field": "sourcedId", "rename_to": "sourced_id"},
            ),
            "empty-page": Case(
                FaultKind.EMPTY_PAGE,
                Outcome.UNCHANGED,
                "the source said it holds",
                {"path": "/users", "at": 2},
            ),
            "token-expiry": Case(
                FaultKind.AUTH_EXPIRED,
                Outcome.UNCHANGED,
                "refused the credentials",
                {"at": 12, "times": None},
            ),
        },
    ),
)

# -- Focus (OAuth 2 bearer tokens; roster paged, then per-student pages) -------------------------------

FOCUS_TIMEOUT = 1.0
FOCUS_ROSTER = {"path": "/students", "whole_path": True}  # the roster, not /students/{id}/{page}
FOCUS_ROWS = {"organisation": pl.col("kind") == "school", "person": pl.col("role") == "student"}


def _focus_expected(district: SyntheticDistrict) -> Expected:
    frames = {
        e: district.frames[e].filter(FOCUS_ROWS[e]) if e in FOCUS_ROWS else district.frames[e]
        for e in FOCUS_NOT_CARRIED
    }
    not_carried = {
        e: set(fields) | ({"source_updated_at"} if e in NO_TIMESTAMP else set())
        for e, fields in FOCUS_NOT_CARRIED.items()
    }
    return frames, not_carried


FOCUS = Subject(
    adapter="focus",
    # One school of 6 students: the roster spans 3 pages of 2; one student has referrals.
    district=lambda: generate_district(6, seed=3, school_life=True, attendance_days=1),
    make_app=lambda d: focus_sim.create_app(d, client_id="fk", client_secret="fs"),
    config=lambda url: {
        "base_url": url,
        "client_id": "fk",
        "client_secret": "fs",
        "page_size": 2,
        "rate_limit_per_minute": 100_000,
    },
    edit=lambda d: d.with_edits(0.2, seed=2),
    expected=_focus_expected,
    timeout=FOCUS_TIMEOUT,
    cases=_standard_cases(
        FOCUS_ROSTER,
        FOCUS_TIMEOUT,
        **{
            # A referral without its id spoils that student's referrals page: quarantined, and the
            # student's stored incidents must survive the full read (not be taken for deletions).
            "required-field-missing": Case(
                FaultKind.DROP_FIELD,
                Outcome.QUARANTINED,
                "referrals.id",
                {"path": "/referrals", "times": None, "key": "referrals", "field": "id"},
            ),
            "empty-page": Case(
                FaultKind.EMPTY_PAGE, Outcome.UNCHANGED, "the source said it holds", {**FOCUS_ROSTER, "at": 2}
            ),
            # One 401 mid-run: the adapter fetches a new token and carries on.
            "token-expiry": Case(FaultKind.AUTH_EXPIRED, Outcome.APPLIED, arm={"at": 12}),
            # Every request from then on refused, the token endpoint included.
            "token-revoked": Case(
                FaultKind.AUTH_EXPIRED,
                Outcome.UNCHANGED,
                "refused the client credentials",
                {"at": 12, "times": None},
            ),
        },
    ),
)

# -- Arbor-like (HTTP Basic; paged lists of references, each object fetched) ---------------------------

ARBOR_TIMEOUT = 1.0
ARBOR_LIST = {"path": "/rest-v2/guardians", "whole_path": True}  # 8 guardians: pages of 3, 3, 2


def _arbor_edit(district: SyntheticDistrict) -> SyntheticDistrict:
    """Family-name edits only: Arbor carries no person email, so an email edit is no change."""
    base = district.frames["person"]
    edited = district.with_edits(0.2, seed=2)
    people = edited.frames["person"]
    renamed = people["family_name"].ne_missing(base["family_name"])
    people = people.with_columns(
        email=base["email"],
        source_updated_at=pl.when(renamed)
        .then(people["source_updated_at"])
        .otherwise(base["source_updated_at"]),
    )
    return replace(edited, frames={**edited.frames, "person": people})


ARBOR = Subject(
    adapter="arbor",
    district=lambda: generate_district(4, seed=3, school_life=True, attendance_days=1),
    make_app=lambda d: arbor_sim.create_app(d, username="au", password="ap"),
    config=lambda url: {
        "base_url": url,
        "username": "au",
        "password": "ap",
        "page_size": 3,
        "rate_limit_per_minute": 100_000,
    },
    edit=_arbor_edit,
    expected=lambda d: carried_frames(d),
    timeout=ARBOR_TIMEOUT,
    cases=_standard_cases(
        ARBOR_LIST,
        ARBOR_TIMEOUT,
        **{
            "required-field-missing": Case(
                FaultKind.DROP_FIELD,
                Outcome.QUARANTINED,
                "lastModifiedDatetime",
                {"path": "/rest-v2/guardians/", "at": 2, "key": "guardian", "field": "lastModifiedDatetime"},
            ),
            # Arbor announces no total: the page after an empty one shows the list was cut short.
            "empty-page": Case(
                FaultKind.EMPTY_PAGE, Outcome.UNCHANGED, "came back empty", {**ARBOR_LIST, "at": 2}
            ),
            # Basic credentials refused mid-run (the API user's access withdrawn): nothing to renew.
            "token-expiry": Case(
                FaultKind.AUTH_EXPIRED,
                Outcome.UNCHANGED,
                "refused the credentials",
                {"at": 12, "times": None},
            ),
        },
    ),
)

SUBJECTS = {s.adapter: s for s in (ONEROSTER, FOCUS, ARBOR)}
PARAMS = [
    pytest.param(s.adapter, name, id=f"{s.adapter}-{name}") for s in SUBJECTS.values() for name in s.cases
]


@dataclass
class Served:
    subject: Subject
    district: SyntheticDistrict
    url: str
    app: Any
    faults: Faults
    slept: list[float]

    def serve(self, district: SyntheticDistrict) -> None:
        self.app.state.simulator.district = district


_DISTRICTS: dict[str, SyntheticDistrict] = {}


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    subject = SUBJECTS[request.node.callspec.params["adapter"]]
    district = _DISTRICTS.get(subject.adapter) or _DISTRICTS.setdefault(subject.adapter, subject.district())
    app = subject.make_app(district)
    faults = Faults()
    with (
        BackgroundServer(FaultInjector(app, faults)) as server,
        fast_http_clients(timeout=subject.timeout) as slept,
    ):
        yield Served(subject, district, server.url, app, faults, slept)


def _differences(
    engine: Engine, source_id: str, expected: Expected, *, only: set[str] | None = None
) -> dict[str, list[str]]:
    frames, not_carried = expected
    if only is not None:
        frames = {e: f.filter(pl.col("source_record_id").is_in(list(only))) for e, f in frames.items()}
    return store_differences(engine, source_id, frames, not_carried=not_carried, partial=only is not None)


@pytest.mark.parametrize(("adapter", "name"), PARAMS)
def test_a_faulty_run_is_applied_whole_or_not_at_all(
    engine: Engine, served: Served, adapter: str, name: str
) -> None:
    subject = served.subject
    case = subject.cases[name]
    with engine.begin() as conn:
        source_id = add_source(conn, "faulty", adapter, subject.config(served.url))
    first = sync_source(engine, "faulty")
    assert first.status == "succeeded", first.error
    before = store_snapshot(engine)
    edited = subject.edit(served.district)
    served.serve(edited)
    served.slept.clear()

    served.faults.arm(case.kind, **case.arm)
    summary = sync_source(engine, "faulty", full=True)

    assert served.faults.fired(), "the fault never fired: the case tests nothing"
    with engine.connect() as conn:
        run = list_runs(conn, source_id, limit=1)[0]
        quarantined = quarantined_for_run(conn, run.id)
    assert (run.status, run.error) == (summary.status, summary.error)
    differences = _differences(engine, source_id, subject.expected(edited))
    if case.outcome is Outcome.APPLIED:
        assert summary.status == "succeeded", summary.error
        assert differences == {}
        assert quarantined == []
    elif case.outcome is Outcome.UNCHANGED:
        assert summary.status == "failed"
        assert case.cause in (summary.error or ""), summary.error
        assert store_snapshot(engine) == before
    else:
        assert summary.status == "succeeded", summary.error
        assert quarantined, "the bad records must be in the run's quarantine"
        assert all(case.cause in q.reason or q.field == case.cause for q in quarantined)
        set_aside = {str(q.source_record_id) for q in quarantined if q.source_record_id is not None}
        # Applied except the set-aside records, which still hold what the first sync stored. A
        # reject without a record id (a whole page of unknown records) sets nothing apart: then
        # everything the store held must still be there.
        assert all(set(ids) <= set_aside for ids in differences.values()), differences
        if set_aside:
            kept = _differences(engine, source_id, subject.expected(served.district), only=set_aside)
            assert kept == {}

    if case.kind is FaultKind.RATE_LIMIT:
        # (Backoff after an unrelated slow request would sleep far less than a second.)
        assert [s for s in served.slept if s >= 1] == [1.0, 1.0], "Retry-After must be honoured exactly"
