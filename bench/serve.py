"""A server in its own process (so the load generator does not share its GIL, and its peak RSS is
its own): `python -m bench.serve hub|floor DB`. Prints its URL, serves until stdin closes, and
times every request it serves (bench.server_clock)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from adapters.sdk.simserver import BackgroundServer
from bench.server_clock import ServerClock
from hub.app import settle_heap


def make_app(kind: str, db: Path) -> Any:
    if kind == "hub":
        from hub.app import create_app
        from hub.config import Settings
        from hub.store import make_engine

        return create_app(make_engine(f"sqlite:///{db}"), Settings())
    if kind == "floor":
        from bench.floor_app import FloorApp

        return FloorApp(db)
    raise SystemExit(f"unknown server kind {kind!r}")


def main(kind: str, db: Path) -> None:
    app = make_app(kind, db)
    settle_heap()  # as `satchel serve` does, for the floor too: both servers alike
    # The clock's own cost is two perf_counter calls a request, alike on every server.
    with BackgroundServer(ServerClock(app)) as server:
        sys.stdout.write(server.url + "\n")
        sys.stdout.flush()
        sys.stdin.read()  # until the parent closes our stdin


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
