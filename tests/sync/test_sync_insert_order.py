"""New rows are stored grouped by school within each page the run writes, in read order within a
school, so the API's reads by school find them together (ADR 0010); their change versions still
follow the order they were read in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from hub.sync import sync_source
from tests.memory_adapter import memory_source
from tests.sync.test_sync_engine import org, student


def _stored_order(engine: Engine) -> list[dict[str, Any]]:
    """People as the table holds them: SQLite's rowid order, PostgreSQL's heap order."""
    position = "rowid" if engine.dialect.name == "sqlite" else "ctid"
    query = text(f"SELECT source_record_id, school_id, change_version FROM people ORDER BY {position}")
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _grouped_in_read_order(rows: list[dict[str, Any]]) -> bool:
    """Each school's rows together, and in read (change-version) order within it."""
    schools = [row["school_id"] for row in rows]
    runs = [school for n, school in enumerate(schools) if n == 0 or school != schools[n - 1]]
    versions = {school: [r["change_version"] for r in rows if r["school_id"] == school] for school in runs}
    return len(runs) == len(set(runs)) and all(v == sorted(v) for v in versions.values())


def test_new_rows_are_stored_by_school_and_versioned_in_read_order(engine: Engine) -> None:
    # Read alternating between the schools, as an export sorted by record id would be.
    read_order = [f"p{n}" for n in range(12)]
    data = {
        "organisation": [org("d1", "district", None), org("s1"), org("s2")],
        "person": [student(rid, "s1" if n % 2 else "s2") for n, rid in enumerate(read_order)],
    }
    with memory_source(engine, "mem", "order", data, page_size=100):
        assert sync_source(engine, "mem").status == "succeeded"

    stored = _stored_order(engine)
    assert _grouped_in_read_order(stored)
    assert len({row["school_id"] for row in stored}) == 2
    by_version = sorted(stored, key=lambda row: row["change_version"])
    assert [row["source_record_id"] for row in by_version] == read_order


def test_each_page_is_grouped_on_its_own(engine: Engine) -> None:
    """Rows are grouped as each page is written, not across pages: a run never holds every
    page's rows to sort them (ADR 0009)."""
    data = {
        "organisation": [org("d1", "district", None), org("s1"), org("s2")],
        "person": [student(f"p{n}", "s1" if n % 2 else "s2") for n in range(8)],
    }
    with memory_source(engine, "mem", "pages", data, page_size=4):
        assert sync_source(engine, "mem").status == "succeeded"

    stored = _stored_order(engine)
    for start in (0, 4):
        page = stored[start : start + 4]
        assert {row["source_record_id"] for row in page} == {f"p{n}" for n in range(start, start + 4)}
        assert _grouped_in_read_order(page)
    assert not _grouped_in_read_order(stored)
