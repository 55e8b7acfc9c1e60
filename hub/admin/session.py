"""Who is calling an admin route: signed session cookies, CSRF tokens, and refusing app tokens.

The cookie holds only the user id and the session's CSRF token, signed and time-limited by
itsdangerous; the user is reloaded on every request so a disabled account stops at once.
Forms send the CSRF token as a hidden field, the JSON API as an X-CSRF-Token header.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from hub.access.users import AdminUserRecord, get_user, may_act_on, school_scope
from hub.config import Settings

COOKIE = "satchel_admin"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Viewer:
    """A signed-in admin and the schools they administer (None: every school)."""

    user: AdminUserRecord
    scope: frozenset[str] | None
    csrf_token: str

    def may_act_on(self, school_ids: tuple[str, ...] | list[str]) -> bool:
        return may_act_on(self.scope, school_ids)

    @property
    def actor(self) -> str:
        return self.user.email


class Sessions:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._serializer = URLSafeTimedSerializer(settings.admin_signing_key(), salt="satchel-admin-session")

    def read(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return {}
        try:
            data = self._serializer.loads(raw, max_age=self.settings.admin_session_max_age_seconds)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def write(self, response: Response, user_id: str | None, csrf: str | None = None) -> str:
        """Start a fresh session; signing in always gets a new CSRF token, never the pre-login one."""
        csrf = csrf or new_csrf_token()
        payload = {"c": csrf, **({"u": user_id} if user_id else {})}
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(payload),
            max_age=self.settings.admin_session_max_age_seconds,
            path="/admin",
            httponly=True,
            secure=self.settings.admin_cookie_secure,
            samesite="lax",
        )
        return csrf

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/admin", secure=self.settings.admin_cookie_secure, httponly=True)

    def viewer(self, request: Request) -> Viewer | None:
        data = self.read(request)
        user_id = data.get("u")
        if not isinstance(user_id, str):
            return None
        with self.engine.connect() as conn:
            user = get_user(conn, user_id)
            if user is None or user.disabled_at is not None:
                return None
            scope = school_scope(conn, user)
        return Viewer(user=user, scope=scope, csrf_token=str(data.get("c", "")))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(expected: str, given: str | None) -> bool:
    """Whether the client echoed the secret token it was given (a CSRF token, an OIDC state).

    Compared as bytes: compare_digest refuses non-ASCII str, and what is given is untrusted."""
    return bool(expected) and given is not None and hmac.compare_digest(expected.encode(), given.encode())


def reject_app_tokens(request: Request) -> None:
    """Admin routes answer people, never apps: any Authorization header is refused outright."""
    if request.headers.get("authorization"):
        raise HTTPException(403, "app credentials cannot be used on admin routes; sign in as an admin")
