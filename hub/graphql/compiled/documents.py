"""Parsed and validated documents, cached by their text: apps send the same few queries all day.

An entry holds what depends on the document alone: its AST (None for a syntax error or one over
the token limit), whether it validates, the fields it selects per type (audit and
`extensions.withheld`), and the compiled plan (None: the document is for the resolvers).
Limits depend on variables and the app's schools, so they are checked per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate

from hub.graphql.compiled.plan import Plan, plan_document
from hub.graphql.limits import MAX_TOKENS
from hub.graphql.withheld import selected_fields

CACHE_SIZE = 512


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode | None
    valid: bool
    selected: dict[str, set[str]]
    plans: dict[str | None, Plan | None]  # operation name → plan


def prepared(schema: GraphQLSchema, text: str) -> Prepared:
    return _prepared(schema, text)


@lru_cache(maxsize=CACHE_SIZE)
def _prepared(schema: GraphQLSchema, text: str) -> Prepared:
    try:
        document = parse(text, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return Prepared(document=None, valid=False, selected={}, plans={})
    valid = not validate(schema, document)
    return Prepared(
        document=document,
        valid=valid,
        selected=selected_fields(schema, document),
        plans={} if not valid else plan_document(schema, document),
    )
