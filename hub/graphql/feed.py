"""The change feed: every insert, update and deletion an app may see, in change-version order,
plus the catch-up a change of the app's scope calls for (docs/adr/0005-change-feed.md).

A cursor records where the app is in the store's change versions and, by hash, the scope it had
then. When the scope now differs, the feed first sends a catch-up: DELETE for rows that left the
app's scope, UPSERT for rows that entered it (or whose granted fields changed). Then it goes on
with rows changed after the cursor, under today's scope.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import Table

from hub.access import AccessPolicy
from hub.access.policy import PERSON_DATA_TYPES
from hub.graphql.context import Context
from hub.graphql.errors import BadArgumentError
from hub.graphql.node_types import SCOPED_NODES
from hub.graphql.types import CLASSES, COURSES, ENROLLMENTS, PEOPLE, SESSIONS
from hub.store import audit, reads

# The entity tables of the feed, in the order rows of one change version are sent.
FEED_TABLES: tuple[tuple[str, Table, tuple[str, ...]], ...] = (
    ("AcademicSession", SESSIONS, ("classes",)),
    ("Course", COURSES, ("classes",)),
    ("Class", CLASSES, ("classes",)),
    ("Person", PEOPLE, ("students", "staff", "contacts")),
    ("Enrollment", ENROLLMENTS, ("enrollments",)),
    # After the roster, so cursors issued before these were served keep their table indexes.
    *((name, table, (data_type,)) for name, (table, data_type, _) in SCOPED_NODES.items()),
)
_PREFIX = "satchel:changes:v1:"
DELETE_STEP, UPSERT_STEP = 0, 1


@dataclass(frozen=True)
class Cursor:
    types: tuple[str, ...]
    # The last row sent in change-version order: (change_version, table index, id).
    version: int
    table: int
    after_id: str | None
    # Scopes (hashes) whose rows the app may hold, and the scope it holds fully up to `version`.
    held: tuple[str, ...]
    synced: str
    # A catch-up in progress: (target scope hash, step, table index, last id sent).
    catchup: tuple[str, int, int, str] | None = None

    def encode(self) -> str:
        body = orjson.dumps(
            {
                "k": self.types,
                "v": self.version,
                "t": self.table,
                "i": self.after_id,
                "h": self.held,
                "s": self.synced,
                "c": self.catchup,
            }
        )
        return base64.urlsafe_b64encode(_PREFIX.encode() + body).decode()

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            text = base64.urlsafe_b64decode(value.encode())
            if not text.startswith(_PREFIX.encode()):
                raise ValueError
            d = orjson.loads(text[len(_PREFIX) :])
            catchup = d["c"]
            return cls(
                types=tuple(d["k"]),
                version=int(d["v"]),
                table=int(d["t"]),
                after_id=d["i"],
                held=tuple(d["h"]),
                synced=str(d["s"]),
                catchup=None
                if catchup is None
                else (str(catchup[0]), int(catchup[1]), int(catchup[2]), str(catchup[3])),
            )
        except (binascii.Error, ValueError, KeyError, TypeError, IndexError, orjson.JSONDecodeError) as exc:
            raise BadArgumentError(
                "`after` is not a change-feed cursor this API issued", argument="after"
            ) from exc


@dataclass
class FeedEvent:
    cursor: str
    type_name: str
    hub_id: str
    upsert: bool
    change_version: int
    data_type: str
    row: dict[str, Any]


@dataclass
class FeedPage:
    events: list[FeedEvent]
    end_cursor: str
    has_next: bool


def digest(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def read_changes(ctx: Context, types: tuple[str, ...], after: str | None, first: int) -> FeedPage:
    snapshot = ctx.policy.snapshot()
    now = digest(snapshot)
    ctx.snapshots[now] = snapshot
    if after is None:
        cursor = Cursor(types=types, version=0, table=-1, after_id=None, held=(now,), synced=now)
    else:
        cursor = Cursor.decode(after)
        if cursor.types != types:
            raise BadArgumentError(
                "`types` must be the same as when this cursor was issued", argument="types"
            )
    policies = _load_policies(ctx, cursor, now)

    if cursor.catchup is None and (cursor.held != (now,) or cursor.synced != now):
        cursor = replace(cursor, catchup=(now, DELETE_STEP, 0, ""))
    elif cursor.catchup is not None and cursor.catchup[0] != now:
        # The scope changed again mid catch-up: the app may hold rows of the old target too.
        held = tuple(dict.fromkeys((*cursor.held, cursor.catchup[0])))
        cursor = replace(cursor, held=held, catchup=(now, DELETE_STEP, 0, ""))

    events: list[FeedEvent] = []
    cursor = _catch_up(ctx, cursor, policies, now, events, first)
    has_next = cursor.catchup is not None
    if not has_next and len(events) < first:
        cursor, has_next = _changed(ctx, cursor, events, first)
    return FeedPage(events=events, end_cursor=cursor.encode(), has_next=has_next)


def _load_policies(ctx: Context, cursor: Cursor, now: str) -> dict[str, AccessPolicy]:
    wanted = {*cursor.held, cursor.synced, *([cursor.catchup[0]] if cursor.catchup else [])}
    snapshots = {h: s for h, s in ctx.snapshots.items() if h in wanted}
    snapshots.update(audit.load_scopes(ctx.conn, ctx.app.id, wanted - set(snapshots)))
    if set(snapshots) != wanted:
        raise BadArgumentError("this cursor has expired; start again with `after: null`", argument="after")
    return {h: AccessPolicy.from_snapshot(ctx.app.id, s) for h, s in snapshots.items()} | {now: ctx.policy}


def _catch_up(
    ctx: Context,
    cursor: Cursor,
    policies: dict[str, AccessPolicy],
    now: str,
    events: list[FeedEvent],
    first: int,
) -> Cursor:
    """DELETEs for rows that left the scope, then UPSERTs for rows that entered it, table by table."""
    held = [policies[h] for h in cursor.held]
    synced = ctx.policy.unchanged_since(policies[cursor.synced])
    while cursor.catchup is not None and len(events) < first:
        target, step, index, after_id = cursor.catchup
        if index >= len(FEED_TABLES):
            if step == DELETE_STEP:
                cursor = replace(cursor, catchup=(target, UPSERT_STEP, 0, ""))
            else:
                cursor = replace(cursor, held=(now,), synced=now, catchup=None)
            continue
        type_name, table, all_types = FEED_TABLES[index]
        data_types = [t for t in all_types if t in cursor.types]
        room = first - len(events)
        rows: list[dict[str, Any]] = []
        if data_types:
            visible = (
                ctx.policy.left_scope(table, data_types, held, cursor.version)
                if step == DELETE_STEP
                else ctx.policy.entered_scope(table, data_types, synced, cursor.version)
            )
            rows = reads.in_id_order(ctx.conn, table, visible, after_id, room)
        for row in rows:
            cursor = replace(cursor, catchup=(target, step, index, row["id"]))
            events.append(_event(cursor, type_name, row, upsert=step == UPSERT_STEP))
        if len(rows) < room:
            cursor = replace(cursor, catchup=(target, step, index + 1, ""))
    return cursor


def _changed(ctx: Context, cursor: Cursor, events: list[FeedEvent], first: int) -> tuple[Cursor, bool]:
    """Rows changed after the cursor, merged across tables in (change_version, table) order."""
    room = first - len(events)
    streams = []
    for index, (type_name, table, all_types) in enumerate(FEED_TABLES):
        data_types = [t for t in all_types if t in cursor.types]
        if not data_types:
            continue
        if index > cursor.table:
            version, after_id = cursor.version - 1, None  # this version's rows not sent yet
        elif index == cursor.table:
            version, after_id = cursor.version, cursor.after_id
        else:
            version, after_id = cursor.version, None
        visible = ctx.policy.filter_for(table, data_types, include_deleted=True)
        rows = reads.changed_after(ctx.conn, table, visible, version, after_id, room + 1)
        # Keep each table's SQL order (ids may collate differently in Python than in the database).
        streams.append([(r["change_version"], index, n, type_name, r) for n, r in enumerate(rows)])
    merged = list(heapq.merge(*streams, key=lambda item: item[:3]))
    for version, index, _, type_name, row in merged[:room]:
        cursor = replace(cursor, version=version, table=index, after_id=row["id"])
        events.append(_event(cursor, type_name, row, upsert=row["deleted_at"] is None))
    return cursor, len(merged) > room


def _event(cursor: Cursor, type_name: str, row: dict[str, Any], *, upsert: bool) -> FeedEvent:
    data_type = PERSON_DATA_TYPES_BY_ROLE.get(row.get("role") or "", "") if type_name == "Person" else ""
    if type_name == "Enrollment":
        data_type = "enrollments"
    elif type_name in SCOPED_NODES:
        data_type = SCOPED_NODES[type_name][1]
    elif type_name != "Person":
        data_type = "classes"
    return FeedEvent(
        cursor=cursor.encode(),
        type_name=type_name,
        hub_id=row["id"],
        upsert=upsert,
        change_version=row["change_version"],
        data_type=data_type,
        row=row,
    )


PERSON_DATA_TYPES_BY_ROLE = {role: dt for dt, role in PERSON_DATA_TYPES.items()}
