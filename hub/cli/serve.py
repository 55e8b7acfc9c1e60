"""`satchel serve`: the GraphQL API and OAuth endpoint."""

from __future__ import annotations

import threading
from typing import Annotated

import typer
import uvicorn

from hub.app import create_app, settle_heap
from hub.cli import context
from hub.config import get_settings
from hub.sync.scheduler import Scheduler


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    scheduler: Annotated[bool, typer.Option(help="Run scheduled syncs and the daily maintenance")] = True,
) -> None:
    """Serve /graphql, /oauth/token, /admin and /health; run scheduled syncs (migrating the database first)."""
    engine, settings = context.engine(), get_settings()
    stop = threading.Event()
    if scheduler:
        threading.Thread(
            target=Scheduler(engine, settings).run, args=(stop,), name="scheduler", daemon=True
        ).start()
    try:
        app = create_app(engine, settings)
        settle_heap()
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        stop.set()
