"""Page sizes, cursors, masking of unexpected errors, and batched nested loads."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from sqlalchemy import Engine, event

from hub.app import create_app
from hub.config import Settings
from hub.graphql import types
from hub.store import reads
from tests.factories import ApiClient, District, make_app, make_district, make_token
from tests.graphql.helpers import hub_id

STUDENTS = """
query ($first: Int, $after: String) {
  schools { edges { node { students(first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  } } } }
}
"""


@pytest.fixture
def setup(engine: Engine) -> tuple[ApiClient, District, str]:
    with engine.begin() as conn:
        district = make_district(conn, students=23)
        app, _ = make_app(conn, source_id=district.source_id, school_ids=[district.schools[0].id])
        token = make_token(conn, app.id)
    return ApiClient(create_app(engine, Settings())), district, token


def _students(client: ApiClient, token: str, **variables: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.graphql(STUDENTS, token, **variables).json()
    return body


def test_after_cursors_walk_every_row_exactly_once(setup: tuple[ApiClient, District, str]) -> None:
    client, district, token = setup
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = _students(client, token, first=5, after=after)["data"]["schools"]["edges"][0]["node"][
            "students"
        ]
        seen += [hub_id(e["node"]["id"]) for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == set(district.schools[0].students)


def test_default_page_is_100_and_first_over_1000_is_limit_exceeded(
    setup: tuple[ApiClient, District, str],
) -> None:
    client, _, token = setup
    body = _students(client, token)
    assert len(body["data"]["schools"]["edges"][0]["node"]["students"]["edges"]) == 23

    body = _students(client, token, first=1001)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "1000" in error["message"]


@pytest.mark.parametrize("variables", [{"first": -1}, {"after": "bm90LWEtY3Vyc29y"}, {"after": "%%%"}])
def test_bad_arguments(setup: tuple[ApiClient, District, str], variables: dict[str, Any]) -> None:
    client, _, token = setup
    [error] = _students(client, token, **variables)["errors"]
    assert error["extensions"]["code"] == "BAD_ARGUMENT"


def test_unexpected_errors_are_masked(
    setup: tuple[ApiClient, District, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, token = setup

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(reads, "page", broken)
    [error] = _students(client, token)["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL"}


def test_nested_loads_are_batched_per_level(engine: Engine, setup: tuple[ApiClient, District, str]) -> None:
    client, _, token = setup
    query = """{ schools { edges { node { enrollments(first: 1000) { edges { node {
        person { id enrollments { id class { id course { id } sessions { id } } } } class { id enrollments { id } }
    } } } } } } }"""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.graphql(query, token).json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "errors" not in body
    assert len(body["data"]["schools"]["edges"][0]["node"]["enrollments"]["edges"]) == 24
    # token, app, grants, schools, enrollments, people, classes, their enrollments, courses, sessions,
    # the people's enrollments and their classes, then the audit row: a fixed number however many
    # rows there are.
    assert len(statements) <= 13, statements


def test_every_read_takes_a_policy_filter() -> None:
    """No read of canonical rows without a RowFilter, which only the policy makes (private
    helpers turn results into records and build clauses: they read nothing)."""
    for name, fn in inspect.getmembers(reads, inspect.isfunction):
        if fn.__module__ != reads.__name__ or name == "source_names" or name.startswith("_"):
            continue
        params = inspect.signature(fn).parameters
        assert params["visible"].annotation == "RowFilter", name
    assert "select(" not in inspect.getsource(types)


def _statements_for_page(engine: Engine, students: int) -> tuple[int, int]:
    with engine.begin() as conn:
        district = make_district(conn, source_name=f"sis{students}", students=students)
        app, _ = make_app(
            conn, name=f"Counter{students}", source_id=district.source_id, school_ids=[district.schools[0].id]
        )
        token = make_token(conn, app.id)
    client = ApiClient(create_app(engine, Settings()))
    query = """{ schools { edges { node { students(first: 1000) { edges { node { id
        enrollments { id class { id title } } } } } } } } }"""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.graphql(query, token).json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "errors" not in body
    rows = len(body["data"]["schools"]["edges"][0]["node"]["students"]["edges"])
    return rows, len(statements)


def test_a_1000_row_page_with_two_nested_levels_runs_a_fixed_number_of_statements(
    sqlite_engine: Engine,
) -> None:
    small_rows, small = _statements_for_page(sqlite_engine, 10)
    big_rows, big = _statements_for_page(sqlite_engine, 1000)
    assert (small_rows, big_rows) == (10, 1000)
    # token, app, grants, schools, students, their enrollments, the classes, the audit row.
    assert small == big <= 8
