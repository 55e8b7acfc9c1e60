"""The `satchel` command line."""

from __future__ import annotations

import typer

from hub.cli import apps, db, demo, serve, sources, sync, users

cli = typer.Typer(
    name="satchel",
    help="Satchel: read school MIS data into one canonical model and serve it to approved apps.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
cli.command("demo")(demo.demo)
cli.command("serve")(serve.serve)
cli.add_typer(db.app, name="db")
cli.add_typer(sources.app, name="sources")
cli.add_typer(sync.app, name="sync")
cli.add_typer(apps.app, name="apps")
cli.add_typer(users.app, name="users")


def main() -> None:
    cli()
