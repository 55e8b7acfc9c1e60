"""Relay-style connections: opaque cursors, page-size limits."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from hub.graphql.errors import BadArgumentError, LimitExceededError

DEFAULT_PAGE = 100
MAX_PAGE = 1000
_PREFIX = "satchel:v1:"

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def encode_cursor(record_id: str) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{record_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The record id a cursor points after. Cursors are opaque to clients; only ours decode."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_PREFIX):
        raise BadArgumentError("`after` is not a cursor this API issued", argument="after")
    return text.removeprefix(_PREFIX)


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0:
        raise BadArgumentError("`first` must not be negative", argument="first")
    if first > MAX_PAGE:
        raise LimitExceededError(f"`first` may be at most {MAX_PAGE}", argument="first", max=MAX_PAGE)
    return first


def connection(
    rows: list[dict[str, Any]], has_next: bool, to_nodes: Callable[[list[dict[str, Any]]], list[T]]
) -> Connection[T]:
    nodes = to_nodes(rows)
    edges = [Edge(cursor=encode_cursor(row["id"]), node=node) for row, node in zip(rows, nodes, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )
