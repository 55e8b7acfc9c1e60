"""Arbor, end to end into the store: generator → Arbor simulator (real HTTP) → adapter → sync → tables.

Every field the dialect carries must equal the generated value (references as hub ids), after the
few rewrites the dialect makes by design (listed in `arbor_shaped`); an incremental sync must
follow the changelog, writing only what changed and tombstoning what it deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select

from adapters.arbor.mapping import NOT_CARRIED
from adapters.arbor.sim_expect import arbor_shaped
from adapters.arbor.sim_render import ref
from adapters.arbor.simulator import ArborSimulator, create_app, simulator_of
from adapters.arbor.streams import STREAMS
from adapters.sdk.simserver import BackgroundServer
from hub.canonical import ENTITIES_BY_NAME
from hub.store import CANONICAL_TABLES
from hub.store.sources import add_source, get_source
from hub.sync import sync_source
from hub.sync.prepare import prepare
from hub.synthetic import SyntheticDistrict, generate_district

USER, PASSWORD = "satchel-api", "s3cret"


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(20, seed=13, school_life=True, attendance_days=1)


@pytest.fixture
def served(district: SyntheticDistrict) -> Iterator[tuple[str, ArborSimulator]]:
    app = create_app(district, username=USER, password=PASSWORD)
    with BackgroundServer(app) as server:
        yield server.url, simulator_of(app)


def config(url: str, password: str = PASSWORD) -> dict[str, Any]:
    # A generous limit: the round trip makes ~1,100 requests; the rate limit has its own test.
    return {"base_url": url, "username": USER, "password": password, "rate_limit_per_minute": 100_000}


def stored(engine: Engine, entity: str, columns: list[str]) -> pl.DataFrame:
    table = CANONICAL_TABLES[entity]
    with engine.connect() as conn:
        rows = [
            r._asdict()
            for r in conn.execute(select(*(table.c[c] for c in columns)).where(table.c.deleted_at.is_(None)))
        ]
    schema = {"id": pl.String(), **ENTITIES_BY_NAME[entity].polars_schema()}
    return pl.DataFrame(rows, schema={c: schema[c] for c in columns}, orient="row")


def assert_store_equals(
    engine: Engine, source_id: str, district: SyntheticDistrict, sim: ArborSimulator
) -> None:
    served_ids: dict[str, set[str]] = {}
    for stream in STREAMS:
        ids = set(sim.objects[stream.path])
        served_ids.setdefault(stream.entity, set()).update(ids)
        spec = ENTITIES_BY_NAME[stream.entity]
        shaped = arbor_shaped(stream.entity, district.frames[stream.entity])
        generated = shaped.filter(pl.col("source_record_id").is_in(ids))
        assert generated.height == len(ids), stream.path  # the simulator serves generated records only
        expected = prepare(spec, source_id, generated).drop("content_hash")
        columns = [c for c in expected.columns if c not in NOT_CARRIED[stream.path]]
        actual = stored(engine, stream.entity, columns).filter(pl.col("id").is_in(expected["id"].implode()))
        assert actual.height == expected.height > 0, stream.path
        assert actual.sort("id").equals(expected.select(columns).sort("id")), stream.path
    for entity, ids in served_ids.items():
        assert stored(engine, entity, ["id"]).height == len(ids), entity  # nothing beyond what was served


def test_round_trip_then_changelog_increments_then_a_full_read_catches_silent_deletions(
    engine: Engine, district: SyntheticDistrict, served: tuple[str, ArborSimulator]
) -> None:
    url, sim = served
    with engine.begin() as conn:
        source_id = add_source(conn, "arbor", "arbor", config(url))
    first = sync_source(engine, "arbor")
    assert first.status == "succeeded", first.error
    assert first.totals.quarantined == 0
    assert_store_equals(engine, source_id, district, sim)

    student = next(iter(sim.objects["students"]))
    record = next(iter(sim.objects["attendance-records"]))
    email = next(iter(sim.objects["email-addresses"]))
    illness = next(i for i, m in sim.objects["attendance-marks"].items() if m["code"] == "I")
    sim.update("students", student, {"person.legalLastName": "Okonkwo-Hale"})
    sim.update("attendance-records", record, {"attendanceMark": ref("attendance-marks", illness, "I")})
    sim.delete("email-addresses", email)
    sim.create(
        "telephone-numbers",
        "new-phone",
        {"numberOwner": ref("students", student), "number": "+44 20 7946 0000", "telephoneNumberRanking": 3},
    )

    delta = sync_source(engine, "arbor")
    assert delta.status == "succeeded", delta.error
    assert delta.mode == "incremental"
    c = delta.counts
    assert (c["person"].read, c["person"].updated) == (1, 1)
    assert (c["attendance_mark"].read, c["attendance_mark"].updated) == (1, 1)
    assert (c["contact_point"].read, c["contact_point"].inserted, c["contact_point"].tombstoned) == (2, 1, 1)
    for entity in (
        "organisation",
        "academic_session",
        "class",
        "enrollment",
        "contact_relationship",
        "address",
    ):
        assert c[entity].read == 0, entity  # nothing changed there, so nothing was fetched
    # Behaviour joins incidents and is read in full each time: all unchanged.
    assert c["behaviour_incident"].updated == c["behaviour_incident"].tombstoned == 0
    assert delta.totals.updated == 2

    people, marks, points = (CANONICAL_TABLES[n] for n in ("person", "attendance_mark", "contact_point"))
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(people.c.family_name).where(people.c.source_record_id == student)
            ).scalar_one()
            == "Okonkwo-Hale"
        )
        mark = conn.execute(
            select(marks.c.status, marks.c.source_code).where(marks.c.source_record_id == record)
        ).one()
        assert tuple(mark) == ("excused", "I")
        gone = conn.execute(
            select(points.c.deleted_at).where(points.c.source_record_id == email)
        ).scalar_one()
        assert gone is not None
        assert get_source(conn, "arbor").checkpoint["students"] > "2026"

    # A record gone without a changelog entry (a pruned changelog) is caught by a full read.
    address = next(iter(sim.objects["postal-addresses"]))
    with sim._lock:
        del sim.objects["postal-addresses"][address]
    full = sync_source(engine, "arbor", full=True)
    assert full.status == "succeeded", full.error
    assert full.counts["address"].tombstoned == 1
    assert full.totals.inserted == full.totals.updated == 0


def test_wrong_credentials_fail_the_run_with_a_clear_error_and_change_nothing(
    engine: Engine, served: tuple[str, ArborSimulator]
) -> None:
    url, _ = served
    with engine.begin() as conn:
        add_source(conn, "arbor", "arbor", config(url, password="wrong"))
    summary = sync_source(engine, "arbor")
    assert summary.status == "failed"
    assert f"Arbor refused the credentials of API user {USER!r}" in (summary.error or "")
    assert summary.totals.inserted == 0
