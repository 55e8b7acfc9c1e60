"""Focus, end to end: generated district → Focus simulator (real HTTP) → adapter → sync → store.

Every field the Focus dialect carries must come back equal to the generated record (references as
hub ids), in both payload dialects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select

from adapters.focus.mapping import NO_TIMESTAMP, NOT_CARRIED
from adapters.focus.simulator import FocusSimulator, create_app, simulator_of
from adapters.sdk.simserver import BackgroundServer
from hub.canonical import ENTITIES_BY_NAME
from hub.store import CANONICAL_TABLES
from hub.store.sources import add_source
from hub.sync import sync_source
from hub.sync.engine import Progress
from hub.sync.prepare import prepare
from hub.synthetic import SyntheticDistrict, generate_district

# What Focus carries of the roster: schools (not the district) and students (not staff or contacts).
ROWS_CARRIED = {"organisation": pl.col("kind") == "school", "person": pl.col("role") == "student"}


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=24, seed=6, school_life=True, attendance_days=4)


@pytest.fixture
def server(district: SyntheticDistrict) -> Iterator[tuple[str, FocusSimulator]]:
    app = create_app(district, client_id="focus-id", client_secret="focus-secret")
    with BackgroundServer(app) as running:
        yield running.url, simulator_of(app)


@pytest.fixture
def snake_server(district: SyntheticDistrict) -> Iterator[tuple[str, FocusSimulator]]:
    app = create_app(district, client_id="focus-id", client_secret="focus-secret", dialect="snake")
    with BackgroundServer(app) as running:
        yield running.url, simulator_of(app)


def _stored(engine: Engine, entity: str, columns: list[str]) -> pl.DataFrame:
    table = CANONICAL_TABLES[entity]
    with engine.connect() as conn:
        rows = [r._asdict() for r in conn.execute(select(*(table.c[c] for c in columns)))]
    schema = {"id": pl.String(), **ENTITIES_BY_NAME[entity].polars_schema()}
    return pl.DataFrame(rows, schema={c: schema[c] for c in columns}, orient="row").sort("id")


def _expected(district: SyntheticDistrict, entity: str, source_id: str) -> pl.DataFrame:
    frame = district.frames[entity]
    if entity in ROWS_CARRIED:
        frame = frame.filter(ROWS_CARRIED[entity])
    dropped = set(NOT_CARRIED[entity]) | ({"source_updated_at"} if entity in NO_TIMESTAMP else set())
    return prepare(ENTITIES_BY_NAME[entity], source_id, frame).drop("content_hash", *sorted(dropped))


def test_every_field_focus_carries_survives_the_round_trip_into_the_store(
    engine: Engine, district: SyntheticDistrict, server: tuple[str, FocusSimulator]
) -> None:
    """camelCase, as current Focus servers answer; on SQLite and PostgreSQL."""
    _round_trip(engine, district, *server)


def test_the_snake_case_dialect_round_trips_too(
    sqlite_engine: Engine, district: SyntheticDistrict, snake_server: tuple[str, FocusSimulator]
) -> None:
    """snake_case, keyed-object collections, `[]` for empty ones: the older API's shape."""
    _round_trip(sqlite_engine, district, *snake_server)


def _round_trip(engine: Engine, district: SyntheticDistrict, url: str, sim: FocusSimulator) -> None:
    # A high limit keeps the test quick; the limiter itself is tested in tests/adapters/sdk.
    config = {
        "base_url": url,
        "client_id": "focus-id",
        "client_secret": "focus-secret",
        "rate_limit_per_minute": 100_000,
    }
    with engine.begin() as conn:
        source_id = add_source(conn, "focus", "focus", config)
    progress: list[Progress] = []
    summary = sync_source(engine, "focus", progress=progress.append)
    assert summary.status == "succeeded", summary.error
    assert summary.quarantined == []
    for entity in NOT_CARRIED:
        expected = _expected(district, entity, source_id)
        assert expected.height > 0, entity
        actual = _stored(engine, entity, expected.columns)
        assert actual.height == expected.height, entity
        assert actual.equals(expected.sort("id")), _first_difference(actual, expected.sort("id"), entity)
    # The fan-out reports progress against the number of students (times pages read).
    marks = [p for p in progress if p.stream == "absences:attendance_mark"]
    assert marks[-1].done == marks[-1].total == 24
    assert sim.tokens_issued == 1  # one token serves the whole run
    # Each per-student page is fetched once, however many entities it feeds: 10 pages a student.
    schools = district.frames["organisation"].filter(pl.col("kind") == "school").height
    assert sim.requests == 1 + schools + 12 * schools + 24 * 10, sim.requests


def _first_difference(actual: pl.DataFrame, expected: pl.DataFrame, entity: str) -> str:
    for column in expected.columns:
        if not actual[column].equals(expected[column]):
            rows = actual.select("id", column).join(
                expected.select("id", column), on="id", suffix="_expected"
            )
            bad = rows.filter(pl.col(column).ne_missing(pl.col(f"{column}_expected")))
            return f"{entity}.{column}: {bad.head(3).to_dicts()}"
    return entity


def test_wrong_credentials_fail_the_run_with_a_clear_error(engine: Engine, server: tuple[str, Any]) -> None:
    url, _ = server
    with engine.begin() as conn:
        add_source(
            conn, "focus", "focus", {"base_url": url, "client_id": "focus-id", "client_secret": "nope"}
        )
    summary = sync_source(engine, "focus")
    assert summary.status == "failed"
    assert "Focus refused the client credentials" in (summary.error or "")
    assert "Client ID and Secret" in (summary.error or "")
    assert summary.totals.inserted == 0
