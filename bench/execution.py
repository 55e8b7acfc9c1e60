"""What the compiler buys, execution alone: the same operation through the hub's own execute() with
the compiled path on and off, in this process, with the benchmark app's policy — no HTTP, token,
rate limit or audit write, which both paths pay alike and which cap any speed-up measured over
HTTP at (plain strawberry ÷ the bare floor). The calling thread's CPU time (`time.thread_time`,
not the process's, which also counts other threads' work) of execute() plus serialising the
payload with orjson (as the HTTP handler does), interleaved so a noisy neighbour slows both alike."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.hub_ingest import sqlite_url
from bench.stats import median
from hub.access import AccessPolicy, AppRecord, find_app
from hub.app import settle_heap
from hub.graphql.compiled import NotCompiledError, execute_compiled
from hub.graphql.context import Context
from hub.graphql.execute import Operation, execute
from hub.graphql.schema import SatchelSchema, build_schema
from hub.store import make_engine


@dataclass(frozen=True)
class ExecutionTimes:
    compiled_ms: float
    resolvers_ms: float
    compiled_path: bool  # the compiled path answered (it falls back to the resolvers otherwise)


def execution_times(db: Path, query: str, variables: dict[str, Any], repetitions: int) -> ExecutionTimes:
    """Median thread CPU ms of `execute()` + orjson per path. Refused on a thread running an asyncio
    loop: the server executes GraphQL in worker threads without one, and plain strawberry's
    `execute_sync` measured ~40% faster with a loop running in its thread (nested query: 184-215
    ms against 342-344 ms, alternating processes), which would understate what the compiler buys."""
    refuse_running_loop("execution_times")
    engine = make_engine(sqlite_url(db))
    schema = build_schema()
    operation = Operation(query=query, variables=variables)
    seconds: dict[bool, list[float]] = {True: [], False: []}
    try:
        with engine.connect() as conn:
            app = find_app(conn, "Satchel benchmark")
            assert app is not None
            policy = AccessPolicy.load(conn, app.id)
            answers = {}
            for compiled in (True, False):  # warm-up, and both must answer alike
                outcome = execute(conn, app, policy, operation, schema=schema, compiled=compiled)
                answers[compiled] = outcome.plain_payload()
            if answers[True] != answers[False]:
                raise AssertionError("the compiled path and the resolvers answered differently")
            settle_heap()  # as the server does before serving (hub.app)
            for _ in range(repetitions):
                for compiled in (True, False):
                    started = time.thread_time()
                    outcome = execute(conn, app, policy, operation, schema=schema, compiled=compiled)
                    orjson.dumps(outcome.payload)
                    seconds[compiled].append(time.thread_time() - started)
            compiled_path = _answered_compiled(conn, app, policy, operation, schema)
    finally:
        engine.dispose()
    return ExecutionTimes(median(seconds[True]) * 1000, median(seconds[False]) * 1000, compiled_path)


def _answered_compiled(
    conn: Any, app: AppRecord, policy: AccessPolicy, operation: Operation, schema: SatchelSchema
) -> bool:
    ctx = Context(conn=conn, app=app, policy=policy)
    try:
        return (
            execute_compiled(
                schema._schema, ctx, operation.query, operation.variables, operation.operation_name
            )
            is not None
        )
    except NotCompiledError:
        return False


def refuse_running_loop(what: str) -> None:
    """Raise if this thread runs an asyncio loop: measure and profile GraphQL as it is served."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"{what} runs outside an event loop, as the server's GraphQL workers do")
