"""Bearer tokens: issued to an app, stored only as a hash, checked on every API request."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, select

from hub.access.apps import AppRecord, app_record
from hub.store.models import ACCESS_TOKENS, APPS

# RFC 6750 b64token syntax; anything else is malformed and never reaches the database.
_B64TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")


class TokenError(Exception):
    """A request without a usable bearer token. Always answered with 401 UNAUTHENTICATED."""

    code = "UNAUTHENTICATED"
    status_code = 401


class MissingTokenError(TokenError):
    def __init__(self) -> None:
        super().__init__("no bearer token; send `Authorization: Bearer <token>` (get one at /oauth/token)")


class MalformedTokenError(TokenError):
    def __init__(self) -> None:
        super().__init__("malformed Authorization header; expected `Bearer <token>`")


class UnknownTokenError(TokenError):
    def __init__(self) -> None:
        super().__init__("invalid bearer token")


class ExpiredTokenError(TokenError):
    def __init__(self) -> None:
        super().__init__("bearer token expired; request a new one at /oauth/token")


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_at: datetime
    expires_in: int


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def store_token(conn: Connection, app_id: str, token: str, issued_at: datetime, expires_at: datetime) -> None:
    """Keep the token's hash only, so a database leak leaks no usable token."""
    # Housekeeping: the app's expired tokens are useless, drop them as new ones are issued.
    conn.execute(
        delete(ACCESS_TOKENS).where(ACCESS_TOKENS.c.app_id == app_id, ACCESS_TOKENS.c.expires_at <= issued_at)
    )
    conn.execute(
        ACCESS_TOKENS.insert().values(
            token_hash=hash_token(token), app_id=app_id, issued_at=issued_at, expires_at=expires_at
        )
    )


def issue_token(conn: Connection, app_id: str, ttl_seconds: int, now: datetime) -> IssuedToken:
    """Issue a token directly (the CLI and tests); apps get theirs from POST /oauth/token."""
    token = new_token()
    expires_at = now + timedelta(seconds=ttl_seconds)
    store_token(conn, app_id, token, now, expires_at)
    return IssuedToken(access_token=token, expires_at=expires_at, expires_in=ttl_seconds)


# Built once: building it per request cost ~0.15 ms of every API call, as much as running it
# (py-spy on the benchmark's hub server).
_APP_BY_TOKEN = (
    select(APPS, ACCESS_TOKENS.c.expires_at.label("token_expires_at"))
    .join(ACCESS_TOKENS, APPS.c.id == ACCESS_TOKENS.c.app_id)
    .where(ACCESS_TOKENS.c.token_hash == bindparam("token_hash"))
)


def authenticate_bearer(conn: Connection, header_value: str | None, now: datetime) -> AppRecord:
    """The app holding the bearer token in this Authorization header value (read with the token,
    in one statement: its grants version keys the request's policy, hub.access.policy_cache)."""
    if not header_value or not header_value.strip():
        raise MissingTokenError()
    scheme, _, token = header_value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _B64TOKEN.match(token):
        raise MalformedTokenError()
    row = conn.execute(_APP_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None or row.disabled_at is not None:
        raise UnknownTokenError()
    if row.token_expires_at <= now:
        raise ExpiredTokenError()
    return app_record(row._asdict())
