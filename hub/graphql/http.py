"""POST /graphql (and GraphiQL on GET when enabled).

Each request is one read connection (one snapshot), authenticated and rate-limited, then executed
with sync resolvers in a worker thread, so the event loop never waits on the database. Refusals
before execution (body too large, batch, bad JSON, token, rate) are 4xx with `extensions.code`.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.to_thread
import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, Engine
from strawberry.http.ides import get_graphql_ide_html

from hub.access import TokenError, authenticate_bearer
from hub.access.policy_cache import PolicyCache
from hub.access.ratelimit import RateDecision, RateLimiter
from hub.config import Settings
from hub.graphql.execute import Operation, Outcome, execute, persist
from hub.graphql.schema import build_schema
from hub.store import audit, response_log
from hub.store.columns import utcnow

MAX_BODY_BYTES = 100_000


class RefusedError(Exception):
    """A request answered before execution, with its status and code."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}


def graphql_router(engine: Engine, settings: Settings) -> APIRouter:
    router = APIRouter()
    limiter = RateLimiter()
    policies = PolicyCache()
    schema = build_schema(settings.introspection)
    compiled = settings.graphql_compiler
    # Executions at once (Settings.graphql_workers): the rest wait here, not in the GIL.
    workers = anyio.CapacityLimiter(settings.graphql_workers)

    @router.post("/graphql", tags=["graphql"])
    async def graphql(request: Request) -> Response:
        body = await request.body()
        authorization = request.headers.get("authorization")

        def run() -> tuple[Outcome, RateDecision]:
            operation = parse_operation(body)
            with _read_connection(engine) as conn:
                app = authenticate_bearer(conn, authorization, utcnow())
                app_id = app.id
                policy = policies.policy(conn, app)
                decision = limiter.hit(app_id, policy.requests_per_minute(), time.monotonic())
                if not decision.allowed:
                    _audit_refusal(engine, app_id, operation.operation_name, 429, "RATE_LIMITED")
                    raise RefusedError(
                        429,
                        f"rate limit of {decision.limit} requests per minute exceeded",
                        "RATE_LIMITED",
                        {"Retry-After": str(decision.retry_after), **_rate_headers(decision)},
                    )
                outcome = execute(conn, app, policy, operation, schema=schema, compiled=compiled)
            persist(engine, outcome)
            if policy.logs_responses():
                _log_response(engine, app_id, operation.operation_name, body, outcome.payload)
            return outcome, decision

        try:
            outcome, decision = await anyio.to_thread.run_sync(run, limiter=workers)
        except TokenError as exc:
            return _errors(401, str(exc), exc.code, {"WWW-Authenticate": 'Bearer realm="satchel"'})
        except RefusedError as exc:
            return _errors(exc.status, str(exc), exc.code, exc.headers)
        return Response(
            orjson.dumps(outcome.payload), media_type="application/json", headers=_rate_headers(decision)
        )

    if settings.graphiql:

        @router.get("/graphql", include_in_schema=False)
        async def graphiql() -> HTMLResponse:
            return HTMLResponse(get_graphql_ide_html("graphiql"))

    return router


def parse_operation(body: bytes) -> Operation:
    if len(body) > MAX_BODY_BYTES:
        raise RefusedError(413, f"request body over {MAX_BODY_BYTES} bytes", "LIMIT_EXCEEDED")
    try:
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RefusedError(400, f"body is not JSON: {exc}", "BAD_REQUEST") from exc
    if isinstance(parsed, list):
        # Batches would multiply every per-request limit; one operation per request.
        raise RefusedError(
            400, "batched requests are not supported: send one operation per request", "BAD_REQUEST"
        )
    if not isinstance(parsed, dict) or not isinstance(parsed.get("query"), str):
        raise RefusedError(400, "expected a JSON object with a `query` string", "BAD_REQUEST")
    variables = parsed.get("variables")
    name = parsed.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise RefusedError(400, "`variables` must be a JSON object", "BAD_REQUEST")
    if name is not None and not isinstance(name, str):
        raise RefusedError(400, "`operationName` must be a string", "BAD_REQUEST")
    return Operation(query=parsed["query"], variables=variables, operation_name=name)


def _audit_refusal(engine: Engine, app_id: str, operation: str | None, status: int, code: str) -> None:
    with engine.begin() as conn:
        audit.record_request(
            conn, audit.AuditEntry(app_id=app_id, status=status, operation=operation, error_codes=[code])
        )


def _log_response(engine: Engine, app_id: str, operation: str | None, body: bytes, payload: Any) -> None:
    """A grant asked for full payloads (Focus's "Log Full Response Payloads"): keep the request
    and the response as sent; the daily maintenance purges them after a week."""
    with engine.begin() as conn:
        response_log.record(
            conn,
            app_id,
            operation,
            body.decode(errors="replace"),
            orjson.dumps(payload).decode(),
        )


def _rate_headers(decision: RateDecision) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_seconds),
    }


def _read_connection(engine: Engine) -> Connection:
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        # One snapshot for the whole request, so pages and nested edges agree under a concurrent sync.
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def _errors(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)
