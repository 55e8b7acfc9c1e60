"""Keyed reads (reads.by_ids, reads.grouped_by) are driven by their key's own index on SQLite.

The policy's filter starts with `source_id = …` (the prefix of a unique index) and lists the
granted schools (the (school_id, id) index): SQLite's planner, without statistics, would drive a
nested level from either and read every row of the source or school. reads.keyed compiles the
filter's columns as `+column` so only the key can; the rows read are the same. The keys are one
parameter, a JSON array read by `json_each` (reads.AmongKeys): SQLite still searches the key's
index once per key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event, func

from hub.access import AccessPolicy
from hub.store import CANONICAL_TABLES, reads
from tests.factories import District, make_app, make_district

ENROLLMENTS = CANONICAL_TABLES["enrollment"]
PEOPLE = CANONICAL_TABLES["person"]


def _plans(engine: Engine, read: Callable[[Connection], object]) -> list[str]:
    """The query plans of the statements `read` runs, each after its SQL."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    with engine.connect() as conn:
        event.listen(engine, "before_cursor_execute", capture)
        try:
            read(conn)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        return [
            statement
            + " // "
            + " / ".join(
                row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            for statement, parameters in statements
        ]


def _granted(engine: Engine) -> tuple[District, AccessPolicy]:
    """A district of 4 students a school, and the policy of an app granted all of it."""
    with engine.begin() as conn:
        district = make_district(conn, students=4)
        app, _ = make_app(conn, source_id=district.source_id, school_ids=[s.id for s in district.schools])
    with engine.connect() as conn:
        return district, AccessPolicy.load(conn, app.id)


def test_nested_reads_search_by_their_key_not_by_the_policys_columns(sqlite_engine: Engine) -> None:
    district, policy = _granted(sqlite_engine)
    enrollments = policy.row_filter(ENROLLMENTS, "enrollments")
    people = policy.people_filter(PEOPLE)
    class_ids = [c for s in district.schools for c in s.classes]
    person_ids = [p for s in district.schools for p in s.students]
    with sqlite_engine.connect() as conn:
        # The reads find every granted row: the filter still applies, unindexed.
        found = reads.grouped_by(conn, ENROLLMENTS, enrollments, "class_id", class_ids)
        assert {r["person_id"] for rows in found.values() for r in rows} >= set(person_ids)
        assert set(reads.by_ids(conn, PEOPLE, people, person_ids)) == set(person_ids)

    [by_class] = _plans(
        sqlite_engine, lambda c: reads.grouped_by(c, ENROLLMENTS, enrollments, "class_id", class_ids)
    )
    sql, plan = by_class.split(" // ")
    assert "enrollments.class_id IN (SELECT value FROM json_each(?))" in sql, sql
    assert "SEARCH enrollments USING INDEX ix_enrollments_class_id (class_id=?)" in plan, plan
    assert "SCAN enrollments" not in plan, plan
    [by_id] = _plans(sqlite_engine, lambda c: reads.by_ids(c, PEOPLE, people, person_ids))
    sql, plan = by_id.split(" // ")
    assert "people.id IN (SELECT value FROM json_each(?))" in sql, sql
    assert "(id=?)" in plan, plan
    assert "source_id" not in plan, plan
    assert "school_id" not in plan, plan
    assert "SCAN people" not in plan, plan


def test_a_masked_key_is_searched_by_its_raw_column(sqlite_engine: Engine) -> None:
    """grouped_by matches the masked value as well as the raw one (both against the one JSON
    parameter): only the raw column's index drives the read."""
    district, policy = _granted(sqlite_engine)
    school_ids = [s.id for s in district.schools]
    people = policy.people_filter(PEOPLE)
    # A row filter whose key column is masked (as a withheld reference would be).
    raw = PEOPLE.c.school_id
    masked = reads.RowFilter(PEOPLE, people.where, {**people.exprs, "school_id": func.coalesce(raw, raw)})
    with sqlite_engine.connect() as conn:
        found = reads.grouped_by(conn, PEOPLE, masked, "school_id", school_ids)
        assert set(found) == set(school_ids)
    [by_school] = _plans(
        sqlite_engine, lambda c: reads.grouped_by(c, PEOPLE, masked, "school_id", school_ids)
    )
    sql, plan = by_school.split(" // ")
    assert sql.count("IN (SELECT value FROM json_each(?))") == 2, sql
    assert "USING INDEX ix_people_school_id" in plan, plan
    assert "(school_id=?)" in plan, plan
    assert "SCAN people" not in plan, plan
