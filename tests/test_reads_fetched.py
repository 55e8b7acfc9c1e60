"""reads._fetched: the driver's own tuples where SQLAlchemy would not convert a value, else
SQLAlchemy's rows, and the same values either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    func,
    select,
    union_all,
)

from hub.store import reads

METADATA = MetaData()
MIXED = Table(
    "fetched_probe",
    METADATA,
    Column("id", String(36), primary_key=True),
    Column("n", Integer),
    Column("x", Float),
    Column("flag", Boolean),
    Column("day", Date),
    Column("at", DateTime(timezone=True)),
)
ROWS = [
    {
        "id": "a",
        "n": 1,
        "x": 0.5,
        "flag": True,
        "day": dt.date(2026, 1, 2),
        "at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
    },
    {"id": "b", "n": None, "x": None, "flag": False, "day": None, "at": None},
]


def test_the_same_values_as_sqlalchemys_rows(engine: Engine) -> None:
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(MIXED.insert(), ROWS)
    names = [c.name for c in MIXED.c]
    with engine.connect() as conn:
        for size in (1, 2, 3):
            for chosen in combinations(names, size):
                query = select(*(MIXED.c[n] for n in chosen)).order_by(MIXED.c.id)
                expected = _typed(conn.execute(query).fetchall())
                # Types too: True == 1, so a boolean left as SQLite's 0/1 must fail here.
                assert _typed(reads._fetched(conn.execute(query))) == expected, chosen


def _typed(rows: Sequence[Sequence[Any]]) -> list[list[tuple[type, Any]]]:
    return [[(type(value), value) for value in row] for row in rows]


def test_plain_columns_come_as_the_drivers_tuples(engine: Engine) -> None:
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(MIXED.insert(), ROWS)
    columns = select(MIXED.c.id, MIXED.c.n, func.upper(MIXED.c.id).label("up"))
    plain = columns.order_by(MIXED.c.id)
    union = union_all(columns.where(MIXED.c.id == "a"), columns.where(MIXED.c.id == "b"))
    with engine.connect() as conn:
        for query in (plain, union):
            rows = reads._fetched(conn.execute(query))
            assert [tuple(r) for r in rows] == [("a", 1, "A"), ("b", None, "B")]
            assert not any(isinstance(r, Row) for r in rows)
        # A date or a boolean is converted by SQLAlchemy on SQLite: its rows are kept.
        dated = reads._fetched(conn.execute(select(MIXED.c.id, MIXED.c.day).order_by(MIXED.c.id)))
        assert dated[0][1] == dt.date(2026, 1, 2)
