"""The bare ASGI floor: no framework, no auth, no policy — POST /floor/<query>/<serialiser> with
the query's arguments as a JSON body, answered by floor_sql on a per-thread sqlite3 connection
in a worker thread (as the hub runs its resolvers), on the same uvicorn stack as the hub."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import orjson

from bench import floor_sql

Handler = Callable[[sqlite3.Connection, dict[str, Any]], bytes]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "/floor/schools/orjson": lambda c, a: floor_sql.schools_orjson(c),
    "/floor/schools/sqljson": lambda c, a: floor_sql.schools_orjson(c),
    "/floor/students/orjson": lambda c, a: floor_sql.students_orjson(
        c, a["schools"], a["first"], a.get("schoolAfter")
    ),
    "/floor/students/sqljson": lambda c, a: floor_sql.students_sqljson(
        c, a["schools"], a["first"], a.get("schoolAfter")
    ),
    "/floor/enrollments/orjson": lambda c, a: floor_sql.enrollments_orjson(
        c, a.get("schoolAfter"), a.get("after"), a["first"]
    ),
    "/floor/enrollments/sqljson": lambda c, a: floor_sql.enrollments_sqljson(
        c, a.get("schoolAfter"), a.get("after"), a["first"]
    ),
    "/floor/nested/orjson": lambda c, a: floor_sql.nested_orjson(c, a["classes"]),
}


class FloorApp:
    def __init__(self, db: Path) -> None:
        self.db = db
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db)
            self._local.conn = conn
        return conn

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        handler = HANDLERS.get(scope["path"])
        if handler is None:
            await respond(send, 404, b'{"error":"not found"}')
            return
        args = orjson.loads(body) if body else {}
        payload = await anyio.to_thread.run_sync(lambda: handler(self._conn(), args))
        await respond(send, 200, payload)


async def respond(send: Send, status: int, body: bytes) -> None:
    """A whole JSON response (also bench.server_clock's)."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
