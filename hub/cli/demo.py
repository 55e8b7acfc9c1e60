"""`satchel demo`: a synthetic district, synced from a simulated OneRoster server, served to a demo app."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy import Connection

from adapters.oneroster.simulator import create_app as create_simulator
from adapters.sdk.simserver import BackgroundServer
from hub import access
from hub.access import apps as access_apps
from hub.access import requests as access_requests
from hub.access import users
from hub.app import create_app
from hub.cli import context
from hub.cli.output import console, fail
from hub.cli.sync import print_summary, run_with_progress
from hub.config import DEFAULT_DATA_DIR, get_settings
from hub.store import sources
from hub.synthetic import generate_district

SOURCE_NAME = "demo-oneroster"
ROSTER_DATA_TYPES = ["students", "staff", "contacts", "classes", "enrollments"]
DEMO_DATABASE = DEFAULT_DATA_DIR / "demo.db"


def demo(
    students: Annotated[int, typer.Option(help="Size of the synthetic district")] = 1000,
    port: Annotated[int, typer.Option(help="Port for the API")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic district")] = 7,
) -> None:
    """Generate a district, sync it from a simulated OneRoster 1.1 server, and serve it to a demo app."""
    if "SATCHEL_DATABASE_URL" not in os.environ:
        # A fresh database each time, so the demo always starts from the same state.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
        os.environ["SATCHEL_DATABASE_URL"] = f"sqlite:///{DEMO_DATABASE}"
    started = time.monotonic()
    engine = context.engine()
    console.print(f"Generating a district of {students} students (seed {seed}) …")
    district = generate_district(students=students, seed=seed)
    client_id, client_secret = "demo-consumer", secrets.token_urlsafe(16)
    simulator = create_simulator(district, client_id=client_id, client_secret=client_secret)

    with BackgroundServer(simulator) as sim:
        config = {
            "base_url": f"{sim.url}/ims/oneroster/v1p1",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        with engine.begin() as conn:
            try:
                sources.update_config(conn, sources.get_source(conn, SOURCE_NAME).id, config)
            except sources.SourceNotFoundError:
                sources.add_source(conn, SOURCE_NAME, "oneroster", config)
        console.print(f"Syncing from the simulated OneRoster server at {sim.url} …")
        summary = run_with_progress(SOURCE_NAME)
        print_summary(summary)
        if summary.status != "succeeded":
            fail("the demo sync failed")

    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    admin_email, admin_password = "admin@demo.satchel", secrets.token_urlsafe(12)
    with engine.begin() as conn:
        source_id = sources.get_source(conn, SOURCE_NAME).id
        app, secret = access.register_app(conn, f"Demo app {stamp}")
        schools = [hub_id for hub_id, _, _ in sources.schools(conn, source_id)]
        access.grant(conn, app.id, source_id, schools, ROSTER_DATA_TYPES)
        _pending_request(conn, source_id, f"Homework Planner {stamp}")
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
    settings = get_settings().model_copy(update={"graphiql": True, "admin_cookie_secure": False})
    uvicorn.run(create_app(engine, settings), host="127.0.0.1", port=port, log_level="warning")


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
