"""`satchel db …`: database maintenance."""

from __future__ import annotations

import typer

from hub.cli.output import console
from hub.config import get_settings
from hub.store import make_engine
from hub.store.migrate import upgrade as apply_migrations

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Apply every pending migration to SATCHEL_DATABASE_URL."""
    url = get_settings().database_url
    engine = make_engine(url)
    apply_migrations(engine)
    console.print(f"[green]✓[/] {engine.url.render_as_string(hide_password=True)} is at the latest schema")
