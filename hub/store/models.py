"""The hub's own tables: sources, sync runs, quarantine, apps, grants and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, MetaData, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.store.columns import UTCDateTime, new_id, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Source(Base):
    """A configured MIS connection: which adapter, its config, and where incremental reads resume."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    adapter: Mapped[str] = mapped_column(String(50))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checkpoint: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # `satchel serve` syncs the source every this many minutes; NULL = only when asked.
    sync_interval_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Keep every raw response of its runs for troubleshooting (purged after 7 days).
    log_payloads: Mapped[bool] = mapped_column(default=False, server_default="0")


class RawPayload(Base):
    """A raw source response kept for troubleshooting when the source logs payloads."""

    __tablename__ = "raw_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SyncRun(Base):
    """One sync of one source: what it read and changed, or why it failed."""

    __tablename__ = "sync_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(20))  # full | incremental
    status: Mapped[str] = mapped_column(String(20))  # running | succeeded | failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class QuarantinedRecord(Base):
    """A source record a run refused, with the reason. Nothing is dropped silently."""

    __tablename__ = "quarantined_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(50))
    source_record_id: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)  # file and row, or URL and page


class App(Base):
    """A vendor's application. The client secret is kept only as a SHA-256 hash."""

    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]
    # Bumped by triggers on every write to this app's grants (migration 0007g): a policy built at
    # one version is current while the version is (hub.access.policy_cache).
    grants_version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Grant(Base):
    """What one school allowed one app to read from one source."""

    __tablename__ = "grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    school_id: Mapped[str] = mapped_column(String(36))  # hub id of the school organisation
    data_types: Mapped[list[str]] = mapped_column(default=list)
    # Data type → the field names granted for it; NULL (or a data type absent) means every field.
    fields: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AccessToken(Base):
    """An issued bearer token, stored hashed so a database leak leaks no usable token."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Counter(Base):
    """Named monotonic counters; `change_version` orders every applied change in the store."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


# Core handles on the same tables, for bulk statements over a Connection.
SOURCES = _table(Source)
SYNC_RUNS = _table(SyncRun)
QUARANTINE = _table(QuarantinedRecord)
APPS = _table(App)
GRANTS = _table(Grant)
ACCESS_TOKENS = _table(AccessToken)
COUNTERS = _table(Counter)
RAW_PAYLOADS = _table(RawPayload)
