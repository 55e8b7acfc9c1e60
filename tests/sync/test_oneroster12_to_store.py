"""OneRoster 1.2 REST (and 1.1 demographics), end to end into the store: generator → simulator →
adapter → sync → tables.

Every field the version carries must equal the generated value (references as hub ids); a 1%
change must write exactly the changed records on the next (delta) sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select

from adapters.oneroster.mapping import DEMOGRAPHICS_NOT_CARRIED, NOT_CARRIED_BY_VERSION, as_version_reads
from adapters.oneroster.simulator import OneRosterSimulator, create_app, simulator_of
from adapters.sdk.simserver import BackgroundServer
from adapters.sdk.testing import store_differences
from hub.store import CANONICAL_TABLES
from hub.store.sources import add_source, get_source
from hub.sync import sync_source
from hub.synthetic import SyntheticDistrict, generate_district

CREDENTIALS = {"client_id": "ck", "client_secret": "cs"}


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=250, seed=12, gradebook=True, demographics=True)


@pytest.fixture
def simulator(district: SyntheticDistrict) -> Iterator[tuple[str, OneRosterSimulator]]:
    app = create_app(district, **CREDENTIALS)
    with BackgroundServer(app) as server:
        yield server.url, simulator_of(app)


def assert_store_equals(
    engine: Engine,
    source_id: str,
    district: SyntheticDistrict,
    not_carried: dict[str, Any],
    version: str = "1.2",
) -> None:
    """Every live stored record equals the generated one in every field the binding carries."""
    frames = as_version_reads(district.frames, version)
    assert district.frames["assignment_result"].height > 0  # the gradebook is part of the round trip
    assert store_differences(engine, source_id, frames, not_carried=not_carried) == {}


def _add(engine: Engine, name: str, url: str, **config: Any) -> str:
    with engine.begin() as conn:
        return add_source(conn, name, "oneroster", {"base_url": url, **CREDENTIALS, **config})


def _latest(district: SyntheticDistrict) -> datetime:
    stamps = [f["source_updated_at"].max() for f in district.frames.values()]
    return max(s for s in stamps if isinstance(s, datetime))


def test_rest_1_2_round_trip_into_the_store_then_a_one_percent_delta(
    engine: Engine, district: SyntheticDistrict, simulator: tuple[str, OneRosterSimulator]
) -> None:
    url, sim = simulator
    source_id = _add(engine, "or12", url, version="1.2")
    first = sync_source(engine, "or12")
    assert first.status == "succeeded", first.error
    assert first.mode == "full"
    # Every field but the demographics OneRoster has no field for (language, EL, FRL, SEN).
    missing = {e: f for e, f in NOT_CARRIED_BY_VERSION["1.2"].items() if f}
    assert missing == {"demographics": DEMOGRAPHICS_NOT_CARRIED}
    assert_store_equals(engine, source_id, district, NOT_CARRIED_BY_VERSION["1.2"])  # every field
    assert {e.version for e in sim.log} == {"1.2"}
    assert sim.tokens.issued == 1  # one token for the whole run

    edited = district.with_edits(0.01, seed=4)
    sim.district = edited
    delta = sync_source(engine, "or12")
    assert delta.status == "succeeded", delta.error
    assert delta.mode == "incremental"
    assert delta.totals.updated == len(edited.edited_ids) > 0
    assert delta.totals.inserted == delta.totals.tombstoned == 0
    assert delta.totals.read == len(edited.edited_ids)  # the delta asked the source for them alone
    assert_store_equals(engine, source_id, edited, NOT_CARRIED_BY_VERSION["1.2"])
    with engine.connect() as conn:
        assert get_source(conn, "or12").checkpoint["users"] > "2026"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_demographics_round_trip_and_a_demographics_only_change_reaches_the_store(
    engine: Engine, district: SyntheticDistrict, simulator: tuple[str, OneRosterSimulator], version: str
) -> None:
    url, sim = simulator
    source_id = _add(engine, "or", url, version=version)
    assert sync_source(engine, "or").status == "succeeded"
    # 1.1 too: date_of_birth and gender come from /demographics; only preferred_name is missing. The
    # demographics entity (sex, ethnicity from the race flags, country of birth) round-trips too.
    assert district.frames["demographics"]["ethnicity"].n_unique() > 3
    assert_store_equals(engine, source_id, district, NOT_CARRIED_BY_VERSION[version], version)

    people = district.frames["person"]
    student = people.filter(pl.col("role") == "student")["source_record_id"][0]
    sim.mark_deleted("demographics", [student], at=_latest(district) + timedelta(hours=1))
    delta = sync_source(engine, "or")
    assert delta.status == "succeeded", delta.error
    # The one record, read by the users stream (joined onto the person) and as demographics.
    assert (delta.totals.read, delta.totals.updated) == (2, 1)
    assert delta.counts["person"].updated == delta.counts["demographics"].tombstoned == 1
    table = CANONICAL_TABLES["person"]
    with engine.connect() as conn:
        row = conn.execute(
            select(table.c.date_of_birth, table.c.gender).where(table.c.source_record_id == student)
        ).one()
    assert tuple(row) == (None, None)


def test_rest_1_2_tobedeleted_records_become_tombstones(
    engine: Engine, simulator: tuple[str, OneRosterSimulator]
) -> None:
    url, sim = simulator
    _add(engine, "or12", url, version="1.2")
    assert sync_source(engine, "or12").status == "succeeded"
    enrollments = CANONICAL_TABLES["enrollment"]
    with engine.connect() as conn:
        victims = conn.execute(select(enrollments.c.source_record_id).limit(2)).scalars().all()
    sim.mark_deleted("enrollments", victims, at=datetime.fromisoformat("2030-01-01T00:00:00+00:00"))
    summary = sync_source(engine, "or12")
    assert summary.status == "succeeded", summary.error
    assert summary.counts["enrollment"].tombstoned == 2


def test_an_unset_version_syncs_1_2_and_a_missing_scope_fails_the_run_clearly(
    engine: Engine, district: SyntheticDistrict
) -> None:
    app = create_app(
        district, **CREDENTIALS, scopes=["https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"]
    )
    with BackgroundServer(app) as server:
        _add(engine, "auto", server.url)
        summary = sync_source(engine, "auto")
    assert summary.status == "failed"
    assert "roster-demographics.readonly" in (summary.error or "")
    assert "demographics: false" in (summary.error or "")
    assert summary.totals.inserted == 0
