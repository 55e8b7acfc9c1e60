"""Read queries over canonical records for the API.

Every function takes a `RowFilter` — a clause only the access policy (hub.access.policy) makes —
so no read of school data can skip the policy: mypy rejects a bare clause.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any, NewType

from sqlalchemy import ColumnElement, Connection, Table, select

from hub.store.models import SOURCES

# A boolean clause the access policy built for one app and data type.
RowFilter = NewType("RowFilter", ColumnElement[bool])

Record = dict[str, Any]


def page(
    conn: Connection,
    table: Table,
    visible: RowFilter,
    *,
    first: int,
    after_id: str | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[Record], bool]:
    """Up to `first` visible rows after `after_id`, in id order (keyset pagination: stable
    under inserts, no OFFSET scans), and whether more follow."""
    query = select(table).where(visible, *where).order_by(table.c.id).limit(first + 1)
    if after_id is not None:
        query = query.where(table.c.id > after_id)
    rows = [dict(row._mapping) for row in conn.execute(query)]
    return rows[:first], len(rows) > first


def by_ids(conn: Connection, table: Table, visible: RowFilter, ids: Collection[str]) -> dict[str, Record]:
    """Visible rows among `ids`, keyed by id; hidden or missing ids are simply absent."""
    if not ids:
        return {}
    query = select(table).where(visible, table.c.id.in_(sorted(set(ids))))
    return {row.id: dict(row._mapping) for row in conn.execute(query)}


def grouped_by(
    conn: Connection, table: Table, visible: RowFilter, column: str, values: Collection[str]
) -> dict[str, list[Record]]:
    """Visible rows whose `column` is in `values`, grouped by that column (one query per level)."""
    groups: dict[str, list[Record]] = defaultdict(list)
    if not values:
        return groups
    query = select(table).where(visible, table.c[column].in_(sorted(set(values)))).order_by(table.c.id)
    for row in conn.execute(query):
        record = dict(row._mapping)
        groups[record[column]].append(record)
    return groups


def source_names(conn: Connection, ids: Collection[str]) -> dict[str, str]:
    """Names of configured sources (hub configuration, not school data: no row filter needed)."""
    if not ids:
        return {}
    query = select(SOURCES.c.id, SOURCES.c.name).where(SOURCES.c.id.in_(sorted(set(ids))))
    return {row.id: row.name for row in conn.execute(query)}
