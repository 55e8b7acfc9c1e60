"""hub.store.literal_in: the policy's school lists written into the SQL once, selecting exactly what
`column.in_(values)` selects, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, Text, false, literal_column, not_, select

from hub.store.literal_in import in_literals

NAMES = ["a", "b", "it's", "O''Brien", "back\\slash", "", "ünï", None]
_NAMES = Table("literal_in_names", MetaData(), Column("name", Text))


@pytest.fixture
def names(engine: Engine) -> Iterator[Table]:
    _NAMES.create(engine)
    with engine.begin() as conn:
        conn.execute(_NAMES.insert(), [{"name": n} for n in NAMES])
    yield _NAMES
    _NAMES.drop(engine)


def test_it_selects_what_in_selects_even_with_quotes(engine: Engine, names: Table) -> None:
    wanted = ["it's", "O''Brien", "back\\slash", "", "ünï", "absent"]
    with engine.connect() as conn:
        mine = conn.execute(select(names.c.name).where(in_literals(names.c.name, wanted))).scalars()
        theirs = conn.execute(select(names.c.name).where(names.c.name.in_(wanted))).scalars()
        negated = conn.execute(select(names.c.name).where(not_(in_literals(names.c.name, wanted)))).scalars()
        assert sorted(mine) == sorted(theirs) == sorted(w for w in wanted if w in NAMES)
        # NULL is neither in nor out, as with IN.
        assert sorted(negated) == ["a", "b"]
        assert conn.execute(select(names.c.name).where(in_literals(names.c.name, []))).all() == []


def test_the_values_are_part_of_the_statement_not_parameters(engine: Engine, names: Table) -> None:
    """So SQLAlchemy's statement cache holds the rendered SQL and nothing expands per execution;
    different lists are different statements."""
    one = select(names.c.name).where(in_literals(names.c.name, ["b", "a", "a"]))
    compiled = one.compile(engine)
    assert "('a', 'b')" in str(compiled)
    assert compiled.params == {}
    other = select(names.c.name).where(in_literals(names.c.name, ["a"]))
    assert one._generate_cache_key() != other._generate_cache_key()
    same = select(names.c.name).where(in_literals(names.c.name, ["a", "b"]))
    assert one._generate_cache_key() == same._generate_cache_key()


def test_it_nests_as_one_predicate() -> None:
    clause = in_literals(literal_column("x"), ["1"]) == false()
    assert str(clause.compile()).startswith("(x IN ('1'))")
