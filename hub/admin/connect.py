"""The connect-by-link pages: GET /connect (the address vendors hand out) and /admin/connect.

/connect only forwards to /admin/connect, so the page sits under the admin session cookie's path
and behind the same refusal of app tokens as every admin page. The link is checked before
anything else and again on every POST (a form is never trusted to carry a checked value), and
the only redirects leaving Satchel go to a redirect URI the app registered, byte for byte.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine
from starlette.datastructures import FormData

from hub.access import connect
from hub.access.apps import (
    MAX_REDIRECT_URIS,
    RedirectUriError,
    get_app,
    get_profile,
    redirect_uris,
    set_redirect_uris,
)
from hub.access.connect import ChoiceError, ConnectError, ConnectLink
from hub.access.requests import RequestError
from hub.access.users import LoginError, authenticate
from hub.admin.responses import BAD_BODY, NOT_FOUND, SIGNED_IN
from hub.admin.session import CSRF_HEADER, Sessions, Viewer, csrf_ok, new_csrf_token, reject_app_tokens
from hub.admin.throttle import LoginThrottle
from hub.admin.web import TEMPLATES
from hub.store.columns import utcnow

T = TypeVar("T")
_LINK_PARAMS = ("client_id", "redirect_uri", "state", "school")
# The consent form's school checkboxes; not "school", which is the link's own parameter.
_CHOSEN_SCHOOL = "connect_school"
# Which refusals are the admin's doing (403) and which the link's (400); "already connected" is
# a conflict with what exists (409). Pages either way: none of these ever redirects.
_STATUS = {"app_not_live": 403, "not_permitted": 403, "unknown_school": 403, "already_connected": 409}


def connect_router(engine: Engine, sessions: Sessions, throttle: LoginThrottle) -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(reject_app_tokens)])

    async def in_transaction(fn: Callable[[Connection], T]) -> T:
        def run() -> T:
            with engine.begin() as conn:
                return fn(conn)

        return await anyio.to_thread.run_sync(run)

    def page(request: Request, template: str, who: Viewer | None, status: int = 200, **ctx: Any) -> Response:
        return TEMPLATES.TemplateResponse(
            request, template, {"who": who, "csrf": who.csrf_token if who else "", **ctx}, status_code=status
        )

    def refused(request: Request, who: Viewer | None, exc: ConnectError) -> Response:
        return page(
            request,
            "connect_error.html",
            who,
            _STATUS.get(exc.reason, 400),
            title=exc.title,
            message=str(exc),
            reason=exc.reason,
        )

    def sign_in_page(request: Request, link: ConnectLink, status: int = 200, **ctx: Any) -> Response:
        # An anonymous session carries the sign-in form's CSRF token, as on /admin/login.
        csrf = new_csrf_token()
        response = TEMPLATES.TemplateResponse(
            request,
            "connect_login.html",
            {"who": None, "csrf": csrf, "link": link, **ctx},
            status_code=status,
        )
        sessions.write(response, None, csrf)
        return response

    async def consent_page(
        request: Request, link: ConnectLink, who: Viewer, status: int = 200, error: str | None = None
    ) -> Response:
        def load(conn: Connection) -> tuple[connect.Consent, Any]:
            return connect.consent(conn, link, who.user), get_profile(conn, link.app.id).details

        try:
            consent, details = await in_transaction(load)
        except ConnectError as exc:
            return refused(request, who, exc)
        host = urlsplit(link.redirect_uri).netloc
        return page(request, "connect.html", who, status, c=consent, details=details, host=host, error=error)

    async def checked_link(params: Mapping[str, Any]) -> ConnectLink:
        values = [params.get(name) for name in _LINK_PARAMS]
        strings = [v if isinstance(v, str) else None for v in values]
        return await in_transaction(lambda conn: connect.check_link(conn, *strings))

    @router.get("/connect")
    def forward(request: Request) -> Response:
        # Same origin, same query: a fixed internal target, so this redirect cannot be steered.
        query = request.url.query
        return RedirectResponse("/admin/connect" + (f"?{query}" if query else ""), 303)

    @router.get("/admin/connect")
    async def connect_page(request: Request) -> Response:
        who = sessions.viewer(request)
        try:
            link = await checked_link(request.query_params)
        except ConnectError as exc:
            return refused(request, who, exc)
        if who is None:
            return sign_in_page(request, link)
        return await consent_page(request, link, who)

    @router.post("/admin/connect/login")
    async def sign_in(request: Request) -> Response:
        form = await request.form()
        expected = str(sessions.read(request).get("c", ""))
        try:
            link = await checked_link(form)
        except ConnectError as exc:
            return refused(request, None, exc)
        if not csrf_ok(expected, _str(form, "csrf_token")):
            return RedirectResponse(_connect_url(link), 303)
        client = request.client.host if request.client else "?"
        throttle.check(client)
        email, password = _str(form, "email") or "", _str(form, "password") or ""

        def check(conn: Connection) -> str | LoginError:
            # Returned, not raised, so the failure count commits with the transaction.
            try:
                return authenticate(conn, email, password).id
            except LoginError as exc:
                return exc

        user_id = await in_transaction(check)
        if isinstance(user_id, LoginError):
            throttle.failed(client)
            return sign_in_page(request, link, 401, error=str(user_id), email=email)
        response = RedirectResponse(_connect_url(link), 303)
        sessions.write(response, user_id)
        return response

    @router.post("/admin/connect")
    async def decide(request: Request) -> Response:
        form = await request.form()
        who = sessions.viewer(request)
        try:
            link = await checked_link(form)
        except ConnectError as exc:
            return refused(request, who, exc)
        if who is None:
            return RedirectResponse(_connect_url(link), 303)
        if not csrf_ok(who.csrf_token, _str(form, "csrf_token")):
            raise HTTPException(403, "the form expired; reload the page and try again")
        action = _str(form, "action")
        try:
            if action == "approve":
                code = await in_transaction(
                    lambda conn: connect.approve(
                        conn,
                        link,
                        who.user,
                        school_ids=[str(s) for s in form.getlist(_CHOSEN_SCHOOL)],
                        optional_fields=_optional_fields(form),
                        now=utcnow(),
                    )
                )
                target = connect.outcome_url(link.redirect_uri, code=code, state=link.state)
            elif action == "decline":
                await in_transaction(lambda conn: connect.decline(conn, link, who.user))
                target = connect.outcome_url(link.redirect_uri, error="access_denied", state=link.state)
            else:
                raise ChoiceError(f"Unknown action {action!r}.")
        except (ChoiceError, RequestError) as exc:
            return await consent_page(request, link, who, 400, error=str(exc))
        except ConnectError as exc:
            return refused(request, who, exc)
        return RedirectResponse(target, 303)

    return router


def _connect_url(link: ConnectLink) -> str:
    return "/admin/connect?" + urlencode(link.query())


def _str(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _optional_fields(form: FormData) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for value in form.getlist("field"):
        data_type, _, field = str(value).partition(":")
        chosen.setdefault(data_type, []).append(field)
    return chosen


class RedirectUrisIn(BaseModel):
    redirect_uris: list[str] = Field(max_length=MAX_REDIRECT_URIS)


def redirect_uri_api(engine: Engine, sessions: Sessions) -> APIRouter:
    """GET/PUT /admin/api/apps/{app_id}/redirect-uris: hub operators register where an app's
    connect links may return (vendors give the exact URIs when they register the app)."""
    router = APIRouter(
        prefix="/admin/api", tags=["admin"], dependencies=[Depends(reject_app_tokens)], responses=SIGNED_IN
    )

    def operator(request: Request) -> Viewer:
        who = sessions.viewer(request)
        if who is None:
            raise HTTPException(401, "sign in first: POST /admin/api/login")
        if request.method not in ("GET", "HEAD") and not csrf_ok(
            who.csrf_token, request.headers.get(CSRF_HEADER)
        ):
            raise HTTPException(403, "missing or wrong X-CSRF-Token header")
        if not who.user.is_operator:
            raise HTTPException(403, "hub operators only")
        return who

    Operator = Annotated[Viewer, Depends(operator)]  # noqa: N806  (a type alias)

    @router.get("/apps/{app_id}/redirect-uris", response_model=RedirectUrisIn, responses=NOT_FOUND)
    def list_uris(app_id: str, who: Operator) -> RedirectUrisIn:
        with engine.connect() as conn:
            _require_app(conn, app_id)
            return RedirectUrisIn(redirect_uris=redirect_uris(conn, app_id))

    @router.put("/apps/{app_id}/redirect-uris", response_model=RedirectUrisIn, responses=NOT_FOUND | BAD_BODY)
    def put_uris(app_id: str, body: RedirectUrisIn, who: Operator) -> RedirectUrisIn:
        try:
            with engine.begin() as conn:
                _require_app(conn, app_id)
                return RedirectUrisIn(
                    redirect_uris=set_redirect_uris(conn, app_id, body.redirect_uris, who.actor)
                )
        except RedirectUriError as exc:
            # The shape FastAPI gives every other 422, so clients parse one kind of error.
            error = {"loc": ["body", "redirect_uris"], "msg": str(exc), "type": "value_error"}
            raise HTTPException(422, [error]) from None

    return router


def _require_app(conn: Connection, app_id: str) -> None:
    if get_app(conn, app_id) is None:
        raise HTTPException(404, f"not found: {app_id}")
