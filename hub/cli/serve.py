"""`satchel serve`: the GraphQL API and OAuth endpoint."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from hub.app import create_app
from hub.cli import context
from hub.config import get_settings


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Serve /graphql, /oauth/token and /health (migrating the database first)."""
    app = create_app(context.engine(), get_settings())
    uvicorn.run(app, host=host, port=port, log_level="info")
