"""The compiled path: common roster queries answered without a resolver call per field.

A document the plan covers (hub.graphql.compiled.plan) is read level by level through the same
policy filters as the resolvers — one statement per level for all the schools of a page — and
rendered from rows straight into the response; every other document, and any request the plan
meets a case it does not answer exactly, goes to the resolvers. On by default;
SATCHEL_GRAPHQL_COMPILER=false (Settings.graphql_compiler) switches it off. See
docs/adr/0006-graphql-compiler.md.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from hub.graphql.compiled.documents import prepared
from hub.graphql.compiled.run import NotCompiledError, Outcome, run_plan
from hub.graphql.context import Context
from hub.graphql.limits import check_limits

__all__ = ["NotCompiledError", "Outcome", "execute_compiled"]


def execute_compiled(
    schema: GraphQLSchema,
    ctx: Context,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> Outcome | None:
    """The response's data and errors, or None when this document is for the resolvers.

    Raises NotCompiledError when a request turns out to be for the resolvers after reading began
    (the caller starts again with a fresh context)."""
    prep = prepared(schema, query)
    if prep.document is None or not prep.valid:
        return None
    plan = prep.plans.get(operation_name)
    if plan is None:
        return None
    # Over-limit documents are refused by the resolvers' path, with its error.
    if check_limits(schema, prep.document, operation_name, variables, len(ctx.policy.schools())):
        return None
    return run_plan(schema, ctx, plan, variables)
