"""Keyed reads (reads.by_ids, reads.grouped_by) bind their key list as ONE parameter.

SQLite reads `column IN (SELECT value FROM json_each(?))` with the keys as a JSON array,
PostgreSQL `column = ANY(CAST(? AS type[]))` with a list (reads.AmongKeys): one SQL text for any
number of keys, where an expanding parameter made one per count. The rows found must be exactly
those whose key is among the values, whatever characters the values hold, however many there are.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, case, event, null, true

from hub.store import reads

METADATA = MetaData()
PROBE = Table(
    "key_probe",
    METADATA,
    Column("id", String(64), primary_key=True),
    Column("tag", String(64), index=True),
    Column("hidden", Integer, nullable=False),
)
# The app sees `tag` only where `hidden` is 0: grouped_by must match the masked value too.
MASKED = reads.RowFilter(
    PROBE,
    true(),
    {"tag": case((PROBE.c.hidden == 0, PROBE.c.tag), else_=null())},
)
VISIBLE = reads.RowFilter(PROBE, true())

ODD = [
    "'",
    '"',
    "\\",
    "q\"u'o\\te",
    "a,b",
    "[1]",
    "{}",
    "null",
    "true",
    "1",
    "01",
    "1.0",
    "1e3",
    " padded ",
    "ünïcödé",
    "😀",
    "\u2028\u2029",
    "".join(chr(c) for c in range(1, 32)),
    "\x7f",
    "$1 %s ? :keys",
]


def _store(engine: Engine, ids: list[str]) -> None:
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(PROBE.insert(), [{"id": i, "tag": f"t-{i}", "hidden": n % 2} for n, i in enumerate(ids)])


def test_odd_characters_find_exactly_their_rows(engine: Engine) -> None:
    _store(engine, [*ODD, "plain"])
    with engine.connect() as conn:
        assert set(reads.by_ids(conn, PROBE, VISIBLE, ODD)) == set(ODD)
        for key in ODD:
            assert set(reads.by_ids(conn, PROBE, VISIBLE, [key])) == {key}, repr(key)
        # Near misses find nothing: no trimming, no number or JSON coercion.
        misses = ["plain ", " plain", "PLAIN", "1.00", "10", '["plain"]', '"plain"']
        assert reads.by_ids(conn, PROBE, VISIBLE, misses) == {}
        tags = [f"t-{i}" for i in ODD]
        groups = reads.grouped_by(conn, PROBE, MASKED, "tag", tags)
        # Only rows whose tag the app sees are grouped (the masked value must match as well).
        assert set(groups) == {f"t-{i}" for n, i in enumerate(ODD) if n % 2 == 0}


def test_no_keys_find_nothing(engine: Engine) -> None:
    _store(engine, ["a", "b"])
    with engine.connect() as conn:
        assert reads.by_ids(conn, PROBE, VISIBLE, []) == {}
        assert reads.grouped_by(conn, PROBE, MASKED, "tag", []) == {}
        # The statement itself, bound to an empty list (the functions above return before it).
        one, keys = reads._keys(conn, [])
        assert one
        query = reads._lookup(VISIBLE, "id", masked=False, columns=None)
        assert conn.execute(query, {"keys": keys}).fetchall() == []


def test_a_large_key_list_is_one_parameter(engine: Engine) -> None:
    """40,000 keys, matched twice (raw and masked). Expanded, they were 80,000 parameters: past
    the 32,766 of a stock SQLite build (Debian's takes 250,000); as one, the count does not matter."""
    _store(engine, [f"id-{n}" for n in range(10)])
    keys = [f"t-id-{n}" for n in range(40_000)]
    with engine.connect() as conn:
        groups = reads.grouped_by(conn, PROBE, MASKED, "tag", keys)
        assert set(groups) == {f"t-id-{n}" for n in range(0, 10, 2)}
        assert len(reads.by_ids(conn, PROBE, VISIBLE, [k[2:] for k in keys])) == 10


def test_one_statement_text_for_any_number_of_keys(engine: Engine) -> None:
    _store(engine, [f"id-{n}" for n in range(10)])
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with engine.connect() as conn:
            for count in (1, 3, 10):
                reads.grouped_by(conn, PROBE, MASKED, "tag", [f"t-id-{n}" for n in range(count)])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len({statement for statement, _ in statements}) == 1, statements
    # As many parameters whatever the number of keys, and no key bound as a parameter of its own.
    assert len({len(parameters) for _, parameters in statements}) == 1, statements
    values = [v for _, parameters in statements for v in _values(parameters)]
    assert not any(isinstance(v, str) and v.startswith("t-id-") for v in values), values


def _values(parameters: Any) -> list[Any]:
    return list(parameters.values()) if isinstance(parameters, dict) else list(parameters)


@pytest.mark.parametrize("keys", [["a\x00b"], ["a\x00b", "b"], ["a\x00"]])
def test_a_nul_in_a_key_is_not_cut_at_on_sqlite(sqlite_engine: Engine, keys: list[str]) -> None:
    """SQLite's json_each ends a string at a NUL (3.40): such keys are bound one by one, as before,
    so "a", NUL, "b" finds no "a"."""
    _store(sqlite_engine, ["a", "b", "a\x00b"])
    with sqlite_engine.connect() as conn:
        assert set(reads.by_ids(conn, PROBE, VISIBLE, keys)) == set(keys) & {"a", "b", "a\x00b"}
        assert reads._keys(conn, keys)[0] is False


def test_rows_by_ids_are_by_ids_rows_as_tuples(engine: Engine) -> None:
    """The tuples twin (what the compiled path renders spliced edges from) reads the same rows
    through the same filter: hidden and missing ids absent, in the same order, named by its columns."""
    ids = [*ODD, "plain"]
    _store(engine, ids)
    shown = reads.RowFilter(PROBE, PROBE.c.hidden == 0)
    asked = [*ids, "missing"]
    with engine.connect() as conn:
        as_dicts = reads.by_ids(conn, PROBE, shown, asked)
        names, rows = reads.rows_by_ids(conn, PROBE, shown, asked, None, None)
        assert reads.rows_by_ids(conn, PROBE, shown, [], None, None) == ([], [])
    assert names == ["id", "tag", "hidden"]
    assert [dict(zip(names, row, strict=True)) for row in rows] == list(as_dicts.values())
    assert sorted(as_dicts) == sorted(i for n, i in enumerate(ids) if n % 2 == 0)
