"""The policy on every read path: root lists, school by id, nested edges, revocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from hub.access import revoke
from hub.app import create_app
from hub.config import Settings
from tests.factories import NOW, ApiClient, District, make_app, make_district, make_record, make_token
from tests.graphql.helpers import gid, hub_id, ids


@dataclass
class World:
    engine: Engine
    district: District
    client: ApiClient

    def token_for(
        self, name: str, schools: list[str], data_types: list[str] | None = None
    ) -> tuple[str, str]:
        with self.engine.begin() as conn:
            app, _ = make_app(
                conn, name=name, source_id=self.district.source_id, school_ids=schools, data_types=data_types
            )
            return app.id, make_token(conn, app.id)

    def query(self, token: str, query: str, **variables: Any) -> dict[str, Any]:
        response = self.client.graphql(query, token, **variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def world(engine: Engine) -> World:
    with engine.begin() as conn:
        district = make_district(conn)
    return World(engine, district, ApiClient(create_app(engine, Settings())))


EVERYTHING = """
query ($school: ID!) {
  schools { edges { node { id name
    students { edges { node { id givenName enrollments { id class { id } person { id } } } } }
    staff { edges { node { id } } }
    contacts { edges { node { id } } }
    classes { edges { node { id course { id } sessions { id }
      enrollments { id person { id } class { id } } } } }
    enrollments { edges { node { id person { id } class { id } } } }
  } } }
  school(id: $school) { id students { edges { node { id } } } }
}
"""


_ids = ids


def _school_ids(district: District, index: int) -> set[str]:
    s = district.schools[index]
    return {s.id, *s.students, *s.staff, *s.contacts, *s.classes, *s.courses, *s.sessions, *s.enrollments}


def test_an_app_granted_one_school_never_sees_the_other(world: World) -> None:
    north, south = world.district.schools
    _, token = world.token_for("A", [north.id])

    body = world.query(token, EVERYTHING, school=south.id)

    assert "errors" not in body, body["errors"]
    assert body["data"]["school"] is None
    seen = _ids(body["data"])
    assert seen == _school_ids(world.district, 0)
    assert not seen & _school_ids(world.district, 1)


def test_nested_edges_across_schools_are_filtered(world: World) -> None:
    north, south = world.district.schools
    with world.engine.begin() as conn:
        # A North enrollment pointing at a South pupil and class (a dual-registered pupil).
        crossing = make_record(
            conn,
            "enrollment",
            source_id=world.district.source_id,
            school_id=north.id,
            person_id=south.students[0],
            class_id=south.classes[0],
            role="student",
        )
    _, token = world.token_for("A", [north.id])

    body = world.query(
        token,
        "{ schools { edges { node { enrollments { edges { node { id person { id } class { id } } } } } } } }",
    )

    [school] = body["data"]["schools"]["edges"]
    nodes = {hub_id(e["node"]["id"]): e["node"] for e in school["node"]["enrollments"]["edges"]}
    assert nodes[crossing] == {"id": gid("Enrollment", crossing), "person": None, "class": None}
    assert not _ids(body["data"]) & _school_ids(world.district, 1)


def test_a_data_type_not_granted_is_forbidden_scope_naming_it(world: World) -> None:
    north = world.district.schools[0]
    _, token = world.token_for("A", [north.id], ["classes"])

    body = world.query(
        token,
        "{ schools { edges { node { id students { edges { node { id } } } classes { edges { node { id enrollments { id } } } } } } } }",
    )

    [school] = body["data"]["schools"]["edges"]
    assert school["node"]["students"] is None
    assert school["node"]["classes"]["edges"][0]["node"]["enrollments"] is None
    errors = {tuple(e["path"]): e for e in body["errors"]}
    students = errors[("schools", "edges", 0, "node", "students")]
    assert students["extensions"] == {"code": "FORBIDDEN_SCOPE", "scope": "students", "schoolId": north.id}
    assert "students" in students["message"]
    enrollments = errors[("schools", "edges", 0, "node", "classes", "edges", 0, "node", "enrollments")]
    assert enrollments["extensions"]["scope"] == "enrollments"


def test_nested_people_and_classes_need_their_own_data_types(world: World) -> None:
    north = world.district.schools[0]
    _, token = world.token_for("A", [north.id], ["enrollments"])

    body = world.query(
        token,
        "{ schools { edges { node { enrollments { edges { node { id role person { id } class { id } } } } } } } }",
    )

    edges = body["data"]["schools"]["edges"][0]["node"]["enrollments"]["edges"]
    assert len(edges) == len(north.enrollments)
    assert all(e["node"]["person"] is None and e["node"]["class"] is None for e in edges)
    scopes = {(e["path"][-1], e["extensions"]["scope"]) for e in body["errors"]}
    assert scopes == {("person", "students"), ("person", "staff"), ("class", "classes")}
    assert all(e["extensions"]["code"] == "FORBIDDEN_SCOPE" for e in body["errors"])


def test_revoke_bites_on_the_next_request(world: World) -> None:
    north = world.district.schools[0]
    app_id, token = world.token_for("A", [north.id])
    query = "query ($id: ID!) { schools { edges { node { id } } } school(id: $id) { id } }"
    assert world.query(token, query, id=north.id)["data"]["school"] == {"id": gid("School", north.id)}

    with world.engine.begin() as conn:
        assert revoke(conn, app_id) == 1

    assert world.query(token, query, id=north.id)["data"] == {"schools": {"edges": []}, "school": None}


def test_tombstoned_rows_are_not_served(world: World) -> None:
    north = world.district.schools[0]
    with world.engine.begin() as conn:
        gone = make_record(
            conn,
            "person",
            source_id=world.district.source_id,
            school_id=north.id,
            role="student",
            deleted_at=NOW,
        )
    _, token = world.token_for("A", [north.id])
    body = world.query(token, "{ schools { edges { node { students { edges { node { id } } } } } } }")
    assert gone not in _ids(body["data"])


def test_two_apps_see_their_own_schools(world: World) -> None:
    north, south = world.district.schools
    _, token_a = world.token_for("A", [north.id])
    _, token_b = world.token_for("B", [south.id], ["staff"])
    query = "{ schools { edges { node { id staff { edges { node { id } } } } } } }"
    assert _ids(world.query(token_a, query)["data"]) == {north.id, *north.staff}
    assert _ids(world.query(token_b, query)["data"]) == {south.id, *south.staff}
