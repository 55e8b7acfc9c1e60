"""Tables behind school authorisation of apps: app profiles, access requests, admins, audit.

Kept apart from models.py so the tables other areas read (apps, grants) stay small; these join
to them by id. A separate secrets table (rather than columns on `apps`) lets an app hold an old
and a new secret at once during a rotation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.columns import new_id, utcnow
from hub.store.models import Base


class AppProfile(Base):
    """What a vendor tells schools about an app, and the data it declares it needs."""

    __tablename__ = "app_profiles"

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(500))
    privacy_policy_url: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    live: Mapped[bool] = mapped_column(Boolean, default=False)
    # Data type → {"required": [...], "optional": [...], "reason": str, "actions": [...]}.
    declaration: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Bumped whenever the declaration changes, so approvals of an older one show "for review".
    declaration_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppSecret(Base):
    """An extra valid client secret (hash) with an expiry: the old secret during a rotation."""

    __tablename__ = "app_secrets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class AccessRequest(Base):
    """An app asking one school, or a trust/district for its schools, for data from one source."""

    __tablename__ = "access_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    organisation_id: Mapped[str] = mapped_column(String(36))  # the school, trust or district asked
    # Hub ids of the schools the request covers (one, or all of a trust's schools in the source).
    school_ids: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending | approved | rejected | revoked
    # What was approved: data type → granted field names; schools actually granted; options.
    approved_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    approved_school_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    approved_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str | None] = mapped_column(Text)


class AdminUser(Base):
    """A person who signs in to the admin UI: hub operator, trust/district admin or school admin."""

    __tablename__ = "admin_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # operator | trust_admin | school_admin
    # Organisation hub ids: the trust/district, or the schools, this person administers.
    organisation_ids: Mapped[list[str]] = mapped_column(default=list)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]


class AuditEvent(Base):
    """One decision or credential change: who did what to which app, source and schools, when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(50))
    app_id: Mapped[str | None] = mapped_column(String(36), index=True)
    source_id: Mapped[str | None] = mapped_column(String(36))
    school_ids: Mapped[list[str]] = mapped_column(default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


APP_PROFILES = _table(AppProfile)
APP_SECRETS = _table(AppSecret)
ACCESS_REQUESTS = _table(AccessRequest)
ADMIN_USERS = _table(AdminUser)
AUDIT_EVENTS = _table(AuditEvent)
