"""`column IN ('a', 'b', …)` with its values written into the statement's SQL once.

The access policy's filters list an app's granted schools (hub.access.policy), often a hundred or
more. `column.in_(values)` is an expanding parameter: SQLAlchemy re-renders the list into the SQL
text on every execution, ~0.3 ms a statement at 120 schools, while the filter itself is built once
per scope and reused (hub.graphql.filters). Here the values are part of the construct's cache key,
so the compiled SQL, literals and all, comes from SQLAlchemy's statement cache.

Values are quoted by the dialect's own string literal processor; they are hub ids from the
grants, never text an app sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, ColumnElement, String, false
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class LiteralIn(ColumnElement[bool]):
    __visit_name__ = "literal_in"
    inherit_cache = True  # the cache key is made of _traverse_internals: the column and the values
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_plain_obj),
    ]
    type = Boolean()
    _is_implicitly_boolean = True  # a predicate: SQLite must not compare it with 1

    def __init__(self, column: ColumnElement[Any], values: tuple[str, ...]) -> None:
        self.column = column
        self.values = values


def in_literals(column: ColumnElement[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """`column` IN the sorted, distinct `values` (no values: false)."""
    return LiteralIn(column, tuple(sorted(set(values))))


@compiles(LiteralIn)
def _render(element: LiteralIn, compiler: SQLCompiler, **kw: Any) -> str:
    if not element.values:
        return compiler.process(false(), **kw)
    quote = String().literal_processor(compiler.dialect)  # type: ignore[no-untyped-call]
    assert quote is not None
    listed = ", ".join(quote(value) for value in element.values)
    # Parenthesised, so it binds as one predicate wherever it is placed (NOT, comparisons).
    return f"({compiler.process(element.column, **kw)} IN ({listed}))"
