"""`satchel apps …`: register apps and decide what they may read."""

from __future__ import annotations

import json as json_module
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Connection

from hub import access
from hub.access import apps as access_apps
from hub.access import requests as access_requests
from hub.canonical.catalogue import DATA_TYPES
from hub.cli import context
from hub.cli.output import console, emit_json, fail
from hub.store import sources as source_repo

app = typer.Typer(help="Register apps and grant or revoke their access.", no_args_is_help=True)


def _app_or_fail(conn: Connection, name: str) -> access.AppRecord:
    found = access.find_app(conn, name)
    if found is None:
        fail(f"no app named (or with client id) {name!r}; create it with `satchel apps create`")
    return found


def _source_id_or_fail(conn: Connection, name: str) -> str:
    try:
        return source_repo.get_source(conn, name).id
    except source_repo.SourceNotFoundError as exc:
        fail(str(exc))


def resolve_schools(conn: Connection, source_id: str, wanted: list[str]) -> list[str]:
    """Hub ids of the schools named by hub id or by the source's id; all of them when none named."""
    known = source_repo.schools(conn, source_id)
    if not wanted:
        if not known:
            fail("the source has no schools yet: sync it first (`satchel sync NAME`)")
        return [hub_id for hub_id, _, _ in known]
    by_any = {key: hub_id for hub_id, source_key, _ in known for key in (hub_id, source_key)}
    missing = [w for w in wanted if w not in by_any]
    if missing:
        fail(f"no school {', '.join(missing)} in this source; known: {', '.join(s for _, s, _ in known)}")
    return [by_any[w] for w in wanted]


@app.command("create")
def create(name: str, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Register an app and print its client id and secret. The secret is shown only this once."""
    with context.engine().begin() as conn:
        try:
            record, secret = access.register_app(conn, name)
        except access.DuplicateAppError as exc:
            fail(str(exc))
    if json:
        emit_json(
            {"id": record.id, "name": record.name, "client_id": record.client_id, "client_secret": secret}
        )
        return
    console.print(f"Registered [bold]{name}[/]")
    console.print(f"  client id:     {record.client_id}")
    console.print(f"  client secret: {secret}")
    console.print("[yellow]Store the secret now: Satchel keeps only a hash of it.[/]")


@app.command("grant")
def grant(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="App name or client id")],
    source: Annotated[str, typer.Option(help="The source the grant covers")],
    data_types: Annotated[str, typer.Option(help=f"Comma-separated: {', '.join(DATA_TYPES)}")],
    school: Annotated[
        list[str] | None, typer.Option(help="School (hub id or source id); default all")
    ] = None,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Grant an app data types at some (or all) schools of a source."""
    types = [t.strip() for t in data_types.split(",") if t.strip()]
    with context.engine().begin() as conn:
        record = _app_or_fail(conn, app_name)
        source_id = _source_id_or_fail(conn, source)
        schools = resolve_schools(conn, source_id, school or [])
        try:
            grants = access.grant(conn, record.id, source_id, schools, types)
        except access.GrantError as exc:
            fail(str(exc))
    rows = [{"school_id": g.school_id, "data_types": list(g.data_types)} for g in grants]
    if json:
        emit_json({"app": record.name, "source": source, "grants": rows})
    else:
        console.print(f"Granted {record.name} {', '.join(types)} at {len(rows)} school(s) of {source}")


@app.command("revoke")
def revoke(
    app_name: Annotated[str, typer.Argument(metavar="APP")],
    source: Annotated[str | None, typer.Option(help="Only this source's grants")] = None,
    school: Annotated[list[str] | None, typer.Option(help="Only these schools")] = None,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke an app's grants; it sees nothing of them from its next request on."""
    with context.engine().begin() as conn:
        record = _app_or_fail(conn, app_name)
        source_id = _source_id_or_fail(conn, source) if source else None
        if school and source_id is None:
            fail("--school needs --source")
        schools = resolve_schools(conn, source_id, school) if school and source_id else None
        count = access.revoke(conn, record.id, source_id, schools)
    if json:
        emit_json({"app": record.name, "revoked": count})
    else:
        console.print(f"Revoked {count} grant(s) of {record.name}")


@app.command("list")
def list_(json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Apps and their active grants."""
    with context.engine().connect() as conn:
        rows: list[dict[str, Any]] = []
        for record in access.list_apps(conn):
            grants = access.active_grants(conn, record.id)
            rows.append(
                {
                    "name": record.name,
                    "client_id": record.client_id,
                    "grants": [
                        {"source_id": g.source_id, "school_id": g.school_id, "data_types": list(g.data_types)}
                        for g in grants
                    ],
                }
            )
    if json:
        emit_json(rows)
        return
    table = Table("name", "client id", "grants")
    for r in rows:
        table.add_row(r["name"], r["client_id"], str(len(r["grants"])))
    console.print(table)


@app.command("rotate-secret")
def rotate_secret(
    app_name: Annotated[str, typer.Argument(metavar="APP")],
    grace_hours: Annotated[float, typer.Option(help="How long the old secret keeps working")] = 24,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Issue a new client secret; the old one keeps working for the grace period."""
    with context.engine().begin() as conn:
        record = _app_or_fail(conn, app_name)
        secret, old_expires = access_apps.rotate_secret(
            conn, record.id, "cli", grace=timedelta(hours=grace_hours)
        )
    if json:
        emit_json(
            {"client_id": record.client_id, "client_secret": secret, "old_secret_expires_at": old_expires}
        )
        return
    console.print(f"New client secret for {record.name}: {secret}")
    console.print(f"The old secret works until {old_expires:%Y-%m-%d %H:%M} UTC.")


@app.command("declare")
def declare(
    app_name: Annotated[str, typer.Argument(metavar="APP")],
    file: Annotated[
        Path,
        typer.Argument(help='JSON: {"students": {"required": [...], "optional": [...], "reason": "..."}}'),
    ],
) -> None:
    """Declare what the app asks schools for: per data type, required and optional fields, and why."""
    try:
        declaration = json_module.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"cannot read {file}: {exc}")
    with context.engine().begin() as conn:
        record = _app_or_fail(conn, app_name)
        try:
            profile = access_apps.declare_access(conn, record.id, declaration, "cli")
        except ValueError as exc:
            fail(str(exc))
    console.print(
        f"{record.name} now asks for {', '.join(profile.declaration)} (version {profile.declaration_version})"
    )


@app.command("request")
def request(
    app_name: Annotated[str, typer.Argument(metavar="APP")],
    source: Annotated[str, typer.Option(help="The source the request is for")],
    org: Annotated[
        str, typer.Option(help="School, or trust/district for all its schools (hub id or source id)")
    ],
) -> None:
    """File an access request for a school (or a trust/district) to decide in the admin UI."""
    with context.engine().begin() as conn:
        record = _app_or_fail(conn, app_name)
        source_id = _source_id_or_fail(conn, source)
        known = {
            key: hub_id
            for hub_id, source_key, _, _ in source_repo.organisations(conn, source_id)
            for key in (hub_id, source_key)
        }
        if org not in known:
            fail(f"no organisation {org!r} in {source}; see `satchel sources orgs {source}`")
        try:
            req = access_requests.request_access(conn, record.id, source_id, known[org])
        except access_requests.RequestError as exc:
            fail(str(exc))
    console.print(f"Request {req.id} is pending at {len(req.school_ids)} school(s)")
