"""Running one GraphQL operation for an app: execute with the policy, then add
`extensions.withheld`, then keep what the request touched (audit) and the scope snapshots its
change-feed cursors refer to. HTTP (hub.graphql.http) and tests both come through here."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError, parse
from sqlalchemy import Connection, Engine

from hub.access import AccessPolicy, AppRecord
from hub.graphql.compiled import NotCompiledError, execute_compiled
from hub.graphql.compiled import Outcome as CompiledOutcome
from hub.graphql.compiled.documents import prepared
from hub.graphql.context import Context
from hub.graphql.schema import SatchelSchema, build_schema
from hub.graphql.withheld import selected_fields, withheld
from hub.store import audit

log = logging.getLogger(__name__)


@dataclass
class Operation:
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None


@dataclass
class Outcome:
    # JSON-ready: orjson serialises it. Nodes the database rendered are orjson.Fragment (ADR 0006).
    payload: dict[str, Any]
    context: Context
    entry: audit.AuditEntry = field(repr=False)

    def plain_payload(self) -> dict[str, Any]:
        """The payload as plain Python values (fragments parsed), for tests and tools."""
        plain: dict[str, Any] = orjson.loads(orjson.dumps(self.payload))
        return plain


def execute(
    conn: Connection,
    app: AppRecord,
    policy: AccessPolicy,
    operation: Operation,
    *,
    schema: SatchelSchema | None = None,
    compiled: bool = True,
) -> Outcome:
    """`compiled`: answer the documents the compiled path covers without resolvers (False: the
    resolvers answer everything — the reference the compiled path is tested against)."""
    started = time.monotonic()
    schema = schema or build_schema()
    ctx = Context(conn=conn, app=app, policy=policy)
    data, errors = None, []
    answered = _compiled(schema, ctx, operation) if compiled else None
    if answered is not None:
        data, errors = answered.data, answered.errors
    else:
        ctx = Context(conn=conn, app=app, policy=policy)  # nothing the compiled path noted counts
        result = schema.execute_sync(
            operation.query,
            variable_values=operation.variables,
            context_value=ctx,
            operation_name=operation.operation_name,
        )
        data, errors = result.data, list(result.errors or ())
    payload: dict[str, Any] = {"data": data}
    if errors:
        payload["errors"] = [error.formatted for error in errors]
    selected = _selected(schema, operation.query) if data is not None else {}
    withheld_fields = withheld(ctx, selected)
    if withheld_fields:
        payload["extensions"] = {"withheld": withheld_fields}
    entry = audit.AuditEntry(
        app_id=app.id,
        status=200,
        operation=operation.operation_name,
        error_codes=sorted(
            {str((e.get("extensions") or {}).get("code", "")) for e in payload.get("errors", [])}
        ),
        schools=sorted({s for t in ctx.touched.values() for s in t.schools}),
        data_types=sorted({d for t in ctx.touched.values() for d in t.data_types}),
        reads=sorted({pair for t in ctx.touched.values() for pair in t.reads}),
        fields={t: sorted(selected.get(t, ())) for t in sorted(ctx.touched)},
        rows={t: touched.rows for t, touched in sorted(ctx.touched.items())},
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    return Outcome(payload=payload, context=ctx, entry=entry)


def persist(engine: Engine, outcome: Outcome) -> None:
    """After the read: the audit row, and the snapshots cursors name (before the app gets them)."""
    with engine.begin() as conn:
        audit.save_scopes(conn, outcome.context.app.id, outcome.context.snapshots)
        audit.record_request(conn, outcome.entry)


def run(
    engine: Engine,
    app: AppRecord,
    operation: Operation,
    *,
    introspection: bool = True,
    compiled: bool = True,
) -> dict[str, Any]:
    """Execute and persist in one go: for tests and tools that have an app but no token."""
    with engine.connect() as conn:
        outcome = execute(
            conn,
            app,
            AccessPolicy.load(conn, app.id),
            operation,
            schema=build_schema(introspection),
            compiled=compiled,
        )
    persist(engine, outcome)
    return outcome.plain_payload()


def _compiled(schema: SatchelSchema, ctx: Context, operation: Operation) -> CompiledOutcome | None:
    try:
        return execute_compiled(
            schema._schema, ctx, operation.query, operation.variables, operation.operation_name
        )
    except NotCompiledError:
        return None
    except Exception:
        # A fault of the fast path must not become the app's problem: log it, use the resolvers.
        log.exception("compiled GraphQL execution failed; falling back to the resolvers")
        return None


def _selected(schema: SatchelSchema, query: str) -> dict[str, set[str]]:
    prep = prepared(schema._schema, query)
    if prep.document is not None:
        return prep.selected
    try:
        document = parse(query)
    except GraphQLError:
        return {}
    return selected_fields(schema._schema, document)
