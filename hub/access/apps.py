"""Apps: vendors' applications and their client credentials."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlalchemy.exc import IntegrityError

from hub.store.columns import new_id, utcnow
from hub.store.models import APPS


class DuplicateAppError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"an app named {name!r} already exists")
        self.name = name


@dataclass(frozen=True)
class AppRecord:
    id: str
    name: str
    client_id: str
    created_at: datetime
    disabled_at: datetime | None

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


def hash_secret(secret: str) -> str:
    # Secrets are 256 random bits we generate, not passwords people choose, so no dictionary or
    # brute-force attack is feasible and a slow KDF (bcrypt, argon2) would only cost latency.
    return hashlib.sha256(secret.encode()).hexdigest()


def register_app(conn: Connection, name: str) -> tuple[AppRecord, str]:
    """Create an app; returns it and its client secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValueError("an app needs a name")
    secret = secrets.token_urlsafe(32)
    values: dict[str, Any] = {
        "id": new_id(),
        "name": name,
        "client_id": "sat_" + secrets.token_urlsafe(16),
        "secret_hash": hash_secret(secret),
        "created_at": utcnow(),
        "disabled_at": None,
    }
    try:
        # A savepoint, so the caller's transaction survives the refusal.
        with conn.begin_nested():
            conn.execute(APPS.insert().values(values))
    except IntegrityError as exc:
        raise DuplicateAppError(name) from exc
    return _record(values), secret


def find_app(conn: Connection, name_or_client_id: str) -> AppRecord | None:
    row = conn.execute(
        select(APPS).where(or_(APPS.c.name == name_or_client_id, APPS.c.client_id == name_or_client_id))
    ).first()
    return _record(row._asdict()) if row else None


def get_app(conn: Connection, app_id: str) -> AppRecord | None:
    row = conn.execute(select(APPS).where(APPS.c.id == app_id)).first()
    return _record(row._asdict()) if row else None


def list_apps(conn: Connection) -> list[AppRecord]:
    return [_record(row._asdict()) for row in conn.execute(select(APPS).order_by(APPS.c.name))]


def verify_client(conn: Connection, client_id: str, secret: str) -> AppRecord | None:
    """The enabled app with these credentials, or None."""
    row = conn.execute(select(APPS).where(APPS.c.client_id == client_id)).first()
    if row is None or row.disabled_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, hash_secret(secret)):
        return None
    return _record(row._asdict())


def _record(values: dict[str, Any]) -> AppRecord:
    return AppRecord(
        id=values["id"],
        name=values["name"],
        client_id=values["client_id"],
        created_at=values["created_at"],
        disabled_at=values["disabled_at"],
    )
