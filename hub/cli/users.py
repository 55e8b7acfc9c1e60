"""`satchel users …`: the people who decide for schools (operators, trust and school admins)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hub.access import users as repo
from hub.cli import context
from hub.cli.output import console, emit_json, fail

app = typer.Typer(help="Admin users: operators, trust/district admins, school admins.", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("create")
def create(
    email: str,
    role: Annotated[repo.Role, typer.Option(help="operator, trust_admin or school_admin")],
    org: Annotated[
        list[str] | None, typer.Option(help="Organisation hub id (repeatable; see `satchel sources orgs`)")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin")
    ] = False,
    json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an admin who can sign in at /admin."""
    password = _password(password_stdin)
    with context.engine().begin() as conn:
        try:
            user = repo.create_user(conn, email, password, role, org or [], name)
        except repo.UserError as exc:
            fail(str(exc))
    if json:
        emit_json({"id": user.id, "email": user.email, "role": str(user.role)})
    else:
        console.print(f"Created {user.role} {user.email}")


@app.command("list")
def list_(json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Admin users."""
    with context.engine().connect() as conn:
        rows = [
            {"id": u.id, "email": u.email, "role": str(u.role), "disabled": u.disabled_at is not None}
            for u in repo.list_users(conn)
        ]
    if json:
        emit_json(rows)
        return
    for row in rows:
        console.print(f"{row['email']:<40} {row['role']:<14} {'disabled' if row['disabled'] else ''}")
