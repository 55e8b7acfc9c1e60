"""Output helpers: human tables by default, stable JSON with --json for scripts."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import orjson
import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # never break an error message mid-line


def emit_json(data: Any) -> None:
    sys.stdout.write(
        orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS, default=str).decode()
    )
    sys.stdout.write("\n")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)
