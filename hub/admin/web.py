"""The admin pages: server-rendered HTML (Jinja2), plain forms, no front-end build.

Every page needs a signed-in admin (else a redirect to the login page) and every form POST a
CSRF token; decisions go through the same services and scoping as the JSON API.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import Connection, Engine

from hub.access import requests as access_requests
from hub.access.audit import list_events
from hub.access.requests import GrantOptions, RequestError, Status
from hub.access.users import LoginError, UserError, authenticate, list_users
from hub.admin import people, records, views
from hub.admin.schemas import UserIn
from hub.admin.session import Sessions, Viewer, csrf_ok, new_csrf_token, reject_app_tokens
from hub.admin.source_check import check_source
from hub.admin.throttle import LoginThrottle
from hub.config import Settings

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_CSS = Path(__file__).parent / "static" / "admin.css"
T = TypeVar("T")
_BOOL_OPTIONS = [name for name, f in GrantOptions.model_fields.items() if f.annotation is bool]


def web_router(engine: Engine, sessions: Sessions, throttle: LoginThrottle) -> APIRouter:
    router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(reject_app_tokens)])

    def viewer(request: Request) -> Viewer:
        found = sessions.viewer(request)
        if found is None:
            raise HTTPException(303, "sign in first", {"Location": "/admin/login"})
        return found

    Who = Annotated[Viewer, Depends(viewer)]  # noqa: N806  (a type alias)

    def page(
        request: Request, template: str, who: Viewer | None, status_code: int = 200, **ctx: Any
    ) -> Response:
        return TEMPLATES.TemplateResponse(
            request,
            template,
            {"who": who, "csrf": who.csrf_token if who else "", **ctx},
            status_code=status_code,
        )

    async def in_transaction(fn: Callable[[Connection], T]) -> T:
        def run() -> T:
            with engine.begin() as conn:
                return fn(conn)

        try:
            return await anyio.to_thread.run_sync(run)
        except views.NotFoundError:
            raise HTTPException(404, "not found") from None

    async def checked_form(request: Request, who: Viewer) -> Any:
        form = await request.form()
        token = form.get("csrf_token")
        if not csrf_ok(who.csrf_token, token if isinstance(token, str) else None):
            raise HTTPException(403, "the form expired; reload the page and try again")
        return form

    def login_form(request: Request, status_code: int = 200, **ctx: Any) -> Response:
        return anonymous_login_page(request, sessions, status_code, **ctx)

    @router.get("/static/admin.css")
    def stylesheet() -> Response:
        # Served by a route, not StaticFiles, so it sits behind the same app-token refusal.
        return Response(_CSS.read_bytes(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @router.get("/login")
    def login_page(request: Request) -> Response:
        data = sessions.read(request)
        if data.get("u") and sessions.viewer(request):
            return RedirectResponse("/admin/requests", 303)
        return login_form(request)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        expected = str(sessions.read(request).get("c", ""))
        token = form.get("csrf_token")
        if not csrf_ok(expected, token if isinstance(token, str) else None):
            return RedirectResponse("/admin/login", 303)
        client = request.client.host if request.client else "?"
        throttle.check(client)
        email, password = str(form.get("email", "")), str(form.get("password", ""))

        def check(conn: Connection) -> str | LoginError:
            # Returned, not raised, so the failure count commits with the transaction.
            try:
                return authenticate(conn, email, password).id
            except LoginError as exc:
                return exc

        user_id = await in_transaction(check)
        if isinstance(user_id, LoginError):
            throttle.failed(client)
            return login_form(request, status_code=401, error=str(user_id), email=email)
        response = RedirectResponse("/admin/requests", 303)
        sessions.write(response, user_id)
        return response

    @router.post("/logout")
    async def logout(request: Request, who: Who) -> Response:
        await checked_form(request, who)
        response = RedirectResponse("/admin/login", 303)
        sessions.clear(response)
        return response

    @router.get("")
    def home(who: Who) -> Response:
        return RedirectResponse("/admin/requests", 303)

    @router.get("/requests", response_class=HTMLResponse)
    async def requests_page(request: Request, who: Who, status: Status = Status.PENDING) -> Response:
        rows = await in_transaction(lambda conn: views.request_summaries(conn, who, status))
        counts = await in_transaction(
            lambda conn: {s.value: len(views.request_summaries(conn, who, s)) for s in Status}
        )
        return page(
            request, "requests.html", who, rows=rows, status=status.value, counts=counts, nav="requests"
        )

    @router.get("/requests/{request_id}", response_class=HTMLResponse)
    async def request_page(request: Request, request_id: str, who: Who) -> Response:
        detail = await in_transaction(lambda conn: views.request_detail(conn, who, request_id))
        return page(
            request,
            "request.html",
            who,
            r=detail,
            bool_options=_BOOL_OPTIONS,
            error=request.query_params.get("error"),
            nav="requests",
        )

    @router.post("/requests/{request_id}/decide")
    async def decide(request: Request, request_id: str, who: Who) -> Response:
        form = await checked_form(request, who)
        action = str(form.get("action", ""))
        optional: dict[str, list[str]] = {}
        for value in form.getlist("field"):
            data_type, _, field = str(value).partition(":")
            optional.setdefault(data_type, []).append(field)
        schools = [str(s) for s in form.getlist("school")]
        try:
            options = GrantOptions(
                **{name: name in form for name in _BOOL_OPTIONS},
                max_requests_per_minute=int(str(form.get("max_requests_per_minute") or 600)),
                custom_fields=[c.strip() for c in str(form.get("custom_fields", "")).split(",") if c.strip()],
            )
        except (ValidationError, ValueError):
            return RedirectResponse(f"/admin/requests/{request_id}?error=Check+the+grant+options", 303)

        def run(conn: Connection) -> None:
            views.visible_request(conn, who, request_id)
            if action == "approve":
                if not schools:
                    raise RequestError("choose at least one school")
                access_requests.approve(
                    conn, request_id, who.actor, optional_fields=optional, school_ids=schools, options=options
                )
            elif action == "reject":
                access_requests.reject(conn, request_id, who.actor, str(form.get("note") or "") or None)
            elif action == "later":
                access_requests.defer(conn, request_id, who.actor)
            elif action == "revoke":
                access_requests.revoke_request(conn, request_id, who.actor)
            else:
                raise RequestError(f"unknown action {action!r}")

        try:
            await in_transaction(run)
        except RequestError as exc:
            return RedirectResponse(f"/admin/requests/{request_id}?error={_quote(str(exc))}", 303)
        target = "/admin/requests?status=pending" if action == "later" else f"/admin/requests/{request_id}"
        return RedirectResponse(target, 303)

    @router.get("/requests/{request_id}/receipt", response_class=HTMLResponse)
    async def receipt_page(request: Request, request_id: str, who: Who) -> Response:
        receipt = await in_transaction(lambda conn: records.receipt(conn, who, request_id))
        return page(request, "receipt.html", who, receipt=receipt, nav="requests")

    @router.get("/apps", response_class=HTMLResponse)
    async def apps_page(request: Request, who: Who) -> Response:
        apps = await in_transaction(lambda conn: views.visible_apps(conn, who))
        return page(request, "apps.html", who, apps=apps, nav="apps")

    @router.get("/apps/{app_id}/data-use.csv")
    async def data_use(app_id: str, who: Who) -> Response:
        body = await in_transaction(lambda conn: records.data_use_csv(conn, who, app_id))
        return Response(
            body,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="data-use-{app_id}.csv"'},
        )

    @router.get("/sources", response_class=HTMLResponse)
    async def sources_page(request: Request, who: Who) -> Response:
        rows = await in_transaction(lambda conn: views.sources(conn, who))
        return page(request, "sources.html", who, sources=rows, nav="sources")

    @router.post("/sources/{source_id}/test", response_class=HTMLResponse)
    async def test_source(request: Request, source_id: str, who: Who) -> Response:
        await checked_form(request, who)
        try:
            result = await check_source(engine, who, source_id)
        except views.NotFoundError:
            raise HTTPException(404, "not found") from None
        rows = await in_transaction(lambda conn: views.sources(conn, who))
        return page(request, "sources.html", who, sources=rows, check=result, nav="sources")

    # --- People (hub operators only) -------------------------------------------------------------

    def operator_only(who: Viewer) -> None:
        if not who.user.is_operator:
            raise HTTPException(403, "hub operators only")

    async def users_view(request: Request, who: Viewer, status_code: int = 200, **ctx: Any) -> Response:
        users, orgs = await in_transaction(lambda conn: (list_users(conn), people.organisation_choices(conn)))
        return page(
            request,
            "users.html",
            who,
            status_code=status_code,
            users=users,
            orgs=orgs,
            org_names={o.id: o.name for o in orgs},
            nav="users",
            **ctx,
        )

    @router.get("/users", response_class=HTMLResponse)
    async def users_page(request: Request, who: Who) -> Response:
        operator_only(who)
        return await users_view(request, who, notice=request.query_params.get("notice"))

    @router.post("/users", response_class=HTMLResponse)
    async def add_user(request: Request, who: Who) -> Response:
        operator_only(who)
        form = await checked_form(request, who)
        values = {k: str(form.get(k) or "") for k in ("email", "name", "role")}
        orgs = [str(o) for o in form.getlist("organisation")]
        try:
            body = UserIn(**values, password=str(form.get("password") or ""), organisation_ids=orgs)
            user = await in_transaction(lambda conn: people.add_admin(conn, who, body))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return await users_view(request, who, 422, error=problems, form=values, chosen=orgs)
        except UserError as exc:
            return await users_view(request, who, 409, error=str(exc), form=values, chosen=orgs)
        return RedirectResponse(f"/admin/users?notice={_quote(f'Added {user.email}')}", 303)

    @router.post("/users/{user_id}/{action}", response_class=HTMLResponse)
    async def enable_or_disable(request: Request, user_id: str, action: str, who: Who) -> Response:
        operator_only(who)
        await checked_form(request, who)
        if action not in ("enable", "disable"):
            raise HTTPException(404, "not found")
        try:
            user = await in_transaction(
                lambda conn: people.set_enabled(conn, who, user_id, action == "enable")
            )
        except UserError as exc:
            return await users_view(request, who, 409, error=str(exc))
        done = "Enabled" if action == "enable" else "Disabled"
        return RedirectResponse(f"/admin/users?notice={_quote(f'{done} {user.email}')}", 303)

    @router.get("/audit", response_class=HTMLResponse)
    async def audit_page(request: Request, who: Who) -> Response:
        events = await in_transaction(lambda conn: list_events(conn, school_scope=who.scope, limit=200))
        return page(request, "audit.html", who, events=events, nav="audit")

    return router


def anonymous_login_page(
    request: Request, sessions: Sessions, status_code: int = 200, **ctx: Any
) -> Response:
    """The sign-in page, with a fresh anonymous session carrying its form's CSRF token (no login
    CSRF); it offers single sign-on when an OIDC provider is configured."""
    csrf = new_csrf_token()
    response = TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"who": None, "csrf": csrf, "sso_label": sso_label(sessions.settings), **ctx},
        status_code=status_code,
    )
    sessions.write(response, None, csrf)
    return response


def sso_label(settings: Settings) -> str | None:
    return settings.admin_oidc_button_label if settings.admin_oidc_issuer else None


def _quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text[:300])
