"""`satchel demo`: synthetic schools synced from simulated OneRoster, Focus and Arbor servers, served to a demo app."""

from __future__ import annotations

import os
import secrets
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import Connection

from adapters.sdk.simserver import BackgroundServer
from hub import access
from hub.access import apps as access_apps
from hub.access import requests as access_requests
from hub.access import users
from hub.app import create_app, settle_heap
from hub.canonical.catalogue import DATA_TYPES
from hub.cli import context
from hub.cli.demo_sources import DEMO_SOURCES
from hub.cli.output import console, fail
from hub.cli.sync import print_summary, run_with_progress
from hub.config import DEFAULT_DATA_DIR, get_settings
from hub.store import sources

DEMO_DATABASE = DEFAULT_DATA_DIR / "demo.db"


def demo(
    students: Annotated[int, typer.Option(help="Size of the synthetic district")] = 1000,
    port: Annotated[int, typer.Option(help="Port for the API")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic district")] = 7,
) -> None:
    """Sync synthetic schools from simulated OneRoster, Focus and Arbor servers and serve them to a demo app."""
    if "SATCHEL_DATABASE_URL" not in os.environ:
        # A fresh database each time, so the demo always starts from the same state.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
        os.environ["SATCHEL_DATABASE_URL"] = f"sqlite:///{DEMO_DATABASE}"
    started = time.monotonic()
    engine = context.engine()
    secret_of = {source.name: secrets.token_urlsafe(16) for source in DEMO_SOURCES}
    with ExitStack() as servers:
        for source in DEMO_SOURCES:
            console.print(f"Starting a simulated {source.dialect} …")
            server = servers.enter_context(
                BackgroundServer(source.serve(students, seed, secret_of[source.name]))
            )
            config = source.config(server.url, secret_of[source.name])
            with engine.begin() as conn:
                try:
                    sources.update_config(conn, sources.get_source(conn, source.name).id, config)
                except sources.SourceNotFoundError:
                    sources.add_source(conn, source.name, source.adapter, config)
            summary = run_with_progress(source.name)
            print_summary(summary)
            if summary.status != "succeeded":
                fail(f"the demo sync of {source.name} failed")

    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    admin_email, admin_password = "admin@demo.satchel", secrets.token_urlsafe(12)
    with engine.begin() as conn:
        app, secret = access.register_app(conn, f"Demo app {stamp}")
        for source in DEMO_SOURCES:
            source_id = sources.get_source(conn, source.name).id
            schools = [hub_id for hub_id, _, _ in sources.schools(conn, source_id)]
            access.grant(conn, app.id, source_id, schools, list(DATA_TYPES))
        _pending_request(conn, sources.get_source(conn, DEMO_SOURCES[0].name).id, f"Homework Planner {stamp}")
        existing = users.find_user(conn, admin_email)
        if existing is None:
            users.create_user(conn, admin_email, admin_password, users.Role.OPERATOR, name="Demo operator")
        else:  # a reused database (SATCHEL_DATABASE_URL): give the operator this run's password
            users.set_password(conn, existing.id, admin_password)

    base = f"http://127.0.0.1:{port}"
    console.print(
        f"\n[bold green]Satchel is ready[/] ({time.monotonic() - started:.0f}s). A demo app may read every school:\n"
    )
    console.print(f"  client id:     {app.client_id}\n  client secret: {secret}\n")
    console.print("Get a token:")
    console.print(
        f"  TOKEN=$(curl -s -u '{app.client_id}:{secret}' -d grant_type=client_credentials {base}/oauth/token "
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')",
        soft_wrap=True,
    )
    console.print("Query students:")
    query = '{"query": "{ schools { edges { node { name students(first: 5) { edges { node { givenName familyName grades } } } } } } }"}'
    console.print(
        f"  curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{query}' {base}/graphql",
        soft_wrap=True,
    )
    console.print(f"\nGraphiQL: {base}/graphql   Health: {base}/health")
    console.print(
        f"Admin UI: {base}/admin   sign in as {admin_email} / {admin_password} (one request is pending)"
    )
    console.print("Stop: Ctrl-C\n")
    # Plain HTTP on loopback: admin cookies cannot be Secure-only here.
    settings = get_settings().model_copy(
        update={"graphiql": True, "admin_cookie_secure": False, "admin_secret_key": secrets.token_urlsafe(32)}
    )
    hub_app = create_app(engine, settings)
    settle_heap()
    uvicorn.run(hub_app, host="127.0.0.1", port=port, log_level="warning")


def _pending_request(conn: Connection, source_id: str, name: str) -> None:
    """A second app asking the district for students and classes, for the admin UI to decide."""
    app, _ = access.register_app(conn, name)
    declaration = {
        "students": {
            "required": ["given_name", "family_name", "grades"],
            "optional": ["email", "date_of_birth"],
            "reason": "Pupils see their homework by class; email sends reminders.",
        },
        "classes": {
            "required": ["title", "code", "course_id"],
            "optional": [],
            "reason": "Homework is set per class.",
        },
    }
    access_apps.declare_access(conn, app.id, declaration, "demo")
    district = next(
        hub_id for hub_id, _, kind, _ in sources.organisations(conn, source_id) if kind == "district"
    )
    access_requests.request_access(conn, app.id, source_id, district)
