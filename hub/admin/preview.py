"""An app's page, and "Preview as app": an admin runs GraphQL as the app sees their schools.

After Focus's "Debug" button, but without the app's credentials: the admin's own session (and
CSRF header) authenticates, and hub/graphql/preview.py runs the query under the app's current
grants cut to the schools this admin administers. Every preview is on the audit log. Hub
operators do not preview: they run the hub, and reading pupils' data is the schools' business.
"""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio.to_thread
import orjson
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy import Connection, Engine

from hub.access import audit
from hub.access.apps import AppRecord, get_app, get_profile, redirect_uris
from hub.access.grants import active_grants
from hub.admin import views
from hub.admin.session import CSRF_HEADER, Sessions, Viewer, csrf_ok, reject_app_tokens
from hub.admin.web import TEMPLATES
from hub.config import Settings
from hub.graphql.execute import Operation, Outcome
from hub.graphql.http import RefusedError, parse_operation
from hub.graphql.preview import run_preview
from hub.graphql.schema import build_schema
from hub.store import audit as api_audit

T = TypeVar("T")
_MAX_AUDITED_QUERY = 4000


def preview_router(engine: Engine, sessions: Sessions, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(reject_app_tokens)])
    schema = build_schema(settings.introspection)

    def viewer(request: Request) -> Viewer:
        found = sessions.viewer(request)
        if found is None:
            raise HTTPException(303, "sign in first", {"Location": "/admin/login"})
        return found

    Who = Annotated[Viewer, Depends(viewer)]  # noqa: N806  (a type alias)

    async def in_transaction(fn: Callable[[Connection], T]) -> T:
        def run() -> T:
            with engine.begin() as conn:
                return fn(conn)

        try:
            return await anyio.to_thread.run_sync(run)
        except views.NotFoundError:
            raise HTTPException(404, "not found") from None

    @router.get("/apps/{app_id}")
    async def app_page(request: Request, app_id: str, who: Who) -> Response:
        def load(conn: Connection) -> dict[str, Any]:
            app = visible_app(conn, who, app_id)
            schools = _schools_in_view(conn, who, app.id)
            return {
                "app": views.app_out(conn, app),
                "schools": views.org_refs(conn, sorted(schools)),
                "redirect_uris": redirect_uris(conn, app.id) if who.user.is_operator else [],
            }

        ctx = await in_transaction(load)
        return TEMPLATES.TemplateResponse(
            request, "app.html", {"who": who, "csrf": who.csrf_token, "nav": "apps", **ctx}
        )

    @router.get("/apps/{app_id}/preview")
    async def preview_page(request: Request, app_id: str, who: Who) -> Response:
        _no_operators(who)

        def load(conn: Connection) -> dict[str, Any]:
            app = visible_app(conn, who, app_id)
            schools = _schools_in_view(conn, who, app.id)
            return {"app": app, "schools": views.org_refs(conn, sorted(schools))}

        ctx = await in_transaction(load)
        return TEMPLATES.TemplateResponse(
            request, "preview.html", {"who": who, "csrf": who.csrf_token, "nav": "apps", **ctx}
        )

    @router.post("/preview/{app_id}/graphql")
    async def preview(request: Request, app_id: str) -> Response:
        who = sessions.viewer(request)
        if who is None:
            return _errors(401, "sign in to the admin first", "UNAUTHENTICATED")
        if not csrf_ok(who.csrf_token, request.headers.get(CSRF_HEADER)):
            return _errors(403, "missing or wrong X-CSRF-Token header", "FORBIDDEN")
        if who.user.is_operator:
            return _errors(403, "previews are for school and trust admins", "FORBIDDEN")
        body = await request.body()

        def run() -> Outcome:
            operation = parse_operation(body)
            with engine.connect() as conn:
                app = visible_app(conn, who, app_id)
                outcome = run_preview(conn, app, who.scope or (), operation, schema=schema)
            with engine.begin() as conn:
                # Cursors from a preview must resolve later; the API request log is the app's own
                # traffic, so the preview goes on the admin audit log instead.
                api_audit.save_scopes(conn, app.id, outcome.context.snapshots)
                _audit_preview(conn, who, app, operation, outcome)
            return outcome

        try:
            outcome = await anyio.to_thread.run_sync(run)
        except RefusedError as exc:
            return _errors(exc.status, str(exc), exc.code)
        except views.NotFoundError:
            return _errors(404, "not found", "NOT_FOUND")
        return Response(orjson.dumps(outcome.payload), media_type="application/json")

    return router


def visible_app(conn: Connection, who: Viewer, app_id: str) -> AppRecord:
    """The app, if this admin may see it: as on the apps page, or because it holds a grant at one
    of their schools (a trust's approval covers a school whose admin did not decide it)."""
    app = get_app(conn, app_id)
    if app is None:
        raise views.NotFoundError(app_id)
    if not _schools_in_view(conn, who, app_id) and not any(
        a.id == app_id for a in views.visible_apps(conn, who)
    ):
        raise views.NotFoundError(app_id)
    return app


def _schools_in_view(conn: Connection, who: Viewer, app_id: str) -> set[str]:
    """Schools where the app holds a grant and that this admin administers."""
    granted = {g.school_id for g in active_grants(conn, app_id)}
    return granted if who.scope is None else granted & who.scope


def _no_operators(who: Viewer) -> None:
    if who.user.is_operator:
        raise HTTPException(403, "previews are for school and trust admins, for their own schools")


def _audit_preview(conn: Connection, who: Viewer, app: AppRecord, op: Operation, outcome: Outcome) -> None:
    schools = sorted(outcome.context.policy.schools()) or sorted(who.scope or ())
    entry = outcome.entry
    audit.record(
        conn,
        who.actor,
        "app.previewed",
        app_id=app.id,
        # The schools previewed (or, with none granted, the admin's), so the admin sees it too.
        school_ids=schools,
        detail={
            "operation": op.operation_name,
            "query": op.query[:_MAX_AUDITED_QUERY],
            "schools_read": entry.schools,
            "data_types": entry.data_types,
            "rows": entry.rows,
            "error_codes": entry.error_codes,
            "declaration_version": get_profile(conn, app.id).declaration_version,
        },
    )


def _errors(status: int, message: str, code: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
