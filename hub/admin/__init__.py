"""Admin: the pages and JSON API where schools and trusts decide which apps may read what."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from hub.admin.api import api_router
from hub.admin.connect import connect_router, redirect_uri_api
from hub.admin.oidc import oidc_router
from hub.admin.preview import preview_router
from hub.admin.session import Sessions
from hub.admin.throttle import LoginThrottle
from hub.admin.web import web_router
from hub.config import Settings


def mount_admin(app: FastAPI, engine: Engine, settings: Settings) -> None:
    """Add /admin (pages), /admin/api (JSON), /admin/oidc (single sign-on), /connect (connect by
    link) and the "Preview as app" routes to the hub's FastAPI app."""
    sessions = Sessions(engine, settings)
    throttle = LoginThrottle()
    app.include_router(api_router(engine, sessions, throttle))
    app.include_router(web_router(engine, sessions, throttle))
    app.include_router(oidc_router(engine, sessions, settings))
    app.include_router(redirect_uri_api(engine, sessions))
    app.include_router(connect_router(engine, sessions, throttle))
    app.include_router(preview_router(engine, sessions, settings))


__all__ = ["mount_admin"]
