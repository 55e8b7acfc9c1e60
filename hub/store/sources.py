"""Sources repository: configured MIS connections and their checkpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from hub.store.canonical_tables import CANONICAL_TABLES
from hub.store.columns import new_id, utcnow
from hub.store.models import SOURCES, Source


class SourceNotFoundError(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no source named {name!r}; add it with `satchel sources add`")
        self.name = name


class SourceExistsError(ValueError):
    pass


_TABLE = SOURCES


def add_source(conn: Connection, name: str, adapter: str, config: dict[str, Any]) -> str:
    source_id = new_id()
    try:
        with conn.begin_nested():
            conn.execute(
                _TABLE.insert().values(
                    id=source_id,
                    name=name,
                    adapter=adapter,
                    config=config,
                    checkpoint={},
                    created_at=utcnow(),
                )
            )
    except IntegrityError as exc:
        raise SourceExistsError(f"a source named {name!r} already exists") from exc
    return source_id


def get_source(conn: Connection, name: str) -> Source:
    row = conn.execute(select(_TABLE).where(_TABLE.c.name == name)).one_or_none()
    if row is None:
        raise SourceNotFoundError(name)
    return Source(**row._asdict())


def get_source_by_id(conn: Connection, source_id: str) -> Source:
    row = conn.execute(select(_TABLE).where(_TABLE.c.id == source_id)).one()
    return Source(**row._asdict())


def list_sources(conn: Connection) -> list[Source]:
    return [Source(**row._asdict()) for row in conn.execute(select(_TABLE).order_by(_TABLE.c.name))]


def save_checkpoint(conn: Connection, source_id: str, checkpoint: dict[str, Any]) -> None:
    conn.execute(update(_TABLE).where(_TABLE.c.id == source_id).values(checkpoint=checkpoint))


def update_config(conn: Connection, source_id: str, config: dict[str, Any]) -> None:
    conn.execute(update(_TABLE).where(_TABLE.c.id == source_id).values(config=config))


def schools(conn: Connection, source_id: str) -> list[tuple[str, str, str | None]]:
    """The live schools a source has synced: (hub id, source's id, name)."""
    return [
        (hub_id, key, name) for hub_id, key, kind, name in organisations(conn, source_id) if kind == "school"
    ]


def organisations(conn: Connection, source_id: str) -> list[tuple[str, str, str | None, str | None]]:
    """The live organisations a source has synced: (hub id, source's id, kind, name)."""
    orgs = CANONICAL_TABLES["organisation"]
    query = (
        select(orgs.c.id, orgs.c.source_record_id, orgs.c.kind, orgs.c.name)
        .where(orgs.c.source_id == source_id, orgs.c.deleted_at.is_(None))
        .order_by(orgs.c.kind, orgs.c.name)
    )
    return [(row.id, row.source_record_id, row.kind, row.name) for row in conn.execute(query)]


def set_schedule(conn: Connection, source_id: str, every_minutes: int | None) -> None:
    conn.execute(update(_TABLE).where(_TABLE.c.id == source_id).values(sync_interval_minutes=every_minutes))


def set_payload_log(conn: Connection, source_id: str, enabled: bool) -> None:
    conn.execute(update(_TABLE).where(_TABLE.c.id == source_id).values(log_payloads=enabled))
