"""GraphQL queries generated from the schema itself, for property tests.

A walk of the executable schema (so a new field or type is generated without touching this file):
at each object it picks some scalar fields and some edges, at an interface (`node`, a change's
`node`) inline fragments on its implementations, and argument values from pools that matter for
the policy: every record's global id and hub id (granted or not, districts included), cursors
pointing anywhere, page sizes around the limits, dates with and without a zone.

hypothesis-graphql generates from the schema too, but draws each choice through far more strategy
machinery (about 70 ms a query here, against ~2 ms for this walk) and picks argument values at
random, so `node(id:)` almost never names a record; it is used for a share of the queries only
(see test_graphql_privacy_property.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
)
from hypothesis import strategies as st

from hub.graphql.pagination import encode_cursor

MAX_DEPTH = 9
# Root fields, repeated to weigh them: the paths that read school data come up most.
ROOTS = (
    "schools",
    "schools",
    "schools",
    "school",
    "school",
    "node",
    "node",
    "node",
    "changes",
    "changes",
    "viewer",
)


@dataclass(frozen=True)
class Pools:
    """Argument values worth trying, as GraphQL literals."""

    ids: tuple[str, ...]
    cursors: tuple[str, ...]

    @classmethod
    def of(cls, global_ids: Sequence[str], hub_ids: Sequence[str], schools: Sequence[str] = ()) -> Pools:
        """`schools`: global ids given extra weight, so `school(id:)` often names a school."""
        ids = (*global_ids, *hub_ids, "bm90LWFuLWlk", "", *(tuple(schools) * 40))
        cursors = (*(encode_cursor(h) for h in hub_ids), "garbage")
        return cls(ids=tuple(json.dumps(i) for i in ids), cursors=tuple(json.dumps(c) for c in cursors))


def _literals(type_: GraphQLInputType, name: str, pools: Pools) -> tuple[str, ...]:
    """The values to try for an argument, as GraphQL literals; () when we have none."""
    nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    named = get_named_type(type_)
    if isinstance(nullable, GraphQLList):
        items = _literals(nullable.of_type, name, pools)
        return ("[]", *(f"[{i}]" for i in items), f"[{', '.join(items[:2])}]", "null") if items else ()
    if isinstance(named, GraphQLEnumType):
        return tuple(sorted(named.values))
    if not isinstance(named, GraphQLScalarType):
        return ()
    if named.name == "Int":
        return ("0", "1", "2", "3", "10", "1000", "-1", "1001")
    if named.name == "Boolean":
        return ("true", "false")
    if named.name == "ID":
        return pools.ids
    if named.name == "String" and name == "after":
        # Connection cursors (pointing after any record, granted or not); change-feed cursors
        # only garbage: a cursor issued under other grants may name rows the app held then.
        return (*pools.cursors, *(("null",) * len(pools.cursors)))
    if named.name == "String":
        return ('"x"', "null")
    if named.name == "DateTime":
        return (
            '"2020-01-01T00:00:00Z"',
            '"2020-01-01T00:00:00Z"',
            '"2030-01-01T00:00:00+01:00"',
            '"2026-01-15T09:00:00"',
        )
    if named.name == "Date":
        return ('"2020-01-01"', '"2091-06-30"')
    return ()


def _is_leaf(field: GraphQLField) -> bool:
    return isinstance(get_named_type(field.type), GraphQLScalarType | GraphQLEnumType)


class _Draws:
    """Choices as integers from a few cached strategies: building strategies per draw costs
    more than the draws themselves, and bit masks shrink towards smaller queries."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def mask(self, n: int) -> list[bool]:
        bits: int = self.draw(_integers(2**n - 1)) if n else 0
        return [bool(bits >> i & 1) for i in range(n)]

    def index(self, n: int) -> int:
        return int(self.draw(_integers(n - 1)))


@cache
def _integers(top: int) -> st.SearchStrategy[int]:
    return st.integers(0, top)


def queries(
    schema: GraphQLSchema,
    pools: Pools,
    *,
    roots: Sequence[str] = ROOTS,
    allowed: Mapping[str, frozenset[str]] | None = None,
) -> st.SearchStrategy[str]:
    """Queries over `schema`; `allowed` (type → field names) keeps to a part of it."""
    return _query(_Writer(schema, pools, allowed), tuple(roots))


@st.composite
def _query(draw: st.DrawFn, writer: _Writer, choices: tuple[str, ...]) -> str:
    d = _Draws(draw)
    query_type = writer.schema.query_type
    assert query_type is not None
    roots = [choices[d.index(len(choices))]]
    if d.index(3) == 0:
        roots.append(choices[d.index(len(choices))])
    return "{ " + " ".join(writer.field(d, query_type, name, 0) for name in dict.fromkeys(roots)) + " }"


class _Writer:
    def __init__(
        self, schema: GraphQLSchema, pools: Pools, allowed: Mapping[str, frozenset[str]] | None
    ) -> None:
        self.schema = schema
        self.pools = pools
        self.allowed = allowed

    def fields_of(self, type_: GraphQLObjectType | GraphQLInterfaceType) -> dict[str, GraphQLField]:
        if self.allowed is None:
            return dict(type_.fields)
        keep = self.allowed.get(type_.name, frozenset())
        return {n: f for n, f in type_.fields.items() if n in keep}

    def arguments(self, d: _Draws, args: dict[str, GraphQLArgument]) -> str | None:
        """`(a: 1, b: "x")`, "" for none, or None when a required argument cannot be generated."""
        parts = []
        # Each optional argument with probability 1/4: most of them narrow or refuse the page.
        wanted_args = [a and b for a, b in zip(d.mask(len(args)), d.mask(len(args)), strict=True)]
        for (name, arg), wanted in zip(args.items(), wanted_args, strict=True):
            required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            literals = _literals(arg.type, name, self.pools)
            if not literals:
                if required:
                    return None
                continue
            if wanted or required:
                parts.append(f"{name}: {literals[d.index(len(literals))]}")
        return f"({', '.join(parts)})" if parts else ""

    def field(
        self, d: _Draws, parent: GraphQLObjectType | GraphQLInterfaceType, name: str, depth: int
    ) -> str:
        field = parent.fields[name]
        args = self.arguments(d, field.args)
        if args is None:
            return ""
        if _is_leaf(field):
            return name + args
        return f"{name}{args} {{ {self.selection(d, get_named_type(field.type), depth + 1)} }}"

    def selection(self, d: _Draws, type_: GraphQLNamedType, depth: int) -> str:
        assert isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
        fields = self.fields_of(type_)
        leaves = [n for n, f in fields.items() if _is_leaf(f) and n != "id"]
        edges = [n for n, f in fields.items() if not _is_leaf(f)]
        chosen: list[str] = []
        if "id" in fields and d.index(10) > 0:
            chosen.append("id")  # most of the time, so the oracle can check each field by its row
        # Each scalar with probability 1/4 (two masks and-ed): a few fields a level keeps queries
        # cheap to run, and over a thousand queries every field comes up many times.
        both = [a and b for a, b in zip(d.mask(len(leaves)), d.mask(len(leaves)), strict=True)]
        chosen += [n for n, on in zip(leaves, both, strict=True) if on]
        if type_.name.endswith(("Edge", "Connection")):
            forced = "node" if type_.name.endswith("Edge") else "edges"
            chosen.append(forced)
            edges.remove(forced)
        if depth < MAX_DEPTH and edges:
            # Fewer edges deeper down: two lowest bits of a mask, each edge at most once.
            picks = [n for n, on in zip(edges, d.mask(len(edges)), strict=True) if on]
            chosen += picks[: 2 if depth < 5 else 1]
        parts = [self.field(d, type_, name, depth) for name in dict.fromkeys(chosen)]
        if isinstance(type_, GraphQLInterfaceType):
            parts.append("__typename")
            impls = self.schema.get_possible_types(type_)
            for impl, on in zip(impls, d.mask(len(impls)), strict=True):
                if on:
                    parts.append(f"... on {impl.name} {{ {self.selection(d, impl, depth)} }}")
        return " ".join(p for p in parts if p) or "__typename"
