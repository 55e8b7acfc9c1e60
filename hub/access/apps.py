"""Apps: vendors' applications and their client credentials."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, HttpUrl
from pydantic import Field as PydanticField
from sqlalchemy import Connection, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.access import audit
from hub.store.admin_models import APP_PROFILES, APP_SECRETS
from hub.store.columns import new_id, utcnow
from hub.store.connect_models import APP_REDIRECT_URIS
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
    grants_version: int  # moves on every write to the app's grants (hub.access.policy_cache)

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
        "grants_version": 0,
    }
    try:
        # A savepoint, so the caller's transaction survives the refusal.
        with conn.begin_nested():
            conn.execute(APPS.insert().values(values))
    except IntegrityError as exc:
        raise DuplicateAppError(name) from exc
    return app_record(values), secret


def find_app(conn: Connection, name_or_client_id: str) -> AppRecord | None:
    row = conn.execute(
        select(APPS).where(or_(APPS.c.name == name_or_client_id, APPS.c.client_id == name_or_client_id))
    ).first()
    return app_record(row._asdict()) if row else None


def get_app(conn: Connection, app_id: str) -> AppRecord | None:
    row = conn.execute(select(APPS).where(APPS.c.id == app_id)).first()
    return app_record(row._asdict()) if row else None


def list_apps(conn: Connection) -> list[AppRecord]:
    return [app_record(row._asdict()) for row in conn.execute(select(APPS).order_by(APPS.c.name))]


def verify_client(conn: Connection, client_id: str, secret: str) -> AppRecord | None:
    """The enabled app with these credentials, or None."""
    row = conn.execute(select(APPS).where(APPS.c.client_id == client_id)).first()
    if row is None or row.disabled_at is not None:
        return None
    # During a rotation the previous secret is still good until its grace period ends.
    current = hmac.compare_digest(row.secret_hash, hash_secret(secret))
    if not current and not previous_secret_matches(conn, row.id, secret):
        return None
    return app_record(row._asdict())


def app_record(values: dict[str, Any]) -> AppRecord:
    """The app in an `apps` row (any row holding the apps table's columns)."""
    return AppRecord(
        id=values["id"],
        name=values["name"],
        client_id=values["client_id"],
        created_at=values["created_at"],
        disabled_at=values["disabled_at"],
        grants_version=values["grants_version"],
    )


# --- Vendor details, the declared data request, and secret rotation -------------------------
# Added for school authorisation of apps (see hub/access/requests.py and docs/admin-guide.md).

ACTIONS: tuple[str, ...] = ("read", "write", "update", "delete")
# The hub is read-only today; the other actions are modelled so schools see them refused (✗).
SUPPORTED_ACTIONS = frozenset({"read"})
DEFAULT_ROTATION_GRACE = timedelta(hours=24)


class DataTypeRequest(BaseModel):
    """What an app wants of one data type, and why. Field names are the catalogue's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    required: list[str] = PydanticField(default_factory=list)
    optional: list[str] = PydanticField(default_factory=list)
    reason: str = PydanticField(min_length=1, max_length=2000)
    actions: list[str] = PydanticField(default_factory=lambda: ["read"])


class AppDetails(BaseModel):
    """What the vendor tells schools about the app."""

    model_config = ConfigDict(extra="forbid")

    description: str = PydanticField(default="", max_length=5000)
    website: HttpUrl | None = None
    privacy_policy_url: HttpUrl | None = None
    contact_email: str | None = PydanticField(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    webhook_url: HttpUrl | None = None
    live: bool = False


@dataclass(frozen=True)
class AppProfileRecord:
    app_id: str
    details: AppDetails
    declaration: dict[str, DataTypeRequest]
    declaration_version: int
    updated_at: datetime | None


class DeclarationError(ValueError):
    """A declared request naming data types, fields or actions the hub does not have."""


def validate_declaration(
    raw: Mapping[str, DataTypeRequest | Mapping[str, Any]],
) -> dict[str, DataTypeRequest]:
    """Check a declaration against the catalogue; returns it in catalogue order."""
    from hub.canonical.catalogue import DATA_TYPES  # catalogue imports canonical specs only

    parsed = {
        k: v if isinstance(v, DataTypeRequest) else DataTypeRequest.model_validate(v) for k, v in raw.items()
    }
    problems: list[str] = []
    for data_type, wanted in parsed.items():
        if data_type not in DATA_TYPES:
            problems.append(f"unknown data type {data_type!r}")
            continue
        known = set(DATA_TYPES[data_type].entity.field_names)
        unknown = [f for f in [*wanted.required, *wanted.optional] if f not in known]
        if unknown:
            problems.append(f"{data_type}: unknown field(s) {', '.join(unknown)}")
        both = set(wanted.required) & set(wanted.optional)
        if both:
            problems.append(f"{data_type}: both required and optional: {', '.join(sorted(both))}")
        if not wanted.required and not wanted.optional:
            problems.append(f"{data_type}: name at least one field")
        bad_actions = [a for a in wanted.actions if a not in SUPPORTED_ACTIONS]
        if bad_actions:
            problems.append(f"{data_type}: only read access is available, not {', '.join(bad_actions)}")
    if problems:
        raise DeclarationError("; ".join(problems))
    return {dt: parsed[dt] for dt in DATA_TYPES if dt in parsed}


def get_profile(conn: Connection, app_id: str) -> AppProfileRecord:
    """The app's details and declaration; an app never described has empty ones (version 0)."""
    row = conn.execute(select(APP_PROFILES).where(APP_PROFILES.c.app_id == app_id)).first()
    if row is None:
        return AppProfileRecord(app_id, AppDetails(), {}, 0, None)
    details = AppDetails.model_validate(
        {k: getattr(row, k) for k in AppDetails.model_fields if getattr(row, k) is not None}
    )
    declaration = {k: DataTypeRequest.model_validate(v) for k, v in (row.declaration or {}).items()}
    return AppProfileRecord(app_id, details, declaration, row.declaration_version, row.updated_at)


def set_details(conn: Connection, app_id: str, details: AppDetails, actor: str) -> AppProfileRecord:
    values = {k: (str(v) if isinstance(v, HttpUrl) else v) for k, v in details.model_dump().items()}
    _upsert_profile(conn, app_id, values)
    audit.record(conn, actor, "app.details_changed", app_id=app_id, detail=details.model_dump(mode="json"))
    return get_profile(conn, app_id)


def declare_access(
    conn: Connection, app_id: str, declaration: Mapping[str, DataTypeRequest | Mapping[str, Any]], actor: str
) -> AppProfileRecord:
    """Replace the app's declared request. A real change bumps the version, so approvals of the
    older one show "permissions for review" while their grants keep the approved scope."""
    parsed = validate_declaration(declaration)
    current = get_profile(conn, app_id)
    if parsed == current.declaration and current.declaration_version > 0:
        return current
    dumped = {k: v.model_dump() for k, v in parsed.items()}
    _upsert_profile(
        conn, app_id, {"declaration": dumped, "declaration_version": current.declaration_version + 1}
    )
    audit.record(conn, actor, "app.declaration_changed", app_id=app_id, detail={"declaration": dumped})
    return get_profile(conn, app_id)


def rotate_secret(
    conn: Connection, app_id: str, actor: str, grace: timedelta = DEFAULT_ROTATION_GRACE
) -> tuple[str, datetime]:
    """Issue a new client secret; the old one stays valid until the returned time, so the vendor
    can roll the new one out without downtime. The new secret is shown once, never stored."""
    row = conn.execute(select(APPS.c.secret_hash).where(APPS.c.id == app_id)).first()
    if row is None:
        raise ValueError(f"no app with id {app_id!r}")
    now = utcnow()
    expires_at = now + grace
    conn.execute(
        APP_SECRETS.insert().values(
            id=new_id(), app_id=app_id, secret_hash=row.secret_hash, created_at=now, expires_at=expires_at
        )
    )
    secret = secrets.token_urlsafe(32)
    conn.execute(update(APPS).where(APPS.c.id == app_id).values(secret_hash=hash_secret(secret)))
    audit.record(
        conn,
        actor,
        "app.secret_rotated",
        app_id=app_id,
        detail={"old_secret_valid_until": expires_at.isoformat()},
    )
    return secret, expires_at


def previous_secret_matches(conn: Connection, app_id: str, secret: str, now: datetime | None = None) -> bool:
    """Whether `secret` is a rotated-out secret of the app still inside its grace period."""
    hashed = hash_secret(secret)
    rows = conn.execute(
        select(APP_SECRETS.c.secret_hash).where(
            APP_SECRETS.c.app_id == app_id, APP_SECRETS.c.expires_at > (now or utcnow())
        )
    )
    return any(hmac.compare_digest(r.secret_hash, hashed) for r in rows)


def _upsert_profile(conn: Connection, app_id: str, values: dict[str, Any]) -> None:
    values = {**values, "updated_at": utcnow()}
    exists = conn.execute(select(APP_PROFILES.c.app_id).where(APP_PROFILES.c.app_id == app_id)).first()
    if exists:
        conn.execute(update(APP_PROFILES).where(APP_PROFILES.c.app_id == app_id).values(values))
    else:
        defaults: dict[str, Any] = {
            "description": "",
            "live": False,
            "declaration": {},
            "declaration_version": 0,
        }
        conn.execute(APP_PROFILES.insert().values({**defaults, **values, "app_id": app_id}))


# --- Registered redirect URIs (connect by link, hub/access/connect.py) ----------------------
# The connect page only ever sends an admin back to one of these, compared as exact strings:
# no prefixes, patterns or wildcards, so a crafted link cannot turn Satchel into an open redirect.

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_REDIRECT_URIS = 20


class RedirectUriError(ValueError):
    """A redirect URI that cannot be registered (not absolute https, has a fragment …)."""


def validate_redirect_uri(uri: str) -> str:
    """The URI if it may be registered: absolute https (http only on loopback, for local
    development, as RFC 8252 allows), a host, no user info and no fragment (RFC 6749 §3.1.2)."""
    if len(uri) > 2000 or any(c.isspace() for c in uri):
        raise RedirectUriError(f"not a usable redirect URI: {uri[:80]!r}")
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" and not (parts.scheme == "http" and host in _LOOPBACK_HOSTS):
        raise RedirectUriError(f"redirect URIs must use https (http only for localhost): {uri}")
    if not host or "@" in parts.netloc:
        raise RedirectUriError(f"redirect URIs need a host and no user info: {uri}")
    if parts.fragment or uri.endswith("#"):
        raise RedirectUriError(f"redirect URIs must not have a fragment: {uri}")
    return uri


def set_redirect_uris(conn: Connection, app_id: str, uris: list[str], actor: str) -> list[str]:
    """Replace the app's registered redirect URIs with these (deduplicated, in order given)."""
    wanted = list(dict.fromkeys(validate_redirect_uri(u) for u in uris))
    if len(wanted) > MAX_REDIRECT_URIS:
        raise RedirectUriError(f"at most {MAX_REDIRECT_URIS} redirect URIs per app")
    conn.execute(delete(APP_REDIRECT_URIS).where(APP_REDIRECT_URIS.c.app_id == app_id))
    now = utcnow()
    for uri in wanted:
        conn.execute(APP_REDIRECT_URIS.insert().values(app_id=app_id, uri=uri, created_at=now))
    audit.record(conn, actor, "app.redirect_uris_changed", app_id=app_id, detail={"redirect_uris": wanted})
    return wanted


def redirect_uris(conn: Connection, app_id: str) -> list[str]:
    rows = conn.execute(
        select(APP_REDIRECT_URIS.c.uri)
        .where(APP_REDIRECT_URIS.c.app_id == app_id)
        .order_by(APP_REDIRECT_URIS.c.created_at, APP_REDIRECT_URIS.c.uri)
    )
    return [r.uri for r in rows]


def is_registered_redirect_uri(conn: Connection, app_id: str, uri: str) -> bool:
    """Exact, whole-string match against the app's registered URIs."""
    row = conn.execute(
        select(APP_REDIRECT_URIS.c.uri).where(
            APP_REDIRECT_URIS.c.app_id == app_id, APP_REDIRECT_URIS.c.uri == uri
        )
    ).first()
    return row is not None
