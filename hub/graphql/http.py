"""POST /graphql (and GraphiQL on GET when enabled).

Each request is one connection and one transaction, authenticated, then executed with sync
resolvers in a worker thread, so the event loop never waits on the database.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, Engine
from strawberry.http.ides import get_graphql_ide_html
from strawberry.types import ExecutionResult

from hub.access import AccessPolicy, TokenError, authenticate_bearer
from hub.access.apps import get_app
from hub.config import Settings
from hub.graphql.context import Context
from hub.graphql.schema import schema
from hub.store.columns import utcnow


def graphql_router(engine: Engine, settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.post("/graphql", tags=["graphql"])
    async def graphql(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            query, variables, operation = _operation(body)
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _errors(400, str(exc), "BAD_REQUEST")
        authorization = request.headers.get("authorization")

        def run() -> ExecutionResult:
            with _read_connection(engine) as conn:
                app_id = authenticate_bearer(conn, authorization, utcnow())
                app = get_app(conn, app_id)
                assert app is not None  # the token's foreign key guarantees it
                context = Context(conn=conn, app=app, policy=AccessPolicy.load(conn, app_id))
                return schema.execute_sync(
                    query, variable_values=variables, context_value=context, operation_name=operation
                )

        try:
            result = await anyio.to_thread.run_sync(run)
        except TokenError as exc:
            response = _errors(401, str(exc), exc.code)
            response.headers["WWW-Authenticate"] = 'Bearer realm="satchel"'
            return response
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        return Response(orjson.dumps(payload), media_type="application/json")

    if settings.graphiql:

        @router.get("/graphql", include_in_schema=False)
        async def graphiql() -> HTMLResponse:
            return HTMLResponse(get_graphql_ide_html("graphiql"))

    return router


def _operation(body: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise ValueError("expected a JSON object with a `query` string")
    variables = body.get("variables")
    operation = body.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("`variables` must be a JSON object")
    if operation is not None and not isinstance(operation, str):
        raise ValueError("`operationName` must be a string")
    return body["query"], variables, operation


def _read_connection(engine: Engine) -> Connection:
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        # One snapshot for the whole request, so pages and nested edges agree under a concurrent sync.
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def _errors(status: int, message: str, code: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
