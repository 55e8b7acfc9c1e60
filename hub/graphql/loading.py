"""Loading rows through the policy for the GraphQL types: pages, by ids, children per batch.

Every function here takes its RowFilter from the policy in the context; the types never build
a query themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table

from hub.graphql.context import Context
from hub.graphql.errors import BadArgumentError
from hub.graphql.pagination import Connection, connection, decode_cursor, page_size
from hub.store import reads
from hub.store.reads import RowFilter

N = TypeVar("N")
Rows = list[dict[str, Any]]
Build = Callable[[Context, Rows], list[N]]


@dataclass(frozen=True)
class PageArgs:
    first: int | None = 100
    after: str | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def school_page(
    ctx: Context,
    table: Table,
    visible: RowFilter,
    args: PageArgs,
    where: Sequence[ColumnElement[bool]],
    build: Build[N],
) -> Connection[N]:
    rows, more = school_rows(ctx, table, visible, args, where)
    return connection(rows, more, lambda r: build(ctx, r))


def school_rows(
    ctx: Context, table: Table, visible: RowFilter, args: PageArgs, where: Sequence[ColumnElement[bool]]
) -> tuple[Rows, bool]:
    """One page of a school connection and whether more follow."""
    size, after_id, clauses = page_arguments(table, args)
    return reads.page(ctx.conn, table, visible, first=size, after_id=after_id, where=[*where, *clauses])


def page_arguments(table: Table, args: PageArgs) -> tuple[int, str | None, list[ColumnElement[bool]]]:
    """Page size, the id to read after and the clauses `args` add — or the error they earn, checked
    in this order (the compiled path reads a page of schools with these too)."""
    size, after_id = page_size(args.first), decode_cursor(args.after)
    clauses: list[ColumnElement[bool]] = []
    if args.updated_since is not None:
        if args.updated_since.tzinfo is None:
            raise BadArgumentError("`updatedSince` needs a time zone (e.g. 2026-01-15T09:00:00Z)")
        clauses.append(table.c.updated_at > args.updated_since)
    return size, after_id, clauses


def by_ids(ctx: Context, table: Table, visible: RowFilter, ids: set[str], build: Build[N]) -> dict[str, N]:
    rows = list(reads.by_ids(ctx.conn, table, visible, ids).values())
    return {row["id"]: node for row, node in zip(rows, build(ctx, rows), strict=True)}


def children(
    ctx: Context,
    table: Table,
    visible: RowFilter,
    column: str,
    parent_ids: set[str],
    build: Build[N],
    where: Sequence[ColumnElement[bool]] = (),
) -> dict[str, list[N]]:
    """Children of every parent in one query, cut down by `where` (clauses on what the app sees);
    all children share one batch."""
    groups = reads.grouped_by(ctx.conn, table, visible, column, parent_ids, where=where)
    flat = [row for rows in groups.values() for row in rows]
    nodes = iter(build(ctx, flat))
    return {key: [next(nodes) for _ in rows] for key, rows in groups.items()}
