"""Where a GraphQL query's time goes: the same operation executed in-process (no HTTP) under
pyinstrument, through the hub's own execute() with the benchmark app's policy, in a thread
without an event loop (as `bench.execution` measures it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyinstrument import Profiler

from bench.execution import refuse_running_loop
from bench.hub_ingest import sqlite_url
from bench.profiles import describe
from hub.access import AccessPolicy, find_app
from hub.graphql.execute import Operation, execute
from hub.graphql.schema import build_schema
from hub.store import make_engine

RUNS = 5


def profile_query(db: Path, query: str, variables: dict[str, Any]) -> str:
    refuse_running_loop("profile_query")
    engine = make_engine(sqlite_url(db))
    schema = build_schema()
    operation = Operation(query=query, variables=variables)
    with engine.connect() as conn:
        app = find_app(conn, "Satchel benchmark")
        assert app is not None
        policy = AccessPolicy.load(conn, app.id)
        execute(conn, app, policy, operation, schema=schema)  # warm-up
        profiler = Profiler(interval=0.001)
        profiler.start()
        for _ in range(RUNS):
            execute(conn, app, policy, operation, schema=schema)
        profiler.stop()
    engine.dispose()
    return f"{RUNS} executions in-process:\n" + describe(profiler)
