"""Privacy as a property: whatever an app is granted and whatever it asks, no response shows a
value from a school, data type or field it was not granted (privacy_world.py has the oracle).

Each example draws grants (schools x every data type, roster and school life x fields x every
grant option that changes what is visible) for one app, writes them as grant rows, and sends generated queries through the real HTTP app (token, rate limiter, audit).
Every response is walked whole — data, errors, extensions — for markers, dates, ids and cursors;
no response may be a 5xx or carry a masked (INTERNAL) error.

CI runs a fixed, derandomised sample (the same 1,200 queries each run, so a red build reproduces);
set SATCHEL_PRIVACY_EXAMPLES=2000 SATCHEL_PRIVACY_RANDOM=1 to explore new ground locally.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries
from sqlalchemy import Engine

from hub.access import AppRecord, register_app
from hub.app import create_app
from hub.config import Settings
from hub.graphql.schema import build_schema
from hub.store import make_engine
from hub.store.migrate import upgrade
from tests.factories import ApiClient, make_token
from tests.graphql.helpers import gid
from tests.graphql.privacy_queries import Pools
from tests.graphql.privacy_queries import queries as schema_queries
from tests.graphql.privacy_world import (
    LIFE_ENTITIES,
    Grants,
    LeakError,
    Oracle,
    SchoolGrant,
    World,
    build_world,
    grant_sets,
    write_grants,
)

EXAMPLES = int(os.environ.get("SATCHEL_PRIVACY_EXAMPLES", "200"))
RANDOM = bool(os.environ.get("SATCHEL_PRIVACY_RANDOM"))
OWN_QUERIES = 5  # per example, from the schema walk in privacy_queries.py (+ hypothesis-graphql's)
ALLOWED_CODES = {"FORBIDDEN_SCOPE", "BAD_ARGUMENT", "LIMIT_EXCEEDED", None}
GRAPHQL_TYPES = {
    "person": "Person",
    "class": "Class",
    "course": "Course",
    "session": "AcademicSession",
    "enrollment": "Enrollment",
    "school": "School",
    "district": "School",
    # School life: the entity's name in CamelCase (attendance_mark → AttendanceMark).
    **{entity: entity.title().replace("_", "") for entity in LIFE_ENTITIES},
}


@dataclass
class Env:
    engine: Engine
    world: World
    app: AppRecord
    token: str
    client: ApiClient


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    path: Path = tmp_path_factory.mktemp("privacy") / "satchel.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        world = build_world(conn)
        app, _ = register_app(conn, "Property")
        token = make_token(conn, app.id, ttl_seconds=24 * 3600)
    yield Env(engine, world, app, token, ApiClient(create_app(engine, Settings())))
    engine.dispose()


# --- strategies ---------------------------------------------------------------------------------------


def _pools(world: World) -> Pools:
    hub_ids = sorted(world.facts)
    schools = [gid("School", s) for s in world.school_ids]
    return Pools.of([gid(GRAPHQL_TYPES[world.facts[h].kind], h) for h in hub_ids], hub_ids, schools)


def _generated(world: World) -> st.SearchStrategy[list[str]]:
    pools = _pools(world)
    own = st.lists(schema_queries(build_schema()._schema, pools), min_size=OWN_QUERIES, max_size=OWN_QUERIES)
    # hypothesis-graphql: its own idea of what a query looks like, with our ids for ID arguments.
    scalars = {
        "ID": st.sampled_from(pools.ids).map(lambda literal: nodes.String(json.loads(literal))),
        "Int": st.sampled_from((0, 1, 3, 1000, -1, 1001)).map(nodes.Int),
        "DateTime": st.sampled_from(("2020-01-01T00:00:00Z", "2026-01-15T09:00")).map(nodes.String),
        "Date": st.sampled_from(("2020-01-01",)).map(nodes.String),
    }
    theirs = queries(build_schema()._schema, custom_scalars=scalars, allow_x00=False, codec="ascii")
    # One example in two adds a hypothesis-graphql query: ~70 ms each just to generate.
    return st.tuples(own, st.none() | theirs).map(lambda pair: [*pair[0], *([pair[1]] if pair[1] else [])])


# --- the property -------------------------------------------------------------------------------------


def _check(oracle: Oracle, query: str, status: int, body: dict[str, Any]) -> None:
    assert status == 200, (status, query, body)
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors", [])}
    assert codes <= ALLOWED_CODES, (query, body["errors"])
    try:
        oracle.check(body)
    except LeakError as leak:
        raise AssertionError(f"{leak}\nin the response to\n{query}") from None


def test_no_response_shows_what_was_not_granted(env: Env) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        # Shrinking re-runs whole batches of HTTP requests for minutes; a failure names its
        # grants and the query whose response leaked, which is enough to reproduce it.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(grants=grant_sets(), generated=_generated(env.world))
    def property_(grants: Grants, generated: list[str]) -> None:
        nonlocal sent
        # A fresh app per example: one app sending thousands of queries a minute would rightly be
        # rate limited (an app with no grants gets the default 600/min).
        with env.engine.begin() as conn:
            app, _ = register_app(conn, f"Property {sent}")
            token = make_token(conn, app.id, ttl_seconds=3600)
        sent += len(generated)
        write_grants(env.engine, env.world, app.id, grants)
        oracle = Oracle(env.world, grants)
        for query in generated:
            response = env.client.graphql(query, token)
            _check(oracle, query, response.status_code, response.json())

    sent = 0
    property_()
    assert sent >= EXAMPLES * OWN_QUERIES


def test_the_oracle_catches_a_leak(env: Env) -> None:
    """The walk is only worth something if it fails on a leak: one of each kind."""
    world = env.world
    oracle = Oracle(
        world, {0: SchoolGrant(frozenset({"students"}), fields={"students": frozenset({"given_name"})})}
    )
    student = next(
        h
        for h, f in world.facts.items()
        if f.kind == "person" and f.school == 0 and f.data_type == "students"
    )
    stranger = next(h for h, f in world.facts.items() if f.kind == "person" and f.school == 1)
    oracle.check({"data": {"givenName": "zS0.students.given_name.0", "id": gid("Person", student)}})
    leaks: list[Any] = [
        {"email": "zS0.students.email.0"},  # an ungranted field
        {"x": "zS1.students.given_name.0"},  # an ungranted school
        {"x": "zS0.staff.given_name.0"},  # an ungranted data type
        {"x": "zD0.courses.title.0"},  # district records without classes
        {"id": gid("Person", stranger)},  # an id of a hidden row
        {"hubId": stranger},
        {"cursor": gid("x", stranger)},  # ids inside cursors
        {"id": gid("Person", student), "enabled": True},  # a non-string ungranted field
        {"dateOfBirth": "1990-01-01"},  # a date names its school and field
        {"x": "zS0.attendance.note.100"},  # school life without its data type
        {"x": "2070-01-01"},  # a school-life date (attendance) without its data type
    ]
    for leak in leaks:
        with pytest.raises(AssertionError):
            oracle.check(leak)


def test_the_oracle_knows_what_options_hide(env: Env) -> None:
    """Rows the options decide: each is caught by its marker alone when out of scope."""
    world = env.world
    everything = frozenset({"classes", "enrollments", "custom_fields", "students"})
    custom = {
        f.key: next(n for (kind, k, dt, n), h in world.marked.items() if h == hub and k == 1)
        for hub, f in world.facts.items()
        if f.kind == "custom_field" and f.school == 1
    }
    narrow = Oracle(world, {1: SchoolGrant(everything, custom_keys=("key0",))})
    narrow.check({"value": f"zS1.custom_fields.value.{custom['key0']}"})
    with pytest.raises(LeakError):
        narrow.check({"value": f"zS1.custom_fields.value.{custom['key1']}"})
    default = Oracle(world, {1: SchoolGrant(everything)})
    for leak in (
        "zS1.enrollments.source_record_id.50",  # an ended pupil's enrollment
        "zS1.enrollments.source_record_id.51",  # an ended teacher's enrollment
        "zS1.sessions.title.0",  # a term not started yet
        "2051-09-01",  # its start date
        "2001-01-02",  # the ended teacher enrollment's end date
    ):
        with pytest.raises(LeakError):
            default.check({"x": leak})
    endless = Oracle(world, {1: SchoolGrant(everything, endless_teachers=True, periods_always_active=True)})
    for shown in ("zS1.enrollments.source_record_id.51", "zS1.sessions.title.0", "2051-09-01", "2001-01-02"):
        endless.check({"x": shown})
    with pytest.raises(LeakError):
        endless.check({"x": "zS1.enrollments.source_record_id.50"})  # pupils still end
    # Grade posting: school 0 has an open grading period, school 1 has none.
    posting = Oracle(
        world,
        {0: SchoolGrant(everything, grade_posting=True), 1: SchoolGrant(everything, grade_posting=True)},
    )
    posting.check({"x": "zS0.enrollments.source_record_id.50"})
    with pytest.raises(LeakError):
        posting.check({"x": "zS1.enrollments.source_record_id.50"})
