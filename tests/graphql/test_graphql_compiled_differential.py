"""The compiled path answers exactly as the resolvers do: data, errors, extensions and the audit
entry, for random grants and generated queries, on SQLite and PostgreSQL.

Queries come from the schema walk (privacy_queries.py) kept to what the compiler covers
(hub.graphql.compiled.plan.SUPPORTED), so nearly every one takes the compiled path; the test
also checks that they do. Derandomised, like the privacy property, so CI runs the same sample (15 examples x 5 queries
per database; SATCHEL_DIFFERENTIAL_EXAMPLES=200 for a longer run).
"""

from __future__ import annotations

import json
import os
from typing import Any

import orjson
import pytest
from graphql import parse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from hub.access import AccessPolicy, register_app
from hub.access.apps import get_app
from hub.graphql.compiled import NotCompiledError, execute_compiled
from hub.graphql.compiled.plan import SUPPORTED, Selection, plan_document
from hub.graphql.context import Context
from hub.graphql.execute import Operation, execute
from hub.graphql.schema import build_schema
from tests.graphql.helpers import gid
from tests.graphql.privacy_queries import Pools, queries
from tests.graphql.privacy_world import Grants, SchoolGrant, build_world, grant_sets, write_grants

EXAMPLES = int(os.environ.get("SATCHEL_DIFFERENTIAL_EXAMPLES", "15"))
QUERIES = 5

ROSTER = """
query Roster($school: ID!, $after: String) {
  school(id: $school) {
    name
    classes(first: 1000, after: $after) {
      edges { cursor node { id title kind periods
        enrollments { role primary beginDate person { id givenName familyName email role grades } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


def _answer(engine: Engine, app_id: str, query: str, *, compiled: bool, **variables: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        app = get_app(conn, app_id)
        assert app is not None
        outcome = execute(
            conn, app, AccessPolicy.load(conn, app_id), Operation(query, variables), compiled=compiled
        )
    entry = {k: v for k, v in vars(outcome.entry).items() if k != "duration_ms"}
    # The data as sent, as (key, value) pairs: its keys in the order the query asks them.
    data = json.loads(orjson.dumps(outcome.payload.get("data")), object_pairs_hook=list)
    return {"payload": outcome.plain_payload(), "data": data, "audit": entry}


def _takes_compiled_path(engine: Engine, app_id: str, query: str, **variables: Any) -> bool:
    with engine.connect() as conn:
        app = get_app(conn, app_id)
        assert app is not None
        ctx = Context(conn=conn, app=app, policy=AccessPolicy.load(conn, app_id))
        try:
            return execute_compiled(build_schema()._schema, ctx, query, variables, None) is not None
        except NotCompiledError:
            return False  # any other exception fails the test: a fault the fallback would hide


def test_compiled_answers_equal_the_resolvers(engine: Engine) -> None:
    with engine.begin() as conn:
        world = build_world(conn)
        app, _ = register_app(conn, "Differential")
    hub_ids = sorted(world.facts)
    kinds = {"person": "Person", "class": "Class", "enrollment": "Enrollment", "school": "School"}
    pools = Pools.of(
        [gid(kinds.get(world.facts[h].kind, "Course"), h) for h in hub_ids],
        hub_ids,
        [gid("School", s) for s in world.school_ids],
    )
    generated = queries(build_schema()._schema, pools, roots=("schools", "school"), allowed=SUPPORTED)
    compiled_count = total = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(grants=grant_sets(), batch=st.lists(generated, min_size=QUERIES, max_size=QUERIES))
    def property_(grants: Grants, batch: list[str]) -> None:
        nonlocal compiled_count, total
        write_grants(engine, world, app.id, grants)
        for query in batch:
            reference = _answer(engine, app.id, query, compiled=False)
            fast = _answer(engine, app.id, query, compiled=True)
            assert fast == reference, query
            total += 1
            compiled_count += _takes_compiled_path(engine, app.id, query)

    property_()
    # The generated sample must exercise the compiled path, not the fallback.
    assert compiled_count >= 0.8 * total, (compiled_count, total)


def test_the_roster_query_with_variables_is_compiled_and_equal(engine: Engine) -> None:
    with engine.begin() as conn:
        world = build_world(conn)
        app, _ = register_app(conn, "Roster")
    everything = frozenset({"students", "staff", "classes", "enrollments"})
    write_grants(engine, world, app.id, {0: SchoolGrant(everything), 1: SchoolGrant(frozenset({"classes"}))})
    for k in (0, 1):
        school = gid("School", world.school_ids[k])
        reference = _answer(engine, app.id, ROSTER, compiled=False, school=school)
        fast = _answer(engine, app.id, ROSTER, compiled=True, school=school)
        assert fast == reference
        assert reference["payload"]["data"]["school"]["classes"]["edges"]
        assert _takes_compiled_path(engine, app.id, ROSTER, school=school)


PAGES = """
query Pages($first: Int, $after: String) {
  schools {
    edges { node { id
      %s(first: $first, after: $after) {
        %s
        pageInfo { hasNextPage endCursor }
      }
    } }
  }
}
"""


# With cursors the edges are built from rows; with nodes alone, joined as JSON by the database
# (reads.json_pages_by_school).
EDGES = ["edges { cursor node { id hubId } }", "edges { node { id hubId } }"]


@pytest.mark.parametrize("shape", EDGES, ids=["rows", "json"])
def test_pages_of_every_school_read_at_once_equal_the_resolvers(engine: Engine, shape: str) -> None:
    """A page of schools reads each roster connection in one statement: each school's page, its
    cursor and hasNextPage must be what the resolvers read school by school."""
    with engine.begin() as conn:
        world = build_world(conn, school_life=False)
        app, _ = register_app(conn, "Pages")
    everything = frozenset({"students", "staff", "contacts", "classes", "enrollments"})
    # One school withholds the enrollments scope: its connection errors while the others page.
    grants = {k: SchoolGrant(everything) for k in range(len(world.school_ids))}
    grants[1] = SchoolGrant(everything - {"enrollments"})
    write_grants(engine, world, app.id, grants)
    for name in ("students", "staff", "contacts", "classes", "enrollments"):
        query = PAGES % (name, shape)
        for first in (0, 1, 2, 3, None):
            reference = _answer(engine, app.id, query, compiled=False, first=first)
            fast = _answer(engine, app.id, query, compiled=True, first=first)
            assert fast == reference, (name, first)
            assert _takes_compiled_path(engine, app.id, query, first=first)
            # The next page after the first school's first row, at every school.
            edges = reference["payload"]["data"]["schools"]["edges"]
            cursor = next((e["node"][name]["pageInfo"]["endCursor"] for e in edges if e["node"][name]), None)
            if cursor is not None:
                args = {"first": first, "after": cursor}
                assert _answer(engine, app.id, query, compiled=True, **args) == _answer(
                    engine, app.id, query, compiled=False, **args
                ), (name, first, "after")


LOOKUPS = """
query Lookups($school: ID!) {
  school(id: $school) {
    classes(first: 1000) { edges { node { title
      enrollments { hubId role person { hubId givenName familyName role } primary class { title } }
      again: enrollments { person { hubId email } class { code } }
    } } }
    students(first: 1000) { edges { node { hubId
      enrollments { class { hubId title code } role person { givenName } }
    } } }
    staff(first: 1000) { edges { node { enrollments { __typename person { id } } } } }
  }
}
"""


# Edges after every scalar: each list is rendered as text, the database's JSON of an enrollment's
# scalars with its person's and class's appended (plan.Spliced).
SPLICED = """
query Spliced($school: ID!) {
  school(id: $school) {
    classes(first: 1000) { edges { node { title
      enrollments { hubId role primary beginDate person { hubId givenName familyName role } class { title code } }
    } } }
    students(first: 1000) { edges { node { hubId
      enrollments { __typename id endDate class { hubId title } }
    } } }
    staff(first: 1000) { edges { node { enrollments { role person { id email } } } } }
  }
}
"""


def _enrollment_selections(query: str) -> list[Selection]:
    """The Enrollment selections of `query`'s plan."""
    plan = plan_document(build_schema()._schema, parse(query))[None]
    assert plan is not None
    found, todo = [], [plan.root]
    while todo:
        selection = todo.pop()
        found += [selection] if selection.type_name == "Enrollment" else []
        todo += [f.children for f in selection.fields if f.children is not None]
    return found


def test_the_spliced_shape_is_planned_as_spliced() -> None:
    """So the test below runs both ways of rendering enrollment lists with lookups."""
    assert all(s.spliced is not None for s in _enrollment_selections(SPLICED))
    assert any(s.spliced is None and s.lookups for s in _enrollment_selections(LOOKUPS))


@pytest.mark.parametrize("query", [LOOKUPS, SPLICED], ids=["lookups", "spliced"])
def test_enrollment_lists_with_looked_up_people_and_classes_equal_the_resolvers(
    engine: Engine, query: str
) -> None:
    """Enrollments render in one loop (or as text, spliced) with their person and class looked
    up by id: people and classes hidden by the grants (FORBIDDEN_SCOPE at each enrollment naming
    one, in order), masked fields, references across schools, and an edge asked under two aliases
    (whose people and classes are read once, for both) must all answer as the resolvers do."""
    with engine.begin() as conn:
        world = build_world(conn, school_life=False)
        app, _ = register_app(conn, "Lookups")
    names = frozenset({"given_name"})
    grant_sets_ = [
        {k: SchoolGrant(frozenset({"students", "staff", "classes", "enrollments"})) for k in range(4)},
        {
            0: SchoolGrant(frozenset({"classes", "enrollments", "staff"})),
            1: SchoolGrant(frozenset({"students"})),
        },
        {
            0: SchoolGrant(frozenset({"students", "enrollments"})),
            2: SchoolGrant(frozenset({"classes", "enrollments"})),
        },
        {
            k: SchoolGrant(
                frozenset({"students", "staff", "classes", "enrollments"}), fields={"students": names}
            )
            for k in range(4)
        },
    ]
    for grants in grant_sets_:
        write_grants(engine, world, app.id, grants)
        for k in range(len(world.school_ids)):
            school = gid("School", world.school_ids[k])
            reference = _answer(engine, app.id, query, compiled=False, school=school)
            fast = _answer(engine, app.id, query, compiled=True, school=school)
            assert fast == reference, (grants, k)
            assert _takes_compiled_path(engine, app.id, query, school=school)
