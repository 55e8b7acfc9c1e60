"""Each grant option changes what an app sees: the same query, over HTTP with a real token, from
an app whose grant has the option off and one whose grant has it on (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update

from hub.access import grant, register_app
from hub.access import policy as policy_module
from hub.app import create_app
from hub.config import Settings
from hub.store import response_log
from hub.store.audit_models import API_RESPONSE_PAYLOADS
from hub.store.columns import utcnow
from hub.sync.maintenance import run_maintenance
from tests.factories import ApiClient, District, make_district, make_record, make_token

_names = itertools.count()
TODAY = utcnow().date()
ROSTER = ["students", "staff", "contacts", "classes", "enrollments"]


class App:
    """An app granted at some schools of a source, reading GraphQL over HTTP with its own token."""

    def __init__(self, engine: Engine, source_id: str, schools: list[str], **grant_kwargs: Any) -> None:
        data_types = grant_kwargs.pop("data_types", ROSTER)
        with engine.begin() as conn:
            app, _ = register_app(conn, f"Options app {next(_names)}")
            grant(conn, app.id, source_id, schools, data_types, **grant_kwargs)
            self.token = make_token(conn, app.id)
        self.id = app.id
        self.client = ApiClient(create_app(engine, Settings()))

    def post(self, query: str, **variables: Any) -> Any:
        return self.client.graphql(query, self.token, **variables)

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.post(query, **variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return dict(body["data"])


@pytest.fixture
def district(engine: Engine) -> District:
    with engine.begin() as conn:
        return make_district(conn)


def _app(engine: Engine, district: District, **kwargs: Any) -> App:
    return App(engine, district.source_id, [district.schools[0].id], **kwargs)


def _nodes(data: dict[str, Any], connection: str) -> list[dict[str, Any]]:
    return [e["node"] for e in data["school"][connection]["edges"]]


def _ids(data: dict[str, Any], connection: str) -> set[str]:
    return {n["hubId"] for n in _nodes(data, connection)}


ENROLLMENTS = (
    "query ($id: ID!) { school(id: $id) { enrollments(first: 1000) { edges { node { hubId role } } } } }"
)
SESSIONS = "query ($id: ID!) { school(id: $id) { sessions(first: 1000) { edges { node { hubId } } } } }"


def _enrollment(engine: Engine, district: District, **fields: Any) -> str:
    north = district.schools[0]
    person = north.staff[0] if fields.get("role", "student") != "student" else north.students[0]
    values: dict[str, Any] = {"role": "student", "primary": False, "begin_date": date(2025, 9, 1)} | fields
    with engine.begin() as conn:
        return make_record(
            conn,
            "enrollment",
            source_id=district.source_id,
            school_id=north.id,
            person_id=person,
            class_id=north.classes[0],
            **values,
        )


def _session(engine: Engine, district: District, kind: str, start: date, end: date) -> str:
    with engine.begin() as conn:
        return make_record(
            conn,
            "academic_session",
            source_id=district.source_id,
            school_id=district.schools[0].id,
            kind=kind,
            title=f"{kind} from {start}",
            start_date=start,
            end_date=end,
        )


def test_schools_subset_only_the_granted_schools(engine: Engine, district: District) -> None:
    north, south = district.schools
    query = "{ schools { edges { node { hubId students { edges { node { hubId } } } } } } }"

    def seen(app: App) -> set[str]:
        schools = app.data(query)["schools"]["edges"]
        return {s["node"]["hubId"] for s in schools} | {
            p["node"]["hubId"] for s in schools for p in s["node"]["students"]["edges"]
        }

    one = App(engine, district.source_id, [north.id])
    both = App(engine, district.source_id, [north.id, south.id])
    assert seen(one) == {north.id, *north.students}
    assert seen(both) == {north.id, south.id, *north.students, *south.students}
    refused = one.post("query ($id: ID!) { school(id: $id) { name } }", id=south.id).json()
    assert refused["data"]["school"] is None


def test_primary_enrollments_only(engine: Engine, district: District) -> None:
    aide = _enrollment(engine, district, role="aide", primary=False)
    north = district.schools[0]
    off = _app(engine, district).data(ENROLLMENTS, id=north.id)
    on = _app(engine, district, options={"primary_enrollments_only": True}).data(ENROLLMENTS, id=north.id)
    assert _ids(off, "enrollments") - _ids(on, "enrollments") == {aide}
    assert set(north.enrollments) <= _ids(on, "enrollments")  # students and the primary teacher


def test_future_enrollments_active(engine: Engine, district: District) -> None:
    future = _enrollment(engine, district, begin_date=TODAY + timedelta(days=3))
    north = district.schools[0]
    off = _app(engine, district).data(ENROLLMENTS, id=north.id)
    on = _app(engine, district, options={"future_enrollments_active": True}).data(ENROLLMENTS, id=north.id)
    assert future not in _ids(off, "enrollments")
    assert _ids(on, "enrollments") - _ids(off, "enrollments") == {future}


def test_an_enrollment_leaves_scope_after_its_end_date(engine: Engine, district: District) -> None:
    ended = _enrollment(engine, district, end_date=TODAY - timedelta(days=1))
    last_day = _enrollment(engine, district, end_date=TODAY)
    seen = _ids(_app(engine, district).data(ENROLLMENTS, id=district.schools[0].id), "enrollments")
    assert last_day in seen
    assert ended not in seen


def test_endless_teacher_enrollments(engine: Engine, district: District) -> None:
    yesterday = TODAY - timedelta(days=1)
    teacher = _enrollment(engine, district, role="teacher", primary=True, end_date=yesterday)
    pupil = _enrollment(engine, district, role="student", end_date=yesterday)
    north = district.schools[0]
    off = _app(engine, district).data(ENROLLMENTS, id=north.id)
    on = _app(engine, district, options={"endless_teacher_enrollments": True}).data(ENROLLMENTS, id=north.id)
    assert {teacher, pupil}.isdisjoint(_ids(off, "enrollments"))
    assert _ids(on, "enrollments") - _ids(off, "enrollments") == {teacher}  # pupils still end


def test_use_grade_posting_end_date(engine: Engine, district: District) -> None:
    # A grading period still open (its grades are being posted) and one closed last month.
    _session(engine, district, "grading_period", TODAY - timedelta(days=30), TODAY + timedelta(days=10))
    _session(engine, district, "grading_period", TODAY - timedelta(days=90), TODAY - timedelta(days=31))
    in_open = _enrollment(engine, district, end_date=TODAY - timedelta(days=2))
    in_closed = _enrollment(engine, district, end_date=TODAY - timedelta(days=40))
    north = district.schools[0]
    off = _app(engine, district).data(ENROLLMENTS, id=north.id)
    on = _app(engine, district, options={"use_grade_posting_end_date": True}).data(ENROLLMENTS, id=north.id)
    assert {in_open, in_closed}.isdisjoint(_ids(off, "enrollments"))
    assert _ids(on, "enrollments") - _ids(off, "enrollments") == {in_open}


def test_marking_periods_always_active(engine: Engine, district: District) -> None:
    later = TODAY + timedelta(days=20)
    next_term = _session(engine, district, "term", later, later + timedelta(days=60))
    next_quarter = _session(engine, district, "grading_period", later, later + timedelta(days=40))
    next_year = _session(engine, district, "school_year", later, later + timedelta(days=300))
    past = _session(
        engine, district, "grading_period", TODAY - timedelta(days=90), TODAY - timedelta(days=31)
    )
    north = district.schools[0]
    off = _ids(_app(engine, district).data(SESSIONS, id=north.id), "sessions")
    on = _ids(
        _app(engine, district, options={"marking_periods_always_active": True}).data(SESSIONS, id=north.id),
        "sessions",
    )
    assert {past, next_year, *north.sessions} <= off  # ended periods and school years always show
    assert on - off == {next_term, next_quarter}


def test_ignore_all_schools_records(engine: Engine, district: District) -> None:
    with engine.begin() as conn:
        course = make_record(
            conn, "course", source_id=district.source_id, school_id=None, title="District Art"
        )
    query = "query ($id: ID!) { school(id: $id) { courses { edges { node { hubId districtLevel } } } } }"
    north = district.schools[0]
    off = _ids(_app(engine, district).data(query, id=north.id), "courses")
    on = _ids(
        _app(engine, district, options={"ignore_all_schools_records": True}).data(query, id=north.id),
        "courses",
    )
    assert off - on == {course}
    assert set(north.courses) <= on


CUSTOM = """query ($id: ID!) { school(id: $id) { students(first: 100) { edges { node {
    customFields { hubId key value } } } } } }"""


def _custom_fields(app: App, school_id: str) -> set[tuple[str, str]]:
    return {
        (c["key"], c["value"])
        for s in _nodes(app.data(CUSTOM, id=school_id), "students")
        for c in s["customFields"] or []
    }


def test_custom_fields_lists_the_keys_served(engine: Engine, district: District) -> None:
    north = district.schools[0]
    with engine.begin() as conn:
        for key, value in (("bus_route", "42"), ("medical_note", "asthma"), ("locker", "B7")):
            make_record(
                conn,
                "custom_field",
                source_id=district.source_id,
                school_id=north.id,
                entity="person",
                person_id=north.students[0],
                key=key,
                value=value,
            )
    types = ["students", "custom_fields"]
    every = _custom_fields(_app(engine, district, data_types=types), north.id)
    listed = _app(engine, district, data_types=types, options={"custom_fields": ["bus_route", "locker"]})
    assert every == {("bus_route", "42"), ("medical_note", "asthma"), ("locker", "B7")}
    assert _custom_fields(listed, north.id) == {("bus_route", "42"), ("locker", "B7")}
    medical = next(c for c in every if c[0] == "medical_note")
    assert medical not in _custom_fields(listed, north.id)


def test_max_requests_per_minute(engine: Engine, district: District) -> None:
    default = _app(engine, district)
    strict = _app(engine, district, options={"max_requests_per_minute": 2})
    query = "{ viewer { requestsPerMinute } }"
    assert [default.post(query).status_code for _ in range(3)] == [200, 200, 200]
    assert default.post(query).headers["x-ratelimit-limit"] == "600"
    assert [strict.post(query).status_code for _ in range(3)] == [200, 200, 429]


FEED = """query ($after: String) { changes(after: $after, types: [ENROLLMENTS, CUSTOM_FIELDS]) {
    edges { hubId operation } pageInfo { hasNextPage endCursor } } }"""
FULL = """query ($id: ID!) { school(id: $id) { enrollments(first: 1000) { edges { node { hubId } } }
    students(first: 1000) { edges { node { customFields { hubId } } } } } }"""


def _replay(app: App, replica: set[str], cursor: str | None) -> str | None:
    while True:
        changes = app.data(FEED, after=cursor)["changes"]
        for edge in changes["edges"]:
            (replica.add if edge["operation"] == "UPSERT" else replica.discard)(edge["hubId"])
        cursor = changes["pageInfo"]["endCursor"]
        if not changes["pageInfo"]["hasNextPage"]:
            return cursor


def _full(app: App, school_id: str) -> set[str]:
    data = app.data(FULL, id=school_id)
    custom = {c["hubId"] for s in _nodes(data, "students") for c in s["customFields"] or []}
    return _ids(data, "enrollments") | custom


def test_the_change_feed_follows_option_changes(engine: Engine, district: District) -> None:
    north = district.schools[0]
    teacher = _enrollment(engine, district, role="teacher", primary=True, end_date=TODAY - timedelta(days=1))
    with engine.begin() as conn:
        bus, medical = (
            make_record(
                conn,
                "custom_field",
                source_id=district.source_id,
                school_id=north.id,
                entity="person",
                person_id=north.students[0],
                key=key,
                value="x",
            )
            for key in ("bus_route", "medical_note")
        )
    types = ["students", "enrollments", "custom_fields"]
    app = _app(engine, district, data_types=types, options={"endless_teacher_enrollments": True})
    replica: set[str] = set()
    cursor = _replay(app, replica, None)
    assert {teacher, bus, medical} <= replica
    assert replica == _full(app, north.id)

    def regrant(options: dict[str, Any]) -> None:
        with engine.begin() as conn:
            grant(conn, app.id, district.source_id, [north.id], types, options=options)

    regrant({"custom_fields": ["bus_route"]})  # the teacher's enrollment ends; one key stays
    cursor = _replay(app, replica, cursor)
    assert {teacher, medical}.isdisjoint(replica)
    assert bus in replica
    assert replica == _full(app, north.id)

    regrant({"endless_teacher_enrollments": True})
    _replay(app, replica, cursor)
    assert {teacher, bus, medical} <= replica
    assert replica == _full(app, north.id)


def test_log_full_payloads_keeps_responses_a_week(engine: Engine, district: District) -> None:
    quiet = _app(engine, district)
    logged = _app(engine, district, options={"log_full_payloads": True})
    query = "query Pupils { schools { edges { node { students { edges { node { givenName } } } } } } }"
    for app in (quiet, logged):
        assert app.post(query).status_code == 200
    sent = logged.post(query)
    with engine.connect() as conn:
        assert response_log.recent(conn, quiet.id) == []
        entries = response_log.recent(conn, logged.id)
    assert len(entries) == 2
    assert json.loads(entries[0]["body"]) == sent.json()
    assert json.loads(entries[0]["request"])["query"] == query

    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            update(API_RESPONSE_PAYLOADS)
            .where(API_RESPONSE_PAYLOADS.c.id == entries[1]["id"])
            .values(at=now - timedelta(days=8))
        )
    assert run_maintenance(engine, now, Settings())["payloads_purged"] == 1
    with engine.connect() as conn:
        assert [e["id"] for e in response_log.recent(conn, logged.id)] == [entries[0]["id"]]


def test_a_new_day_ends_and_begins_enrollments_in_the_change_feed(
    engine: Engine, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No row changes overnight, yet the replica must lose the enrollment that ended yesterday
    and gain the one that begins today (the scope snapshot holds the date)."""
    ending = _enrollment(engine, district, end_date=TODAY)
    starting = _enrollment(engine, district, begin_date=TODAY + timedelta(days=1))
    app = _app(engine, district, data_types=["students", "enrollments", "custom_fields"])
    replica: set[str] = set()
    cursor = _replay(app, replica, None)
    assert ending in replica
    assert starting not in replica

    tomorrow = utcnow() + timedelta(days=1)
    monkeypatch.setattr(policy_module, "utcnow", lambda: tomorrow)
    _replay(app, replica, cursor)
    assert ending not in replica
    assert starting in replica
    assert replica == _full(app, district.schools[0].id)
