"""Read queries over canonical records for the API.

Every function takes a `RowFilter` — which only the access policy (hub.access.policy) makes —
carrying both the rows an app may see and the masked columns it may see of them, so no read of
school data can skip the policy: the row filter and the field mask travel together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.engine.interfaces import Compiled
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import visitors
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.type_api import TypeEngine

from hub.store.json_nodes import COLUMN as JSON_NODE_COLUMN
from hub.store.json_nodes import JsonNode
from hub.store.models import SOURCES

Record = dict[str, Any]


@dataclass(frozen=True, eq=False)
class RowFilter:
    """Rows of one table an app may read (`where`) and what it may read of them (`exprs`).

    `exprs` maps every column name to the expression selected for it: the column itself, or a
    CASE that yields NULL for rows of schools that did not grant that field.
    """

    table: Table
    where: ColumnElement[bool]
    exprs: Mapping[str, ColumnElement[Any]] = field(default_factory=dict)

    def column(self, name: str) -> ColumnElement[Any]:
        """The expression an app sees for `name`; filter on this, never on the raw column."""
        return self.exprs.get(name, self.table.c[name])

    def select(self, columns: Collection[str] | None = None, node: JsonNode | None = None) -> Select[Any]:
        """The masked columns (all, or only `columns`), each labelled with its own name, and
        `node` rendered from them as JSON text (hub.store.json_nodes)."""
        selected = [self.column(name).label(name) for name in self.names(columns)]
        return select(*selected, *([] if node is None else [node.expression(self.column)]))

    def names(self, columns: Collection[str] | None = None) -> list[str]:
        return [c.name for c in self.table.c if columns is None or c.name in columns]


def page(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    *,
    first: int,
    after_id: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    columns: Collection[str] | None = None,
    node: JsonNode | None = None,
) -> tuple[list[Record], bool]:
    """Up to `first` visible rows after `after_id`, in id order (keyset pagination: stable
    under inserts, no OFFSET scans), and whether more follow. `columns`: only these (else all);
    `node`: each row also rendered as that JSON object."""
    if where:
        query = _page_query(visible, columns, node, [*where, *_after(table, after_id)], first + 1)
        rows = _records(conn.execute(query))
    else:
        query = _page(visible, _frozen(columns), node, after=after_id is not None)
        rows = _records(conn.execute(query, {"size": first + 1, "after_id": after_id}))
    return rows[:first], len(rows) > first


@lru_cache(maxsize=1024)
def _page(
    visible: RowFilter, columns: frozenset[str] | None, node: JsonNode | None, *, after: bool
) -> Select[Any]:
    """`page`'s statement without extra clauses, built once per filter (as `_school_page`): every
    request pages a connection of schools through it."""
    narrow = [visible.table.c.id > bindparam("after_id")] if after else []
    return _page_query(visible, columns, node, narrow, bindparam("size"))


def _page_query(
    visible: RowFilter,
    columns: Collection[str] | None,
    node: JsonNode | None,
    narrow: Sequence[ColumnElement[bool]],
    size: int | BindParameter[int],
) -> Select[Any]:
    """Up to `size` visible rows that `narrow` keeps, in id order."""
    query = visible.select(columns, node).where(visible.where, *narrow)
    return query.order_by(visible.table.c.id).limit(size)


def pages_by_school(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    schools: Sequence[str],
    *,
    first: int,
    after_id: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    key: tuple[tuple[str, Any], ...] = (),
    columns: Collection[str] | None = None,
    node: JsonNode | None = None,
) -> dict[str, tuple[list[Record], bool]]:
    """`page` for each of `schools` (the same arguments at each), in one statement
    (`_per_school`), so a page of schools costs one query, not one each.

    `key`: (raw, indexed column, value) pairs that the filter implies (a person's role), to find
    the candidates by. `columns` must include school_id. Without `where`, the statement comes
    from a cache per filter and number of schools (as `by_ids`'): a request binds its schools,
    cursor and size only.
    """
    if not schools:
        return {}
    grouped: dict[str, list[Record]] = {school: [] for school in schools}
    result = _school_rows(conn, table, visible, sorted(grouped), first, after_id, where, key, columns, node)
    for record in _records(result):
        grouped[record["school_id"]].append(record)
    for rows in grouped.values():
        _in_id_order(rows, itemgetter("id"))
    return {school: (rows[:first], len(rows) > first) for school, rows in grouped.items()}


def _in_id_order(rows: list[Any], id_of: Callable[[Any], str]) -> None:
    """Sort one school's rows of `_per_school` by id, as the database ordered each arm: ids are
    the hub's UUIDs (lowercase hex, hyphens at fixed places), which sort the same way in Python
    as in any database collation."""
    rows.sort(key=id_of)


@dataclass(frozen=True, slots=True)
class JsonPage:
    """One school's page of rows rendered as JSON by the database, as its GraphQL edges."""

    edges: str  # the JSON array of `{"node": …}` objects, in id order
    end_id: str | None  # the last row's id
    more: bool  # rows follow the page
    kinds: frozenset[tuple[str, str | None]]  # (source_id, role or None) of its rows, for the audit
    rows: int


def json_pages_by_school(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    schools: Sequence[str],
    node: JsonNode,
    *,
    first: int,
    after_id: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    key: tuple[tuple[str, Any], ...] = (),
    roles: bool = True,
) -> dict[str, JsonPage]:
    """`pages_by_school` for a connection whose edges are `{ node }` of `node` alone: the same
    statement, read as plain tuples and each school's nodes joined into one JSON array, instead
    of a dict per row and an object per edge (3-5 µs a row, most of a 1,000-row page's Python).

    Only the columns the pages need are fetched (each costs ~0.2 ms a 1,000 rows): no school for
    one school's page, and no role where the caller's audit does not need one (`roles` False:
    the kinds carry None)."""
    if not schools:
        return {}
    rows: dict[str, list[Any]] = {s: [] for s in schools}
    role = roles and "role" in table.c
    columns = {"id", "source_id", *(["role"] if role else []), *(["school_id"] if len(rows) > 1 else [])}
    result = _school_rows(conn, table, visible, sorted(rows), first, after_id, where, key, columns, node)
    at = {name: n for n, name in enumerate(result.keys())}
    ident, source, kind, rendered = at["id"], at["source_id"], at.get("role"), at[JSON_NODE_COLUMN]
    fetched = _fetched(result)
    if len(rows) == 1:  # one school's page (a walk, a school's own connection): no grouping
        rows[schools[0]].extend(fetched)
    else:
        school = at["school_id"]
        for row in fetched:
            rows[row[school]].append(row)
    pages: dict[str, JsonPage] = {}
    for s, found in rows.items():
        _in_id_order(found, itemgetter(ident))
        page = found[:first]
        # One C call a row each (a row's string, its kind), not a Python expression a row.
        kinds = map(itemgetter(source, kind), page) if kind is not None else _without_role(page, source)
        pages[s] = JsonPage(
            edges='[{"node":' + '},{"node":'.join(map(itemgetter(rendered), page)) + "}]" if page else "[]",
            end_id=page[-1][ident] if page else None,
            more=len(found) > first,
            kinds=frozenset(kinds),
            rows=len(page),
        )
    return pages


def _without_role(rows: list[Any], source: int) -> Iterator[tuple[str, None]]:
    """The kinds of rows read without their role (the table has none, or the caller needs none):
    (source, None)."""
    return ((s, None) for s in set(map(itemgetter(source), rows)))


def _school_rows(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    schools: list[str],
    first: int,
    after_id: str | None,
    where: Sequence[ColumnElement[bool]],
    key: tuple[tuple[str, Any], ...],
    columns: Collection[str] | None,
    node: JsonNode | None,
) -> CursorResult[Any]:
    """Up to `first` + 1 rows of each of the (sorted) `schools`, in (school, id) order."""
    frozen = _frozen(columns)
    arms = _arms(visible, frozen, node, len(schools))
    params: dict[str, Any] = (
        {"schools": schools} if arms is None else {f"school_{n}": s for n, s in enumerate(schools)}
    )
    if not where:
        query = _school_page(visible, key, frozen, node, after=after_id is not None, arms=arms)
        return conn.execute(query, {**params, "size": first + 1, "after_id": after_id})
    narrow = [*where, *_after(table, after_id)]
    return conn.execute(_per_school(visible, key, frozen, node, narrow, first + 1, arms), params)


# Up to this many schools `_per_school` reads one keyset arm per school, above it ranks them. The
# arms were faster at every count measured (to 120 schools; 100 schools, `first: 10` on SQLite: 17 ms
# against 152 ms ranked), but each count is a statement of its own to build and compile (~1 ms
# an arm, once per filter) and cache, and SQLite takes at most 500 terms in a compound SELECT.
# 100 is the default page of schools, so a page of schools without `first` is read by arms.
MOST_ARMS = 100
# Every arm repeats the policy's parameters (its schools, its masks'): past this many in all,
# the ranked statement, which binds them once (SQLite ≥ 3.32 takes at most 32,766).
MOST_PARAMETERS = 30_000


def _arms(
    visible: RowFilter, columns: frozenset[str] | None, node: JsonNode | None, schools: int
) -> int | None:
    """How many arms `_per_school` reads `schools` schools' pages by: one each, or None (ranked)."""
    if schools > MOST_ARMS or schools * _arm_parameters(visible, columns, node) > MOST_PARAMETERS:
        return None
    return schools


@lru_cache(maxsize=1024)
def _arm_parameters(visible: RowFilter, columns: frozenset[str] | None, node: JsonNode | None) -> int:
    """Parameters one arm binds: the policy's (an expanding one as its values) and a few its own."""
    arm = visible.select(columns, node).where(visible.where)
    binds = (e for e in visitors.iterate(arm) if isinstance(e, BindParameter))
    return sum(len(b.value) if b.expanding and b.value is not None else 1 for b in binds) + 8


@lru_cache(maxsize=1024)
def _school_page(
    visible: RowFilter,
    key: tuple[tuple[str, Any], ...],
    columns: frozenset[str] | None,
    node: JsonNode | None,
    *,
    after: bool,
    arms: int | None,
) -> Select[Any] | CompoundSelect[Any]:
    """`_per_school`'s statement with the schools, cursor and size as parameters, built once per
    filter and number of arms: the policy's clauses are not rebuilt or adapted per request. A
    filter is made per scope (hub.graphql.filters), so a grant change gets a new statement on the
    next request."""
    narrow = [visible.table.c.id > bindparam("after_id")] if after else []
    return _per_school(visible, key, columns, node, narrow, bindparam("size"), arms)


def _per_school(
    visible: RowFilter,
    key: tuple[tuple[str, Any], ...],
    columns: frozenset[str] | None,
    node: JsonNode | None,
    narrow: Sequence[ColumnElement[bool]],
    size: int | BindParameter[int],
    arms: int | None,
) -> Select[Any] | CompoundSelect[Any]:
    """Up to `size` visible rows per school: a UNION ALL of one keyset page per school (the
    `school_0` … parameters; one school: that page alone), in no defined order, or, `arms` None,
    the rows of the `schools` parameter ranked per school, in (school, id) order.

    Each arm walks the (school_id, …, id) index from the cursor and stops at `size`, where ranking
    reads every candidate of every school first: 3 schools' pages of 1,000 students on SQLite
    (benchmark scale) take ~10 ms as arms, ~17 ms ranked. Every arm applies the policy's filter
    and selects its masked columns, as `page` does. Ranked, the candidates are ranked as (id,
    school) pairs only and the page's rows read after by id: the ranked ids passed the policy's
    filter, and the masks apply as the page's rows are read."""
    table = visible.table
    keys = [table.c[column] == value for column, value in key]
    if arms is None:
        found = and_(table.c.school_id.in_(bindparam("schools", expanding=True)), *keys)
        ranks = keyed(
            visible, found, and_(true(), *narrow), columns={"id", "school_id"}, rank_within="school_id"
        ).subquery("ranks")
        ranked = select(ranks.c.id).where(ranks.c[_RANK] <= size)
        return (
            visible.select(columns, node)
            .where(table.c.id.in_(ranked))
            .order_by(table.c.school_id, table.c.id)
        )
    pages = [
        _page_query(
            visible, columns, node, [table.c.school_id == bindparam(f"school_{n}"), *keys, *narrow], size
        )
        for n in range(arms)
    ]
    if arms == 1:
        return pages[0]
    # Each arm in a subquery: SQLite takes no ORDER BY or LIMIT on a compound's own terms. No outer
    # ORDER BY: it sorted every row of the page again (~1.3 of ~10 ms for 3 schools x 1,000
    # students on SQLite); a compound's row order is undefined, so the readers sort each school's
    # rows by id (`_in_id_order`), which costs one comparison a row as they arrive in order.
    return union_all(*(arm.subquery(f"school_{n}").select() for n, arm in enumerate(pages)))


def _after(table: Table, after_id: str | None) -> list[ColumnElement[bool]]:
    return [] if after_id is None else [table.c.id > after_id]


def by_ids(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    ids: Collection[str],
    columns: Collection[str] | None = None,
    node: JsonNode | None = None,
) -> dict[str, Record]:
    """Visible rows among `ids`, keyed by id; hidden or missing ids are simply absent."""
    if not ids:
        return {}
    return {record["id"]: record for record in _records(_by_ids(conn, visible, ids, columns, node))}


def rows_by_ids(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    ids: Collection[str],
    columns: Collection[str] | None,
    node: JsonNode | None,
) -> tuple[list[str], Sequence[Sequence[Any]]]:
    """`by_ids`' rows as the driver's tuples, in id order, and their column names: for a caller
    that takes a few values from hundreds of rows, without a dict each."""
    if not ids:
        return [], []
    result = _by_ids(conn, visible, ids, columns, node)
    return list(result.keys()), _fetched(result)


def _by_ids(
    conn: Connection,
    visible: RowFilter,
    ids: Collection[str],
    columns: Collection[str] | None,
    node: JsonNode | None,
) -> CursorResult[Any]:
    one, keys = _keys(conn, ids)
    query = _lookup(visible, "id", masked=False, columns=_frozen(columns), node=node, one=one)
    return conn.execute(query, {"keys": keys})


def _records(result: CursorResult[Any]) -> list[Record]:
    """Rows as dicts (the keys read once, not per row)."""
    keys = list(result.keys())
    # Not strict: every row has the result's columns, and checking costs a tenth of the dicts' time.
    return [dict(zip(keys, row, strict=False)) for row in _fetched(result)]


def _fetched(result: CursorResult[Any]) -> Sequence[Sequence[Any]]:
    """Every row of `result` in one driver call (not a fetchone per row): the driver's own tuples
    where no selected column's type converts the driver's values (text, numbers, the JSON the
    database rendered), as SQLAlchemy's rows would hold them, without a `Row` made per row (a
    tenth of a spliced enrollment's time); SQLAlchemy's rows otherwise (dates on SQLite)."""
    compiled = result.context.compiled
    if compiled is not None and not _converts(compiled):
        rows: Sequence[Sequence[Any]] = result.cursor.fetchall()
        result.close()
        return rows
    return result.fetchall()


def _converts(compiled: Compiled) -> bool:
    """Whether SQLAlchemy converts any value `compiled` selects (a type's result processor),
    worked out once per compiled statement (held weakly: SQLAlchemy's cache decides its life)."""
    known = _CONVERTS.get(compiled)
    if known is None:
        known = _CONVERTS[compiled] = _processed(compiled)
    return known


_CONVERTS: WeakKeyDictionary[Compiled, bool] = WeakKeyDictionary()


def _processed(compiled: Compiled) -> bool:
    statement, dialect = compiled.statement, compiled.dialect
    if not isinstance(statement, Select | CompoundSelect):
        return True
    try:
        return any(
            column.type.dialect_impl(dialect).result_processor(dialect, None) is not None
            for column in statement.selected_columns
        )
    except Exception:  # a processor that needs the driver's column type: let SQLAlchemy choose
        return True


def grouped_by(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    column: str,
    values: Collection[str],
    columns: Collection[str] | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    node: JsonNode | None = None,
) -> dict[str, list[Record]]:
    """Visible rows whose `column` is in `values`, grouped by that column (one query per level).

    Matches on the masked expression, so a withheld reference never links a row to its parent;
    the raw column finds the candidates (through its index) before the mask is applied. `where`:
    clauses on what the app sees that cut the rows down further (a date range on nested
    attendance): a filter can only ever lose rows this way. Without them the statement comes
    from the cache per filter.
    """
    groups: dict[str, list[Record]] = defaultdict(list)
    if not values:
        return groups
    for record in _records(_grouped(conn, visible, column, values, columns, where, node)):
        groups[record[column]].append(record)
    return groups


def rows_with(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    column: str,
    values: Collection[str],
    columns: Collection[str],
    node: JsonNode,
) -> tuple[list[str], Sequence[Sequence[Any]]]:
    """`grouped_by`'s rows (without `where`) as the driver's tuples, in id order, and their
    column names: for a caller that renders thousands of rows without a dict each."""
    if not values:
        return [], []
    result = _grouped(conn, visible, column, values, columns, (), node)
    return list(result.keys()), _fetched(result)


def _grouped(
    conn: Connection,
    visible: RowFilter,
    column: str,
    values: Collection[str],
    columns: Collection[str] | None,
    where: Sequence[ColumnElement[bool]],
    node: JsonNode | None,
) -> CursorResult[Any]:
    """The rows `grouped_by` reads: by `column`'s own index, matched on its masked value."""
    one, keys = _keys(conn, values)
    frozen = _frozen(columns)
    if where:
        query = _lookup_query(visible, column, masked=True, columns=frozen, where=where, node=node, one=one)
    else:
        query = _lookup(visible, column, masked=True, columns=frozen, node=node, one=one)
    return conn.execute(query, {"keys": keys})


@lru_cache(maxsize=1024)
def _lookup(
    visible: RowFilter,
    column: str,
    *,
    masked: bool,
    columns: frozenset[str] | None,
    node: JsonNode | None = None,
    one: bool = True,
) -> Select[Any]:
    """The statement for visible rows whose `column` is among the `keys` parameter. Built once
    per filter (the policy's filters are shared by every request with the same scope), so a
    request pays only for binding its keys, not for building and adapting the clauses again."""
    return _lookup_query(visible, column, masked=masked, columns=columns, node=node, one=one)


def _lookup_query(
    visible: RowFilter,
    column: str,
    *,
    masked: bool,
    columns: frozenset[str] | None,
    where: Sequence[ColumnElement[bool]] = (),
    node: JsonNode | None = None,
    one: bool = True,
) -> Select[Any]:
    """`_lookup`'s statement, built afresh; `where`: further clauses on what the app sees. `one`:
    the keys are bound as one parameter (`_keys`), else expanded into one each."""
    raw = visible.table.c[column]
    seen = visible.column(column)
    if one:
        keys: BindParameter[Any] = bindparam("keys")

        def among(expression: ColumnElement[Any]) -> ColumnElement[bool]:
            return AmongKeys(expression, keys, raw.type)

    else:
        keys = bindparam("keys", expanding=True)

        def among(expression: ColumnElement[Any]) -> ColumnElement[bool]:
            return expression.in_(keys)

    # Masked, the app's value must match too; unmasked, it is the raw column the key checks.
    checks = [*([among(seen)] if masked and seen is not raw else []), *where]
    return keyed(
        visible,
        among(raw),
        and_(*checks) if checks else None,
        order_by=("id",),
        columns=columns,
        node=node,
    )


def _frozen(columns: Collection[str] | None) -> frozenset[str] | None:
    return None if columns is None else frozenset(columns)


def _keys(conn: Connection, values: Collection[str]) -> tuple[bool, Any]:
    """How a keyed read binds `values` (sorted, distinct) as its `keys` parameter: as one
    parameter (True, its value: a JSON array on SQLite, an array on PostgreSQL — see `AmongKeys`),
    or expanded into a parameter each (False, the list) where SQLite's JSON would not carry them
    exactly: a NUL (SQLite 3.40's json_each cuts the text at it, so "a", NUL, "b" would find "a")
    or text that is not UTF-8 (the expanded form fails on it, as it always has)."""
    keys = sorted(set(values))
    if conn.dialect.name != "sqlite":
        return True, keys
    try:
        text = orjson.dumps(keys)
    except orjson.JSONEncodeError:
        return False, keys
    if b"\\u0000" in text:
        return False, keys
    return True, text.decode()


class AmongKeys(ColumnElement[bool]):
    """`column` among the keys of ONE bound parameter: on SQLite `column IN (SELECT value FROM
    json_each(?))` with the keys as a JSON array, elsewhere (PostgreSQL) `column = ANY(CAST(? AS
    type[]))` with a list (`type`: the key column's).

    An expanding parameter (`column.in_(bindparam(…, expanding=True))`) is re-rendered into
    `?, ?, …` on every execution and makes a new SQL text per number of keys, which the
    driver prepares again (SQLite's statement cache, psycopg's prepared statements miss); here
    the SQL text is the same for every key list. SQLite still searches the key's index once per
    key (tests/test_reads_keyed_plan.py)."""

    __visit_name__ = "among_keys"
    inherit_cache = True
    _traverse_internals = [
        ("column", visitors.InternalTraversal.dp_clauseelement),
        ("keys", visitors.InternalTraversal.dp_clauseelement),
        ("key_type", visitors.InternalTraversal.dp_type),
    ]
    type = Boolean()
    _is_implicitly_boolean = True  # a predicate: SQLite must not compare it with 1

    def __init__(
        self, column: ColumnElement[Any], keys: BindParameter[Any], key_type: TypeEngine[Any]
    ) -> None:
        self.column = column
        self.keys = keys
        self.key_type = key_type


@compiles(AmongKeys)
def _among_keys_default(element: AmongKeys, compiler: SQLCompiler, **kw: Any) -> str:
    array = compiler.dialect.type_compiler_instance.process(element.key_type) + "[]"
    column, keys = compiler.process(element.column, **kw), compiler.process(element.keys, **kw)
    return f"({column} = ANY(CAST({keys} AS {array})))"


@compiles(AmongKeys, "sqlite")
def _among_keys_sqlite(element: AmongKeys, compiler: SQLCompiler, **kw: Any) -> str:
    column, keys = compiler.process(element.column, **kw), compiler.process(element.keys, **kw)
    # Both parts are compiled SQL (a column expression and a bound parameter's placeholder).
    return f"({column} IN (SELECT value FROM json_each({keys})))"  # noqa: S608


def keyed(
    visible: RowFilter,
    key: ColumnElement[bool],
    masked: ColumnElement[bool] | None = None,
    *,
    order_by: Sequence[str] = (),
    columns: Collection[str] | None = None,
    rank_within: str | None = None,
    node: JsonNode | None = None,
) -> Select[Any]:
    """The visible rows among those `key` (a clause on raw, indexed columns) picks: the candidates
    are found by the key, then the policy's filter, its masks and `masked` (a clause on what the
    app sees) apply to them alone. `rank_within`: add each row's rank in id order among the rows
    sharing that column's value, as `_rank`; `node`: each row also rendered as that JSON object.

    Why `_unindexed`: the policy's filter starts with `source_id = …`, the prefix of a unique
    index, and SQLite's planner (without statistics) would drive the whole query from it (or from
    the granted schools' index) — a scan of every row of the source per nested level. On SQLite
    the filter's columns are therefore compiled as `+column`, which no index serves, so the key's
    own index finds the candidates; PostgreSQL plans from statistics.
    """
    table = visible.table
    query = visible.select(columns, node).where(key, _unindexed(table, visible.where))
    if rank_within is not None:
        rank = func.row_number().over(partition_by=table.c[rank_within], order_by=table.c.id)
        query = query.add_columns(rank.label(_RANK))
    if masked is not None:
        query = query.where(_unindexed(table, masked))
    return query.order_by(*(table.c[name] for name in order_by))


_RANK = "_rank"


def _unindexed(table: Table, clause: ColumnElement[Any]) -> ColumnElement[Any]:
    """`clause` with every column of `table` in it compiled so that no SQLite index serves it
    (`+column`, SQLite's documented way to keep a term from driving the plan; its value and
    comparisons are unchanged). Other databases get the column itself."""

    def replace(element: Any, **_: Any) -> Any:
        if isinstance(element, Column) and element.table is table:
            return _UnindexedColumn(element)
        return None

    replaced: ColumnElement[Any] = visitors.replacement_traverse(clause, {}, replace)
    return replaced


class _UnindexedColumn(ColumnElement[Any]):
    inherit_cache = True
    _traverse_internals = [("column", visitors.InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Column[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_UnindexedColumn)
def _unindexed_default(element: _UnindexedColumn, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_UnindexedColumn, "sqlite")
def _unindexed_sqlite(element: _UnindexedColumn, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.column, **kw)}"


# --- the change feed ----------------------------------------------------------------------------------


def changed_after(
    conn: Connection, table: Table, visible: RowFilter, version: int, after_id: str | None, first: int
) -> list[Record]:
    """Rows in scope (tombstones included) changed after (`version`, `after_id`), in
    (change_version, id) order: at most `first`. `after_id` None: after every row of `version`."""
    cv = table.c.change_version
    after = (
        cv > version if after_id is None else or_(cv > version, and_(cv == version, table.c.id > after_id))
    )
    query = visible.select().where(visible.where, after).order_by(cv, table.c.id).limit(first)
    return [dict(row._mapping) for row in conn.execute(query)]


def in_id_order(
    conn: Connection, table: Table, visible: RowFilter, after_id: str, first: int
) -> list[Record]:
    """Up to `first` visible rows in id order after `after_id` (the change feed's catch-up after
    a scope change, whose filters compare the scope now with an earlier one)."""
    query = visible.select().where(visible.where, table.c.id > after_id).order_by(table.c.id).limit(first)
    return [dict(row._mapping) for row in conn.execute(query)]


def source_names(conn: Connection, ids: Collection[str]) -> dict[str, str]:
    """Names of configured sources (hub configuration, not school data: no row filter needed)."""
    if not ids:
        return {}
    query = select(SOURCES.c.id, SOURCES.c.name).where(SOURCES.c.id.in_(sorted(set(ids))))
    return {row.id: row.name for row in conn.execute(query)}
