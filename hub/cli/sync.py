"""`satchel sync …`: run syncs and show their history."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from hub.cli import context
from hub.cli.output import console, emit_json, fail
from hub.store import runs
from hub.store import sources as repo
from hub.sync import RunSummary, sync_source
from hub.sync.engine import Progress as SyncProgress
from hub.sync.locks import SourceBusyError


class _RunByDefault(TyperGroup):
    """`satchel sync NAME` means `satchel sync run NAME`; `satchel sync history` stays a subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(help="Sync sources into the store.", cls=_RunByDefault, no_args_is_help=False)


class RecordRateColumn(ProgressColumn):
    """Records per second, so an operator sees a slow source at a glance."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:>7,.0f} rec/s", style="progress.data.speed")


def run_with_progress(
    name: str, *, full: bool = False, force: bool = False, quiet: bool = False
) -> RunSummary:
    """Sync one source, drawing a progress bar per stream unless quiet."""
    engine = context.engine()
    if quiet:
        return sync_source(engine, name, full=full, force=force)
    columns = (
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        RecordRateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bars:
        tasks: dict[str, TaskID] = {}

        def report(event: SyncProgress) -> None:
            if event.stream not in tasks:
                tasks[event.stream] = bars.add_task(event.stream, total=event.total)
            bars.update(tasks[event.stream], completed=event.done, total=event.total or event.done)

        return sync_source(engine, name, full=full, force=force, progress=report)


def print_summary(summary: RunSummary) -> None:
    table = Table(title=summary.source)
    table.add_column("entity", no_wrap=True)
    for column in ("read", "inserted", "updated", "unchanged", "tombstoned", "quarantined"):
        table.add_column(column, justify="right")
    for entity, c in summary.counts.items():
        table.add_row(entity, *(str(v) for v in vars(c).values()))
    console.print(table)
    for entity, reject in summary.quarantined[:20]:
        console.print(
            f"  [yellow]quarantined[/] {entity} {reject.source_record_id or '?'} {reject.field or ''}: {reject.reason} ({reject.location})"
        )
    if len(summary.quarantined) > 20:
        console.print(f"  … and {len(summary.quarantined) - 20} more (see `satchel sync history --json`)")
    if summary.status == "succeeded":
        console.print(f"[green]✓[/] {summary.mode} sync of {summary.source} succeeded")
    else:
        console.print(f"[red]✗[/] sync of {summary.source} failed: {summary.error}")


@app.command("run")
def sync(
    name: Annotated[str | None, typer.Argument(help="The source to sync")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Sync every source")] = False,
    full: Annotated[bool, typer.Option(help="Ignore checkpoints: read everything, detect deletions")] = False,
    force: Annotated[bool, typer.Option(help="Apply even past the deletion guard")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON")] = False,
) -> None:
    """Sync NAME (or --all): read the source, apply the changes in one transaction, print a summary."""
    if all_ == (name is not None):
        fail("give a source NAME or --all")
    if all_:
        with context.engine().connect() as conn:
            names = [s.name for s in repo.list_sources(conn)]
    else:
        names = [name or ""]
    summaries = []
    for source_name in names:
        try:
            summary = run_with_progress(source_name, full=full, force=force, quiet=json)
        except (repo.SourceNotFoundError, SourceBusyError) as exc:
            fail(f"{source_name}: {exc}")
        summaries.append(summary)
        if not json:
            print_summary(summary)
    if json:
        emit_json([s.as_dict() for s in summaries] if all_ else summaries[0].as_dict())
    if any(s.status != "succeeded" for s in summaries):
        raise typer.Exit(1)


@app.command("history")
def history(
    name: Annotated[str | None, typer.Argument(help="Only this source")] = None,
    limit: Annotated[int, typer.Option(help="How many runs")] = 20,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recent sync runs: when, how they ended, what they changed."""
    with context.engine().connect() as conn:
        source_id = None
        if name:
            try:
                source_id = repo.get_source(conn, name).id
            except repo.SourceNotFoundError as exc:
                fail(str(exc))
        names = {s.id: s.name for s in repo.list_sources(conn)}
        rows = [
            {
                "run_id": r.id,
                "source": names.get(r.source_id, r.source_id),
                "mode": r.mode,
                "status": r.status,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "totals": r.counts.get("totals", {}),
                "error": r.error,
                "quarantined": [
                    {
                        "entity": q.entity,
                        "record_id": q.source_record_id,
                        "field": q.field,
                        "reason": q.reason,
                        "location": q.location,
                    }
                    for q in runs.quarantined_for_run(conn, r.id)
                ],
            }
            for r in runs.list_runs(conn, source_id, limit)
        ]
    if json:
        emit_json(rows)
        return
    table = Table("started", "source", "mode", "status", "ins", "upd", "del", "quar", "error")
    for row in rows:
        t = row["totals"]
        table.add_row(
            f"{row['started_at']:%Y-%m-%d %H:%M:%S}",
            row["source"],
            row["mode"],
            row["status"],
            *(str(t.get(k, "")) for k in ("inserted", "updated", "tombstoned", "quarantined")),
            row["error"] or "",
        )
    console.print(table)
