"""Keyed reads (reads.by_ids, reads.grouped_by) are driven by their key's own index on SQLite.

The policy's filter starts with `source_id = …` (the prefix of a unique index) and lists the
granted schools (the (school_id, id) index): SQLite's planner, without statistics, would drive a
nested level from either and read every row of the source or school. reads.keyed compiles the
filter's columns as `+column` so only the key can; the rows read are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event

from hub.access import AccessPolicy
from hub.store import CANONICAL_TABLES, reads
from tests.factories import make_app, make_district

ENROLLMENTS = CANONICAL_TABLES["enrollment"]
PEOPLE = CANONICAL_TABLES["person"]


def _plans(engine: Engine, read: Callable[[Connection], object]) -> list[str]:
    """The query plans of the statements `read` runs."""
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
            " / ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            for statement, parameters in statements
        ]


def test_nested_reads_search_by_their_key_not_by_the_policys_columns(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        district = make_district(conn, students=4)
        school_ids = [s.id for s in district.schools]
        app, _ = make_app(conn, source_id=district.source_id, school_ids=school_ids)
    with sqlite_engine.connect() as conn:
        policy = AccessPolicy.load(conn, app.id)
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
    assert "USING INDEX ix_enrollments_class_id (class_id=?)" in by_class, by_class
    [by_id] = _plans(sqlite_engine, lambda c: reads.by_ids(c, PEOPLE, people, person_ids))
    assert "(id=?)" in by_id, by_id
    assert "source_id" not in by_id, by_id
    assert "school_id" not in by_id, by_id
