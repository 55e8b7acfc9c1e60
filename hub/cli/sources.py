"""`satchel sources …`: configure and test MIS connections."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.table import Table

from adapters.sdk import AdapterError, registry
from hub.admin.source_check import run_check
from hub.cli import context
from hub.cli.output import console, emit_json, fail
from hub.store import sources as repo

app = typer.Typer(help="Configure and test MIS connections.", no_args_is_help=True)

SECRET_KEYS = ("client_secret", "password", "api_key")


def parse_options(options: list[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key:
            fail(f"--option takes KEY=VALUE, got {option!r}")
        parsed[key.strip()] = value.strip()
    return parsed


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A name for this source, e.g. lincoln-oneroster")],
    adapter: Annotated[str, typer.Option(help="oneroster, focus, arbor or a plugin adapter")],
    url: Annotated[str | None, typer.Option(help="Base URL of the source's API")] = None,
    path: Annotated[str | None, typer.Option(help="File or folder for file-based sources")] = None,
    client_id: Annotated[str | None, typer.Option()] = None,
    client_secret: Annotated[str | None, typer.Option()] = None,
    version: Annotated[str | None, typer.Option(help="Dialect version, e.g. 1.1 or 1.2")] = None,
    option: Annotated[list[str] | None, typer.Option(help="Adapter option KEY=VALUE (repeatable)")] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Add a source. The config is checked against the adapter's schema before it is saved."""
    if (url is None) == (path is None):
        fail("give exactly one of --url or --path")
    config: dict[str, Any] = {"base_url": url} if url else {"path": path}
    for key, value in (("client_id", client_id), ("client_secret", client_secret), ("version", version)):
        if value is not None:
            config[key] = value
    config.update(parse_options(option or []))
    try:
        registry.create(adapter, config)
    except AdapterError as exc:
        fail(str(exc))
    with context.engine().begin() as conn:
        try:
            source_id = repo.add_source(conn, name, adapter, config)
        except repo.SourceExistsError as exc:
            fail(str(exc))
    if json:
        emit_json({"id": source_id, "name": name, "adapter": adapter})
    else:
        console.print(
            f"Added source [bold]{name}[/] ({adapter}). Check it with `satchel sources test {name}`."
        )


@app.command("list")
def list_(json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List configured sources (secrets masked)."""
    with context.engine().connect() as conn:
        rows: list[dict[str, Any]] = [
            {
                "id": s.id,
                "name": s.name,
                "adapter": s.adapter,
                "config": {k: ("***" if k in SECRET_KEYS else v) for k, v in s.config.items()},
                "checkpoint": s.checkpoint,
            }
            for s in repo.list_sources(conn)
        ]
    if json:
        emit_json(rows)
        return
    table = Table("name", "adapter", "where", "id")
    for row in rows:
        table.add_row(
            row["name"],
            row["adapter"],
            str(row["config"].get("base_url") or row["config"].get("path")),
            row["id"],
        )
    console.print(table)


@app.command("test")
def check_connection(name: str, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Test the connection: reach the source, authenticate, check it speaks the dialect."""
    with context.engine().connect() as conn:
        try:
            source = repo.get_source(conn, name)
        except repo.SourceNotFoundError as exc:
            fail(str(exc))
    result = asyncio.run(run_check(source))
    if json:
        emit_json({"ok": result.ok, "message": result.message, "details": result.details})
    else:
        console.print(f"[green]✓[/] {result.message}" if result.ok else f"[red]✗[/] {result.message}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("orgs")
def orgs(name: str, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The organisations (district, trusts, schools) a source has synced, with their hub ids."""
    with context.engine().connect() as conn:
        try:
            source = repo.get_source(conn, name)
        except repo.SourceNotFoundError as exc:
            fail(str(exc))
        rows = [
            {"id": hub_id, "source_id": source_key, "kind": kind, "name": org_name}
            for hub_id, source_key, kind, org_name in repo.organisations(conn, source.id)
        ]
    if json:
        emit_json(rows)
        return
    table = Table("kind", "name", "source id", "hub id")
    for row in rows:
        table.add_row(row["kind"], row["name"], row["source_id"], row["id"])
    console.print(table)


@app.command("schedule")
def schedule(
    name: str,
    every: Annotated[
        int | None, typer.Option(help="Sync every N minutes while `satchel serve` runs", min=5)
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Only sync when asked")] = False,
) -> None:
    """Set how often `satchel serve` syncs this source."""
    if (every is None) == (not off):
        fail("give --every MINUTES or --off")
    with context.engine().begin() as conn:
        try:
            repo.set_schedule(conn, repo.get_source(conn, name).id, None if off else every)
        except repo.SourceNotFoundError as exc:
            fail(str(exc))
    console.print(
        f"{name}: "
        + ("synced only when asked" if off else f"synced every {every} minutes by `satchel serve`")
    )


@app.command("payload-log")
def payload_log(
    name: str,
    on: Annotated[bool, typer.Option("--on/--off", help="Keep raw responses of each run (7 days)")],
) -> None:
    """Keep every raw response of this source's runs for troubleshooting (purged after 7 days)."""
    with context.engine().begin() as conn:
        try:
            repo.set_payload_log(conn, repo.get_source(conn, name).id, on)
        except repo.SourceNotFoundError as exc:
            fail(str(exc))
    console.print(f"{name}: raw payload log {'on' if on else 'off'}")
