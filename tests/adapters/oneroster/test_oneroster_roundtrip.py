"""Round trip over real HTTP, 1.1 and 1.2: generated district → simulator on a loopback port → adapter →
the same frames."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from adapters.oneroster.adapter import OneRosterAdapter, OneRosterConfig
from adapters.oneroster.mapping import LATE_READS_AS, NOT_CARRIED, NOT_CARRIED_BY_VERSION
from adapters.oneroster.simulator import OneRosterSimulator, create_app, simulator_of
from adapters.sdk import MappedPage, Reject, Stream
from adapters.sdk.simserver import BackgroundServer
from hub.synthetic import SyntheticDistrict, generate_district

CLIENT_ID, SECRET = "roundtrip", "roundtrip-secret"
PAGE_SIZE = 37  # small and odd, so every entity spans several pages with a short last one


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=200, seed=21, gradebook=True, demographics=True)


@pytest.fixture(scope="module")
def server(district: SyntheticDistrict) -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app(district, client_id=CLIENT_ID, client_secret=SECRET)) as running:
        yield running


@pytest.fixture
def simulator(server: BackgroundServer, district: SyntheticDistrict) -> Iterator[OneRosterSimulator]:
    sim = simulator_of(server.app)
    yield sim
    sim.district = district  # undo any swap a test made


@pytest.fixture(params=["1.1", "1.2"])
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _adapter(server: BackgroundServer, version: str) -> OneRosterAdapter:
    config = OneRosterConfig.model_validate(
        {"base_url": server.url, "client_id": CLIENT_ID, "client_secret": SECRET, "page_size": PAGE_SIZE,
         "version": version}
    )  # fmt: skip
    return OneRosterAdapter(config)


async def _read(stream: Stream, since: datetime | None) -> tuple[MappedPage, int]:
    frames, rejects, deleted, pages = [], list[Reject](), list[str](), 0
    async for page in stream.read(since):
        pages += 1
        mapped = stream.to_canonical(page)
        frames.append(mapped.frame)
        rejects += mapped.rejects
        deleted += mapped.deleted_ids
    return MappedPage(pl.concat(frames), rejects, deleted), pages


def _read_all(adapter: OneRosterAdapter, since: datetime | None = None) -> dict[str, tuple[MappedPage, int]]:
    async def run() -> dict[str, tuple[MappedPage, int]]:
        return {s.entity.name: await _read(s, since) for s in adapter.streams()}

    return asyncio.run(run())


def _latest(district: SyntheticDistrict) -> datetime:
    stamps = [f["source_updated_at"].max() for f in district.frames.values()]
    return max(s for s in stamps if isinstance(s, datetime))


def _comparable(frame: pl.DataFrame, entity: str, version: str = "1.1") -> pl.DataFrame:
    if entity == "assignment_result":  # 1.1 cannot say "late": such a result reads as graded
        frame = frame.with_columns(pl.col("status").replace(LATE_READS_AS[version]))
    return frame.drop(sorted(NOT_CARRIED_BY_VERSION[version][entity])).sort("source_record_id")


def test_every_field_oneroster_carries_survives_the_round_trip(
    server: BackgroundServer, district: SyntheticDistrict, simulator: OneRosterSimulator, version: str
) -> None:
    before = simulator.requests
    result = _read_all(_adapter(server, version))
    assert list(result) == [
        "organisation", "academic_session", "course", "class", "person", "enrollment",
        "demographics", "assignment", "assignment_result",
    ]  # fmt: skip
    for entity, (mapped, pages) in result.items():
        expected = district.frames[entity]
        assert mapped.rejects == []
        assert mapped.deleted_ids == []
        assert_frame_equal(_comparable(mapped.frame, entity, version), _comparable(expected, entity, version))
        # The paging ends on the last page: exactly ceil(total / page size) requests, no empty page.
        assert pages == math.ceil(expected.height / PAGE_SIZE), entity
    # Plus the demographics the users stream joins on (everyone generated has at least a sex), and
    # the gradebook's lookups, each read once: categories (one page), every class's school, and
    # for 1.1 (whose results name no class) every line item's class.
    demographics = math.ceil(district.frames["person"].height / PAGE_SIZE)
    lookups = 1 + math.ceil(district.frames["class"].height / PAGE_SIZE)
    if version == "1.1":
        lookups += math.ceil(district.frames["assignment"].height / PAGE_SIZE)
    # The demographics stream re-serves what the users stream read: its pages cost no request.
    requests = sum(p for entity, (_, p) in result.items() if entity != "demographics")
    assert simulator.requests - before == requests + demographics + lookups
    assert result["person"][1] > 5  # several pages really were walked


def test_not_carried_names_only_real_fields() -> None:
    from hub.canonical import ENTITIES_BY_NAME

    assert NOT_CARRIED is NOT_CARRIED_BY_VERSION["1.1"]
    for not_carried in NOT_CARRIED_BY_VERSION.values():
        for entity, fields in not_carried.items():
            assert fields <= set(ENTITIES_BY_NAME[entity].field_names)


def test_contacts_list_every_school_of_their_students(
    server: BackgroundServer, district: SyntheticDistrict
) -> None:
    # Siblings at different schools: the contact's first org is its own school, then the others.
    people = district.frames["person"]
    records, _ = simulator_of(server.app).records("person")
    by_id = {r["sourcedId"]: r for r in records}
    school = dict(zip(people["source_record_id"], people["school_id"], strict=True))
    for contact in people.filter(pl.col("role") == "contact").iter_rows(named=True):
        orgs = [o["sourcedId"] for o in by_id[contact["source_record_id"]]["orgs"]]
        assert orgs[0] == contact["school_id"]
        assert set(orgs) == {school[a] for a in contact["agent_ids"]}


def test_a_delta_read_returns_only_edited_people(
    server: BackgroundServer, district: SyntheticDistrict, simulator: OneRosterSimulator, version: str
) -> None:
    edited = district.with_edits(fraction=0.05, seed=1)
    simulator.district = edited
    latest = _latest(district)
    result = _read_all(_adapter(server, version), since=latest)
    people, _ = result["person"]
    assert sorted(people.frame["source_record_id"]) == sorted(edited.edited_ids)
    assert_frame_equal(
        _comparable(people.frame, "person", version),
        _comparable(
            edited.frames["person"].filter(pl.col("source_record_id").is_in(list(edited.edited_ids))),
            "person",
            version,
        ),
    )
    assert all(mapped.frame.height == 0 for entity, (mapped, _) in result.items() if entity != "person")


def test_records_marked_tobedeleted_arrive_as_deleted_ids(
    server: BackgroundServer, district: SyntheticDistrict, simulator: OneRosterSimulator, version: str
) -> None:
    gone = district.frames["enrollment"]["source_record_id"].head(3).to_list()
    gone_results = district.frames["assignment_result"]["source_record_id"].tail(2).to_list()
    latest = _latest(district)
    later = latest + timedelta(hours=1)
    simulator.mark_deleted("enrollments", gone, at=later)
    simulator.mark_deleted("results", gone_results, at=later)
    try:
        delta = _read_all(_adapter(server, version), since=latest)
        enrollments, results = delta["enrollment"][0], delta["assignment_result"][0]
        assert sorted(enrollments.deleted_ids) == sorted(gone)
        assert sorted(results.deleted_ids) == sorted(gone_results)
        assert enrollments.frame.height == results.frame.height == 0
        full, _ = _read_all(_adapter(server, version))["enrollment"]
        assert sorted(full.deleted_ids) == sorted(gone)
        assert full.frame.height == district.frames["enrollment"].height - 3
    finally:
        simulator.clear_deleted()


def test_background_server_serves_on_a_real_port_and_stops(district: SyntheticDistrict) -> None:
    app = create_app(district, client_id=CLIENT_ID, client_secret=SECRET)
    with BackgroundServer(app) as running:
        url = running.url
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/ims/oneroster/v1p1/orgs").status_code == 401  # unsigned
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/ims/oneroster/v1p1/orgs")
