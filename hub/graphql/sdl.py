"""Export the schema as SDL to schema/satchel.graphql, or check it has not drifted.

Same text as `strawberry export-schema hub.graphql.schema:schema`, without the CLI's extra
dependencies: `python -m hub.graphql.sdl` writes, `python -m hub.graphql.sdl --check` fails on drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

from strawberry.printer import print_schema

from hub.graphql.schema import schema

SDL_PATH = Path(__file__).resolve().parents[2] / "schema" / "satchel.graphql"


def sdl() -> str:
    return print_schema(schema) + "\n"


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if not SDL_PATH.exists() or SDL_PATH.read_text(encoding="utf-8") != sdl():
            print(f"{SDL_PATH} is out of date: run `python -m hub.graphql.sdl`", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
