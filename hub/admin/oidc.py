"""Admin single sign-on: /admin/oidc/start sends the browser to the OpenID Connect provider,
/admin/oidc/callback brings it back and, only if every check in hub/access/oidc.py passes,
starts an admin session.

Between the two, the state, nonce and PKCE verifier ride in a short-lived signed cookie scoped
to /admin/oidc, used once: the callback clears it whatever the outcome. Any failure shows the
sign-in page with the reason and starts no session.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from hub.access import oidc
from hub.access.audit import record
from hub.access.users import AdminUserRecord
from hub.admin.session import Sessions, csrf_ok, reject_app_tokens
from hub.admin.web import anonymous_login_page
from hub.config import Settings

PENDING_COOKIE = "satchel_sso"
_PENDING_PATH = "/admin/oidc"
# Time allowed at the provider (typing a password, a second factor) before the callback.
_PENDING_MAX_AGE = 600


def oidc_router(engine: Engine, sessions: Sessions, settings: Settings) -> APIRouter:
    router = APIRouter(
        prefix=_PENDING_PATH, include_in_schema=False, dependencies=[Depends(reject_app_tokens)]
    )
    serializer = URLSafeTimedSerializer(settings.admin_signing_key(), salt="satchel-admin-sso")
    # Read once, when the app starts, so a half-done configuration stops the hub, not a sign-in.
    configured = oidc.OidcConfig.from_settings(settings)

    def config() -> oidc.OidcConfig:
        if configured is None:
            raise HTTPException(404, "single sign-on is not configured")
        return configured

    def redirect_uri(request: Request) -> str:
        return settings.admin_oidc_redirect_uri or str(request.base_url) + "admin/oidc/callback"

    def refused(request: Request, message: str, status_code: int = 401) -> Response:
        response = anonymous_login_page(
            request, sessions, status_code, error=f"Single sign-on failed: {message}"
        )
        _clear_pending(response, settings)
        return response

    @router.get("/start")
    async def start(request: Request) -> Response:
        cfg = config()
        try:
            async with oidc.client() as http:
                provider = await oidc.discover(http, cfg)
        except oidc.OidcError as exc:
            return refused(request, str(exc), 502)
        url, pending = oidc.authorization_url(provider, cfg, redirect_uri(request))
        response = RedirectResponse(url, 303)
        response.set_cookie(
            PENDING_COOKIE,
            serializer.dumps({"s": pending.state, "n": pending.nonce, "v": pending.code_verifier}),
            max_age=_PENDING_MAX_AGE,
            path=_PENDING_PATH,
            httponly=True,
            secure=settings.admin_cookie_secure,
            samesite="lax",  # the provider brings the browser back with a top-level GET
        )
        return response

    @router.get("/callback")
    async def callback(request: Request) -> Response:
        cfg = config()
        params = request.query_params
        pending = _read_pending(serializer, request)
        if pending is None:
            return refused(request, "the sign-in took too long or did not start here; try again", 400)
        if not csrf_ok(pending.state, params.get("state")):
            return refused(
                request, "the provider's answer does not belong to this sign-in (state mismatch)", 400
            )
        if "error" in params:
            reason = params.get("error_description") or params["error"]
            return refused(request, f"the provider said: {reason[:200]}")
        code = params.get("code")
        if not code:
            return refused(request, "the provider sent no sign-in code", 400)
        try:
            async with oidc.client() as http:
                provider = await oidc.discover(http, cfg)
                claims = await oidc.exchange_code(http, provider, cfg, code, redirect_uri(request), pending)
            user = await anyio.to_thread.run_sync(_sign_in, engine, claims, cfg)
        except oidc.OidcError as exc:
            return refused(request, str(exc))
        response = RedirectResponse("/admin/requests", 303)
        sessions.write(response, user.id)
        _clear_pending(response, settings)
        return response

    return router


def _sign_in(engine: Engine, claims: dict[str, Any], cfg: oidc.OidcConfig) -> AdminUserRecord:
    with engine.begin() as conn:
        user = oidc.admin_for_claims(conn, claims, cfg)
        record(conn, user.email, "admin.signed_in_sso", detail={"issuer": cfg.issuer, "sub": claims["sub"]})
    return user


def _read_pending(serializer: URLSafeTimedSerializer, request: Request) -> oidc.PendingSignIn | None:
    raw = request.cookies.get(PENDING_COOKIE)
    if not raw:
        return None
    try:
        data = serializer.loads(raw, max_age=_PENDING_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "snv"):
        return None
    return oidc.PendingSignIn(state=data["s"], nonce=data["n"], code_verifier=data["v"])


def _clear_pending(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        PENDING_COOKIE, path=_PENDING_PATH, secure=settings.admin_cookie_secure, httponly=True
    )
