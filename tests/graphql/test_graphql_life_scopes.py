"""School life and people's details through the one policy: per data type, an app granted it at
one school sees that school's rows on every read path (root connection, nested edge, node, change
feed) and never the other school's; a data type not granted is FORBIDDEN_SCOPE naming it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from hub.access import AppRecord, grant, register_app
from hub.access.apps import get_app
from hub.graphql.execute import Operation, run
from hub.store import reads
from tests.factories import (
    District,
    SchoolLife,
    make_attendance_mark,
    make_contact_relationship,
    make_district,
    make_school_life,
)
from tests.graphql.helpers import gid, hub_id, ids

DAY = date(2026, 1, 14)
_names = itertools.count()
LIFE_TYPES = ["attendance", "behaviour", "grades", "assignments", "calendar", "timetable"]
DETAIL_TYPES = ["demographics", "addresses", "contacts", "photos", "custom_fields"]
EVERY_TYPE = ["students", "staff", "classes", "enrollments", *LIFE_TYPES, *DETAIL_TYPES]
GRAPHQL_TYPES = {
    "attendance_mark": "AttendanceMark",
    "attendance_summary": "AttendanceSummary",
    "behaviour_incident": "BehaviourIncident",
    "grade_record": "GradeRecord",
    "assignment": "Assignment",
    "assignment_result": "AssignmentResult",
    "calendar_event": "CalendarEvent",
    "timetable_slot": "TimetableSlot",
    "demographics": "Demographics",
    "address": "Address",
    "contact_point": "ContactPoint",
    "contact_relationship": "ContactRelationship",
    "photo": "Photo",
    "custom_field": "CustomField",
}


@dataclass
class World:
    engine: Engine
    district: District
    life: list[SchoolLife]  # North, South
    crossing: str  # a North relationship to a South contact

    def app(self, data_types: list[str], fields: dict[str, list[str]] | None = None) -> AppRecord:
        with self.engine.begin() as conn:
            app, _ = register_app(conn, f"app-{next(_names)}")
            north = self.district.schools[0].id
            grant(conn, app.id, self.district.source_id, [north], data_types, fields=fields)
        return app


@pytest.fixture
def world(engine: Engine) -> World:
    with engine.begin() as conn:
        district = make_district(conn)
        src = district.source_id
        life = [make_school_life(conn, source_id=src, school=s, day=DAY) for s in district.schools]
        north, south = district.schools
        crossing = make_contact_relationship(
            conn,
            source_id=src,
            school_id=north.id,
            student_id=north.students[0],
            contact_id=south.contacts[0],
            relationship="aunt",
            priority=2,
        )
    return World(engine, district, life, crossing)


def _run(world: World, app: AppRecord, query: str, **variables: Any) -> dict[str, Any]:
    return run(world.engine, app, Operation(query, variables))


def _roster(district: District, index: int) -> set[str]:
    s = district.schools[index]
    return {s.id, *s.students, *s.staff, *s.contacts, *s.classes, *s.courses, *s.sessions, *s.enrollments}


EVERYTHING = """
query ($from: Date!, $to: Date!) { schools { edges { node { id
  attendance(from: $from, to: $to) { edges { node { id status student { id } class { id } } } }
  attendanceSummaries { edges { node { id daysAttended student { id } session { id } } } }
  behaviour(from: $from) { edges { node { id student { id } staff { id } } } }
  calendar(from: $from, to: $to) { edges { node { id kind } } }
  timetable { edges { node { id day class { id } } } }
  grades(kind: FINAL) { edges { node { id kind student { id } class { id } course { id } session { id } } } }
  assignments { edges { node { id class { id } results { id student { id } assignment { id } } } } }
  students { edges { node { id
    attendance(from: $from, to: $to) { id } attendanceSummaries { id } behaviour { id }
    gradeRecords { id } results { id } demographics { id ethnicity } addresses { id } contactPoints { id }
    relationships { id relationship contact { id } student { id } } photo { id } customFields { id key }
  } } }
  contacts { edges { node { id relationships { id student { id } } } } }
  classes { edges { node { id timetable { id } assignments { id results { id } } } } }
} } } }
"""


def test_an_app_sees_the_granted_schools_rows_on_root_and_nested_paths_only(world: World) -> None:
    app = world.app(["contacts", *EVERY_TYPE])
    north_life, south_life = world.life

    body = _run(world, app, EVERYTHING, **{"from": DAY.isoformat(), "to": DAY.isoformat()})

    assert "errors" not in body, body["errors"]
    seen = ids(body["data"])
    for entity, records in north_life.by_entity.items():
        assert set(records) <= seen, f"{entity} rows of the granted school are missing"
    assert not seen & (south_life.ids | _roster(world.district, 1)), "rows of the other school leaked"
    enrollments = set(world.district.schools[0].enrollments)  # not asked for
    assert seen == north_life.ids | (_roster(world.district, 0) - enrollments) | {world.crossing}
    # The crossing relationship is North's, its South contact is not: the edge comes back null.
    school = body["data"]["schools"]["edges"][0]["node"]
    pupil = next(
        e["node"]
        for e in school["students"]["edges"]
        if hub_id(e["node"]["id"]) == world.district.schools[0].students[0]
    )
    relationships = {hub_id(r["id"]): r for r in pupil["relationships"]}
    assert relationships[world.crossing]["contact"] is None
    assert [r["relationship"] for r in pupil["relationships"]] == ["mother", "aunt"]  # priority order


def test_node_resolves_the_granted_schools_records_only(world: World) -> None:
    app = world.app(["contacts", *EVERY_TYPE])
    north_life, south_life = world.life
    asked = {
        f"{side}{n}": (gid(type_name, life.by_entity[entity][0]), type_name)
        for n, (entity, type_name) in enumerate(GRAPHQL_TYPES.items())
        for side, life in (("north", north_life), ("south", south_life))
    }
    query = (
        "{ " + " ".join(f'{key}: node(id: "{g}") {{ id __typename }}' for key, (g, _) in asked.items()) + " }"
    )

    found = _run(world, app, query)["data"]

    for key, (g, type_name) in asked.items():
        expected = {"id": g, "__typename": type_name} if key.startswith("north") else None
        assert found[key] == expected, type_name


def test_each_data_type_not_granted_is_forbidden_scope_naming_it(world: World) -> None:
    app = world.app(["students", "classes"])
    north = world.district.schools[0]

    body = _run(
        world,
        app,
        EVERYTHING.replace("contacts { edges", "staff { edges"),
        **{"from": "2026-01-01", "to": "2026-01-31"},
    )

    school = body["data"]["schools"]["edges"][0]["node"]
    for root in (
        "attendance",
        "attendanceSummaries",
        "behaviour",
        "calendar",
        "timetable",
        "grades",
        "assignments",
    ):
        assert school[root] is None, root
    found = {(str(e["path"][-1]), e["extensions"]["scope"]) for e in body["errors"]}
    assert all(e["extensions"]["code"] == "FORBIDDEN_SCOPE" for e in body["errors"])
    assert all(e["extensions"]["schoolId"] == north.id for e in body["errors"])
    expected = {
        ("attendance", "attendance"),
        ("attendanceSummaries", "attendance"),
        ("behaviour", "behaviour"),
        ("calendar", "calendar"),
        ("timetable", "timetable"),
        ("grades", "grades"),
        ("assignments", "assignments"),
        ("gradeRecords", "grades"),
        ("results", "assignments"),
        ("demographics", "demographics"),
        ("addresses", "addresses"),
        ("contactPoints", "contacts"),
        ("relationships", "contacts"),
        ("photo", "photos"),
        ("customFields", "custom_fields"),
        ("staff", "staff"),
    }
    assert found == expected
    # Not granted means not found by id either.
    mark = world.life[0].by_entity["attendance_mark"][0]
    node = _run(world, app, "query ($id: ID!) { node(id: $id) { id } }", id=gid("AttendanceMark", mark))
    assert node["data"]["node"] is None


def test_one_data_type_never_opens_another(world: World) -> None:
    app = world.app(["students", "attendance"])
    body = _run(
        world,
        app,
        "{ schools { edges { node { students { edges { node { attendance { id } behaviour { id } } } } } } } }",
    )
    marks = {
        m["id"]
        for e in body["data"]["schools"]["edges"][0]["node"]["students"]["edges"]
        for m in e["node"]["attendance"]
    }
    assert {hub_id(m) for m in marks} == set(world.life[0].by_entity["attendance_mark"])
    assert {e["extensions"]["scope"] for e in body["errors"]} == {"behaviour"}

    # Dates bound the marks; a range the wrong way round is a bad argument.
    dates = "{ schools { edges { node { attendance(from: %s, to: %s) { edges { node { id } } } } } } }"
    outside = _run(world, app, dates % ('"2026-02-01"', '"2026-02-28"'))
    assert outside["data"]["schools"]["edges"][0]["node"]["attendance"]["edges"] == []
    [error] = _run(world, app, dates % ('"2026-02-01"', '"2026-01-01"'))["errors"]
    assert error["extensions"]["code"] == "BAD_ARGUMENT"


def test_sensitive_fields_not_granted_are_null_and_listed_once(world: World) -> None:
    app = world.app(
        ["students", "contacts", "demographics", "photos", "attendance"],
        fields={
            "demographics": ["person_id", "sex"],
            "photos": ["person_id", "content_type", "taken_at"],
            "attendance": ["student_id", "date", "status", "days_possible"],
            "contacts": ["given_name", "student_id", "contact_id", "relationship", "priority"],
        },
    )
    query = """{ schools { edges { node { students { edges { node {
      demographics { sex ethnicity } photo { contentType data }
      attendance { status } attendanceSummaries { daysPossible daysAttended }
      relationships { relationship custody contact { givenName } } } } } } } } }"""

    body = _run(world, app, query)

    assert "errors" not in body, body["errors"]
    pupils = [e["node"] for e in body["data"]["schools"]["edges"][0]["node"]["students"]["edges"]]
    assert len(pupils) == 3
    for p in pupils:
        assert p["demographics"] == {"sex": "FEMALE", "ethnicity": None}
        assert p["photo"] == {"contentType": "image/png", "data": None}
        assert {m["status"] for m in p["attendance"]} <= {"PRESENT", "ABSENT"}
        assert p["attendanceSummaries"] == [{"daysPossible": 100.0, "daysAttended": None}]
        assert p["relationships"][0]["custody"] is None
        assert p["relationships"][0]["relationship"] == "mother"
        assert p["relationships"][0]["contact"]["givenName"]
    north = gid("School", world.district.schools[0].id)
    withheld = {
        (w["type"], w["field"], w["dataType"], tuple(w["schools"])) for w in body["extensions"]["withheld"]
    }
    assert withheld == {
        ("Demographics", "ethnicity", "demographics", (north,)),
        ("Photo", "data", "photos", (north,)),
        ("AttendanceSummary", "daysAttended", "attendance", (north,)),
        ("ContactRelationship", "custody", "contacts", (north,)),
    }

    demographics = world.life[0].by_entity["demographics"][0]
    node = _run(
        world,
        app,
        "query ($id: ID!) { node(id: $id) { ... on Demographics { sex ethnicity } } }",
        id=gid("Demographics", demographics),
    )
    assert node["data"]["node"] == {"sex": "FEMALE", "ethnicity": None}
    assert node["extensions"]["withheld"][0]["field"] == "ethnicity"


def test_the_change_feed_carries_the_new_data_types_of_the_granted_school(world: World) -> None:
    app = world.app(["students", "attendance", "contacts"])
    query = """{ changes(types: [ATTENDANCE, CONTACTS], first: 1000) { edges { type hubId dataType operation
      node { ... on AttendanceMark { status } ... on ContactRelationship { relationship } } } } }"""

    edges = _run(world, app, query)["data"]["changes"]["edges"]

    north = world.life[0].by_entity
    by_type: dict[str, set[str]] = {}
    for e in edges:
        by_type.setdefault(e["type"], set()).add(e["hubId"])
        assert e["operation"] == "UPSERT"
        assert e["node"] is not None
    assert by_type["AttendanceMark"] == set(north["attendance_mark"])
    assert by_type["AttendanceSummary"] == set(north["attendance_summary"])
    assert by_type["ContactRelationship"] == {*north["contact_relationship"], world.crossing}
    assert by_type["ContactPoint"] == set(north["contact_point"])
    assert {e["dataType"] for e in edges if e["type"].startswith("Attendance")} == {"ATTENDANCE"}
    assert not {e["hubId"] for e in edges} & world.life[1].ids


def _statements(engine: Engine, students: int) -> tuple[int, int]:
    """(pupils returned, SQL statements run) for a page of pupils with nested school life."""
    with engine.begin() as conn:
        district = make_district(conn, source_name=f"sis{students}", students=students)
        north = district.schools[0]
        for pupil in north.students:
            kw: dict[str, Any] = {"source_id": district.source_id, "school_id": north.id}
            make_attendance_mark(conn, **kw, student_id=pupil, on=DAY, class_id=north.classes[0])
            make_contact_relationship(conn, **kw, student_id=pupil, contact_id=north.contacts[0])
        app, _ = register_app(conn, f"Counter{students}")
        grant(conn, app.id, district.source_id, [north.id], ["students", "classes", "contacts", "attendance"])
    query = """{ schools { edges { node { students(first: 1000) { edges { node { id
        attendance(from: "2026-01-01") { id status class { id title } }
        relationships { relationship contact { id } } } } } } } } }"""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = run(engine, app, Operation(query))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "errors" not in body, body["errors"]
    pupils = body["data"]["schools"]["edges"][0]["node"]["students"]["edges"]
    assert all(len(p["node"]["attendance"]) == 1 for p in pupils)
    assert all(p["node"]["attendance"][0]["class"]["title"] for p in pupils)
    return len(pupils), len(statements)


def test_nested_attendance_and_relationships_load_in_a_fixed_number_of_statements(
    sqlite_engine: Engine,
) -> None:
    small_rows, small = _statements(sqlite_engine, 5)
    big_rows, big = _statements(sqlite_engine, 150)
    assert (small_rows, big_rows) == (5, 150)
    # grants, schools, students, their marks, the marks' classes, relationships, their contacts,
    # then the scope snapshot and audit rows: the same however many pupils.
    assert small == big <= 10


def test_nested_attendance_reuses_its_statement_unless_narrowed_by_dates(sqlite_engine: Engine) -> None:
    """A nested edge without a date range reads through the scope's cached statement
    (reads._lookup); a date range is bound into a statement of its own, never cached."""
    _statements(sqlite_engine, 2)
    with sqlite_engine.connect() as conn:
        app_id = conn.execute(text("SELECT id FROM apps WHERE name = 'Counter2'")).scalar_one()
        app = get_app(conn, app_id)
    assert app is not None
    undated = "{ schools { edges { node { students { edges { node { attendance { id } } } } } } } }"
    first = run(sqlite_engine, app, Operation(undated))
    built, cached = reads._lookup.cache_info().misses, reads._lookup.cache_info().currsize
    assert run(sqlite_engine, app, Operation(undated)) == first
    dated = undated.replace("attendance {", 'attendance(from: "2026-01-01") {')
    assert run(sqlite_engine, app, Operation(dated)) == first
    info = reads._lookup.cache_info()
    assert (info.misses, info.currsize) == (built, cached)
