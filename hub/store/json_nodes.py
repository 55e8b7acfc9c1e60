"""Rows rendered as JSON objects by the database, for the compiled GraphQL path (ADR 0006).

A `JsonNode` describes one object — its keys in order, and how each value is rendered from a
column the app may see — and `expression()` builds the SQL that renders it: `json_object(…)` on
SQLite, `json_build_object(…)::text` on PostgreSQL, both equal (as JSON) to what the Python
renderers of hub/graphql/compiled/values.py produce. The values are the policy's masked
expressions (`RowFilter.column`), so a withheld field renders as null here exactly as there.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, String, case, literal_column, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

Kind = Literal["plain", "bool", "date", "enum", "global_id", "const"]
COLUMN = "_node"  # the label of the rendered object among a row's columns
MAX_FIELDS = 50  # PostgreSQL functions take at most 100 arguments: 50 keys and values


@dataclass(frozen=True)
class JsonField:
    """`key` (a GraphQL response key: a name, so safe to inline) rendered from `column` as `kind`:
    plain values (text, numbers) and dates as stored, booleans as true/false, an enum's stored
    value as its name (`names`: value → name pairs; any other value `constant`, else null), a
    global id of type `constant`, or the string `constant` itself."""

    key: str
    kind: Kind
    column: str | None = None
    constant: str | None = None
    names: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class JsonNode:
    fields: tuple[JsonField, ...]

    @property
    def columns(self) -> frozenset[str]:
        """The columns its values are rendered from."""
        return frozenset(f.column for f in self.fields if f.column is not None)

    def expression(self, column: Callable[[str], ColumnElement[Any]]) -> ColumnElement[str]:
        """The object as JSON text, its values read through `column` (name → what the app sees)."""
        parts: list[ColumnElement[Any]] = []
        for f in self.fields:
            parts += [_text(f.key), _value(f, column)]
        return _JsonObject(*parts).label(COLUMN)


def _value(f: JsonField, column: Callable[[str], ColumnElement[Any]]) -> ColumnElement[Any]:
    if f.kind == "const":
        assert f.constant is not None
        return _text(f.constant)
    assert f.column is not None
    value = column(f.column)
    if f.kind == "bool":
        return _JsonBool(value)
    if f.kind == "global_id":
        assert f.constant is not None
        return _GlobalId(_text(f.constant), value)
    if f.kind == "enum":
        whens = [(value.is_(None), null()), *((value == _text(v), _text(n)) for v, n in f.names)]
        return case(*whens, else_=null() if f.constant is None else _text(f.constant))
    return value  # plain values, and dates: SQLite stores ISO text, PostgreSQL renders dates in ISO


def _text(value: str) -> ColumnElement[str]:
    return literal_column("'" + value.replace("'", "''") + "'", String)


class _JsonObject(FunctionElement[str]):
    type = String()
    inherit_cache = True
    name = "json_object"


class _JsonBool(FunctionElement[Any]):
    inherit_cache = True
    name = "json_bool"


class _GlobalId(FunctionElement[str]):
    type = String()
    inherit_cache = True
    name = "global_id"


@compiles(_JsonObject, "sqlite")
def _object_sqlite(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(_JsonObject, "postgresql")
def _object_postgresql(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    # As text: psycopg would otherwise parse the json into Python objects.
    return f"CAST(json_build_object({compiler.process(element.clauses, **kw)}) AS TEXT)"


@compiles(_JsonBool, "sqlite")
def _bool_sqlite(element: _JsonBool, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores booleans as 0/1; json() marks the text as JSON so json_object embeds it. On the
    # constants, SQLite evaluates json() once per statement, not once per row (~0.5 ms a 1,000 rows).
    value = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {value} IS NULL THEN NULL WHEN {value} THEN json('true') ELSE json('false') END"


@compiles(_JsonBool, "postgresql")
def _bool_postgresql(element: _JsonBool, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_GlobalId, "sqlite")
def _global_id_sqlite(element: _GlobalId, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_GLOBAL_ID}({compiler.process(element.clauses, **kw)})"


@compiles(_GlobalId, "postgresql")
def _global_id_postgresql(element: _GlobalId, compiler: SQLCompiler, **kw: Any) -> str:
    type_name, hub_id = (compiler.process(c, **kw) for c in element.clauses)
    # URL-safe base64 with padding, as base64.urlsafe_b64encode; encode() breaks lines at 76.
    encoded = f"encode(convert_to({type_name} || ':' || {hub_id}, 'UTF8'), 'base64')"
    return f"translate({encoded}, E'+/\\n', '-_')"


SQLITE_GLOBAL_ID = "satchel_global_id"


def global_id(type_name: str, hub_id: str) -> str:
    """The API's global id (hub.graphql.ids): URL-safe base64 of "Type:hubid", padded — the one
    Python definition; `_global_id_postgresql` renders the same in SQL."""
    return base64.urlsafe_b64encode(f"{type_name}:{hub_id}".encode()).decode()


def sqlite_global_id(type_name: str, hub_id: str | None) -> str | None:
    """The SQL function SQLite connections get (hub.store.engine)."""
    return None if hub_id is None else global_id(type_name, hub_id)
