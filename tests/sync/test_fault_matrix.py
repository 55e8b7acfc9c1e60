"""The fault matrix: OneRoster REST over real HTTP, its simulator broken in every way we know of.

Each case starts from a store holding a first sync, changes the source (so an applied run shows),
breaks the source mid-run with `FaultInjector`, and runs a full sync. Every run must end one of
three ways, and the run record must say which and why:

- APPLIED: the faults were absorbed (retried, de-duplicated); the store equals the source.
- UNCHANGED: the run failed; the store is byte-for-byte as before; the error names the cause.
- QUARANTINED: bad records were set aside with their reason; everything else was applied, and the
  set-aside records keep exactly what the store held for them before (never dropped or deleted).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine

from adapters.oneroster.adapter import OneRosterAdapter
from adapters.oneroster.mapping import DEMOGRAPHIC_FIELDS, NOT_CARRIED
from adapters.oneroster.simulator import create_app, simulator_of
from adapters.sdk.simserver import BackgroundServer
from adapters.sdk.testing import FaultInjector, FaultKind, Faults, fast_http_clients, store_differences
from hub.store.runs import list_runs, quarantined_for_run
from hub.store.sources import add_source
from hub.sync import sync_source
from hub.synthetic import SyntheticDistrict, generate_district
from tests.snapshots import store_snapshot

ENTITIES = OneRosterAdapter.capabilities.entities
NOT_CARRIED_HERE = {**NOT_CARRIED, "person": NOT_CARRIED["person"] | DEMOGRAPHIC_FIELDS}
TIMEOUT = 0.3  # the adapter's HTTP timeout in these tests; a timeout fault holds a request longer


class Outcome(enum.Enum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Case:
    kind: FaultKind
    outcome: Outcome
    cause: str = ""  # text the run's error (or its quarantine reasons) must contain
    arm: dict[str, Any] = field(default_factory=dict)


# Users span 3 pages of 10; "at" counts the faulty run's /users requests (or all, without a path).
CASES = {
    "5xx-mid-pagination": Case(FaultKind.SERVER_ERROR, Outcome.APPLIED, arm={"path": "/users", "at": 2}),
    "5xx-persistent": Case(
        FaultKind.SERVER_ERROR, Outcome.UNCHANGED, "HTTP 503", {"path": "/users", "at": 2, "times": None}
    ),
    "429-retry-after": Case(
        FaultKind.RATE_LIMIT, Outcome.APPLIED, arm={"path": "/users", "at": 2, "times": 2, "retry_after": 1}
    ),
    "timeout": Case(
        FaultKind.TIMEOUT, Outcome.APPLIED, arm={"path": "/users", "at": 2, "delay": 10 * TIMEOUT}
    ),
    "timeout-persistent": Case(
        FaultKind.TIMEOUT,
        Outcome.UNCHANGED,
        "timed out",
        {"path": "/users", "at": 2, "times": None, "delay": 10 * TIMEOUT},
    ),
    "truncated-json": Case(
        FaultKind.TRUNCATE, Outcome.UNCHANGED, "not valid JSON", {"path": "/users", "at": 2}
    ),
    "required-field-missing": Case(
        FaultKind.DROP_FIELD, Outcome.QUARANTINED, "role", {"path": "/users", "at": 2, "field": "role"}
    ),
    "id-renamed-everywhere": Case(
        FaultKind.DROP_FIELD,
        Outcome.UNCHANGED,
        "quarantined",
        {"times": None, "field": "sourcedId", "rename_to": "sourced_id"},
    ),
    "empty-page": Case(
        FaultKind.EMPTY_PAGE, Outcome.UNCHANGED, "the source said it holds", {"path": "/users", "at": 2}
    ),
    "duplicates-across-pages": Case(
        FaultKind.DUPLICATE, Outcome.APPLIED, arm={"path": "/users", "at": 2, "count": 3}
    ),
    "token-expiry": Case(
        FaultKind.AUTH_EXPIRED, Outcome.UNCHANGED, "refused the credentials", {"at": 12, "times": None}
    ),
}


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=12, seed=7)


@dataclass
class Served:
    url: str
    app: Any
    faults: Faults
    slept: list[float]


@pytest.fixture
def served(district: SyntheticDistrict) -> Iterator[Served]:
    app = create_app(district, client_id="ck", client_secret="cs")
    faults = Faults()
    with BackgroundServer(FaultInjector(app, faults)) as server, fast_http_clients(timeout=TIMEOUT) as slept:
        yield Served(server.url, app, faults, slept)


def oneroster_frames(district: SyntheticDistrict) -> dict[str, pl.DataFrame]:
    return {e: district.frames[e] for e in ENTITIES}


@pytest.mark.parametrize("name", list(CASES))
def test_a_faulty_run_is_applied_whole_or_not_at_all(
    engine: Engine, district: SyntheticDistrict, served: Served, name: str
) -> None:
    case = CASES[name]
    config = {
        "base_url": served.url,
        "client_id": "ck",
        "client_secret": "cs",
        "version": "1.1",
        "demographics": False,
        "page_size": 10,
    }
    with engine.begin() as conn:
        source_id = add_source(conn, "or", "oneroster", config)
    first = sync_source(engine, "or")
    assert first.status == "succeeded", first.error
    before = store_snapshot(engine)
    edited = district.with_edits(0.2, seed=2)
    simulator_of(served.app).district = edited
    served.slept.clear()

    served.faults.arm(case.kind, **case.arm)
    summary = sync_source(engine, "or", full=True)

    assert served.faults.fired(), "the fault never fired: the case tests nothing"
    with engine.connect() as conn:
        run = list_runs(conn, source_id, limit=1)[0]
        quarantined = quarantined_for_run(conn, run.id)
    assert (run.status, run.error) == (summary.status, summary.error)
    differences = store_differences(engine, source_id, oneroster_frames(edited), not_carried=NOT_CARRIED_HERE)
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
        set_aside = sorted(str(q.source_record_id) for q in quarantined)
        # Applied except the set-aside records, which still hold what the first sync stored.
        assert set(differences) <= {"person"}
        assert set(differences.get("person", [])) <= set(set_aside)
        kept = store_differences(
            engine,
            source_id,
            {"person": district.frames["person"].filter(pl.col("source_record_id").is_in(set_aside))},
            not_carried=NOT_CARRIED_HERE,
            partial=True,
        )
        assert kept == {}

    if case.kind is FaultKind.RATE_LIMIT:
        # (Backoff after an unrelated slow request would sleep far less than a second.)
        assert [s for s in served.slept if s >= 1] == [1.0, 1.0], "Retry-After must be honoured exactly"
