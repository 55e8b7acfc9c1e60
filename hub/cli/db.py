"""`satchel db …`: database maintenance."""

from __future__ import annotations

import typer

from hub.cli import context
from hub.cli.output import console, emit_json
from hub.config import get_settings
from hub.store import make_engine
from hub.store.columns import utcnow
from hub.store.migrate import upgrade as apply_migrations
from hub.sync.maintenance import run_maintenance

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Apply every pending migration to SATCHEL_DATABASE_URL."""
    url = get_settings().database_url
    engine = make_engine(url)
    apply_migrations(engine)
    console.print(f"[green]✓[/] {engine.url.render_as_string(hide_password=True)} is at the latest schema")


@app.command()
def maintenance(json: bool = typer.Option(False, "--json")) -> None:
    """Purge raw payloads, tombstones past retention and expired tokens (`serve` does it daily)."""
    counts = run_maintenance(context.engine(), utcnow(), get_settings())
    if json:
        emit_json(counts)
    else:
        console.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
