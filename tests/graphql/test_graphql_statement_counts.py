"""Statements per request are bounded by the shape of the query, not by rows or schools.

The compiled path reads each connection level once for all the schools of a page (one keyset page
per school, in one statement) and each nested edge once per level; the resolvers read a school
connection once per school. Both are counted here on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from hub.access import AccessPolicy, grant, revoke
from hub.access.apps import get_app
from hub.graphql.execute import Operation, execute
from hub.graphql.ids import global_id
from hub.store import reads
from tests.factories import make_app, make_district

ROSTER = """{ schools { edges { node {
  students(first: 1000) { edges { node { id givenName enrollments { id role class { id title } } } } }
  staff(first: 1000) { edges { node { id familyName } } }
} } } }"""


@contextmanager
def _counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _run(engine: Engine, *, students: int, schools: int, compiled: bool) -> tuple[int, int]:
    """(students returned, statements run) for ROSTER with the app granted `schools` schools."""
    name = f"count-{students}-{schools}-{compiled}"
    with engine.begin() as conn:
        district = make_district(conn, source_name=name, students=students)
        app, _ = make_app(
            conn,
            name=name,
            source_id=district.source_id,
            school_ids=[s.id for s in district.schools[:schools]],
            data_types=["students", "staff", "classes", "enrollments"],
        )
    with engine.connect() as conn:
        record = get_app(conn, app.id)
        assert record is not None
        policy = AccessPolicy.load(conn, app.id)
        with _counting(engine) as statements:
            payload = execute(conn, record, policy, Operation(ROSTER), compiled=compiled).plain_payload()
    assert "errors" not in payload, payload["errors"]
    edges = payload["data"]["schools"]["edges"]
    assert len(edges) == schools
    return sum(len(e["node"]["students"]["edges"]) for e in edges), len(statements)


def test_compiled_statements_do_not_grow_with_rows_or_schools(engine: Engine) -> None:
    one_small = _run(engine, students=5, schools=1, compiled=True)
    two_big = _run(engine, students=400, schools=2, compiled=True)
    assert (one_small[0], two_big[0]) == (5, 800)
    # schools, students, staff, the students' enrollments, their classes: one statement each.
    assert one_small[1] == two_big[1] == 5


def test_the_resolvers_read_a_school_connection_once_per_school(engine: Engine) -> None:
    _, one = _run(engine, students=5, schools=1, compiled=False)
    _, two = _run(engine, students=5, schools=2, compiled=False)
    # Each school's students, staff, and the enrollments and classes below its page (batched per
    # page) are statements of their own: four more per school.
    assert (one, two) == (5, 9)


PAGE = "{ schools { edges { node { students { edges { node { hubId givenName familyName } } } } } } }"


def _students(engine: Engine, app_id: str) -> dict[str, tuple[str | None, str | None]]:
    """hub id → (given, family name) of every student the compiled path returns to the app."""
    with engine.connect() as conn:
        record = get_app(conn, app_id)
        assert record is not None
        payload = execute(conn, record, AccessPolicy.load(conn, app_id), Operation(PAGE)).plain_payload()
    assert "errors" not in payload, payload["errors"]
    nodes = [
        edge["node"]
        for school in payload["data"]["schools"]["edges"]
        for edge in school["node"]["students"]["edges"]
    ]
    return {n["hubId"]: (n["givenName"], n["familyName"]) for n in nodes}


def test_the_page_statement_is_built_once_per_scope_and_a_grant_change_bites_next(engine: Engine) -> None:
    """The per-school pages statement is cached per filter (reads._school_page): a request with
    the same scope reuses it, and a narrowed grant (fewer fields, then fewer schools) is served
    on the very next request with a new one."""
    with engine.begin() as conn:
        district = make_district(conn, source_name="cached-page", students=3)
        north, south = district.schools
        app, _ = make_app(conn, name="cached", source_id=district.source_id, school_ids=[north.id, south.id])
    first = _students(engine, app.id)
    assert len(first) == 6
    assert all(given and family for given, family in first.values())
    built = reads._school_page.cache_info().misses
    assert _students(engine, app.id) == first
    assert reads._school_page.cache_info().misses == built  # same scope: the statement is reused

    with engine.begin() as conn:
        grant(
            conn,
            app.id,
            district.source_id,
            [north.id, south.id],
            ["students"],
            fields={"students": ["given_name"]},
        )
    narrowed = _students(engine, app.id)
    assert narrowed.keys() == first.keys()
    assert all(family is None and given == first[i][0] for i, (given, family) in narrowed.items())

    with engine.begin() as conn:
        revoke(conn, app.id, school_ids=[south.id])
    left = _students(engine, app.id)
    assert 0 < len(left) < len(first)
    assert left.items() <= narrowed.items()


def test_a_school_lookup_reuses_its_statement_across_requests(engine: Engine) -> None:
    """`school(id:)`, `node(id:)` and `viewer` read schools through the scope's cached filter
    (hub.graphql.filters), so the lookup statement (reads._lookup) is built once per scope."""
    with engine.begin() as conn:
        district = make_district(conn, source_name="cached-school", students=1)
        school = district.schools[0]
        app, _ = make_app(conn, name="cached-school", source_id=district.source_id, school_ids=[school.id])
    query = Operation(
        f'{{ school(id: "{school.id}") {{ hubId }} node(id: "{global_id("School", school.id)}") {{ id }} }}'
    )

    def ask() -> dict[str, Any]:
        with engine.connect() as conn:
            record = get_app(conn, app.id)
            assert record is not None
            return execute(conn, record, AccessPolicy.load(conn, app.id), query).plain_payload()

    first = ask()
    assert first["data"]["school"] == {"hubId": school.id}
    built = reads._lookup.cache_info().misses
    assert ask() == first
    assert reads._lookup.cache_info().misses == built
