"""The JSON admin API under /admin/api: everything the admin pages do, for scripts and tools.

Sign in with POST /admin/api/login (session cookie + CSRF token); send the token back as an
X-CSRF-Token header on every POST/PUT. Each handler is one transaction; expected refusals map to
4xx (request errors 409, unknown or out-of-scope ids 404, wrong role 403).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import Connection, Engine

from hub.access import requests as access_requests
from hub.access.apps import (
    AppRecord,
    DeclarationError,
    DuplicateAppError,
    declare_access,
    get_app,
    register_app,
    rotate_secret,
    set_details,
)
from hub.access.audit import list_events
from hub.access.grants import GrantError
from hub.access.requests import GrantOptions, RequestError, Status
from hub.access.users import AdminUserRecord, LoginError, UserError, authenticate, list_users
from hub.admin import people, records, views
from hub.admin.responses import BAD_BODY, CONFLICT, NOT_FOUND, SIGNED_IN, THROTTLED
from hub.admin.schemas import (
    AccessRequestIn,
    AppCreated,
    AppDetailsIn,
    AppIn,
    AppOut,
    ApproveIn,
    AuditOut,
    DeclarationIn,
    LoginIn,
    LoginOut,
    Receipt,
    RejectIn,
    RequestDetail,
    RequestSummary,
    RotatedSecret,
    RotateIn,
    RunOut,
    SourceOut,
    UserIn,
    UserOut,
)
from hub.admin.session import CSRF_HEADER, Sessions, Viewer, csrf_ok, reject_app_tokens
from hub.admin.source_check import ConnectionCheckOut, check_source
from hub.admin.throttle import LoginThrottle


def api_router(engine: Engine, sessions: Sessions, throttle: LoginThrottle) -> APIRouter:
    router = APIRouter(
        prefix="/admin/api",
        tags=["admin"],
        dependencies=[Depends(reject_app_tokens)],
        responses=SIGNED_IN,
    )

    def viewer(request: Request) -> Viewer:
        found = sessions.viewer(request)
        if found is None:
            raise HTTPException(401, "sign in first: POST /admin/api/login")
        if request.method not in ("GET", "HEAD") and not csrf_ok(
            found.csrf_token, request.headers.get(CSRF_HEADER)
        ):
            raise HTTPException(403, "missing or wrong X-CSRF-Token header")
        return found

    def operator(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
        if not who.user.is_operator:
            raise HTTPException(403, "hub operators only")
        return who

    Who = Annotated[Viewer, Depends(viewer)]  # noqa: N806  (a type alias)
    Operator = Annotated[Viewer, Depends(operator)]  # noqa: N806

    @contextmanager
    def transaction() -> Iterator[Connection]:
        try:
            with engine.begin() as conn:
                yield conn
        except views.NotFoundError as exc:
            raise HTTPException(404, f"not found: {exc}") from None
        except (RequestError, GrantError, DuplicateAppError, UserError, DeclarationError) as exc:
            raise HTTPException(409, str(exc)) from None
        except ValidationError as exc:
            raise HTTPException(422, exc.errors(include_url=False, include_context=False)) from None

    @router.post(
        "/login",
        response_model=LoginOut,
        responses=BAD_BODY | THROTTLED,
    )
    def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
        client = request.client.host if request.client else "?"
        throttle.check(client)
        refusal: LoginError | None = None
        with engine.begin() as conn:
            # Caught inside the transaction so the failure count commits with it.
            try:
                user = authenticate(conn, body.email, body.password)
            except LoginError as exc:
                refusal = exc
        if refusal is not None:
            throttle.failed(client)
            raise HTTPException(401, str(refusal))
        csrf = sessions.write(response, user.id)
        return LoginOut(csrf_token=csrf, user=_user_out(user))

    @router.post("/logout", status_code=204)
    def logout(who: Who, response: Response) -> None:
        sessions.clear(response)

    @router.get("/me", response_model=UserOut)
    def me(who: Who) -> UserOut:
        return _user_out(who.user)

    @router.get("/requests", response_model=list[RequestSummary])
    def list_requests(who: Who, status: Status | None = None) -> list[RequestSummary]:
        with transaction() as conn:
            return views.request_summaries(conn, who, status)

    @router.get("/requests/{request_id}", response_model=RequestDetail, responses=NOT_FOUND)
    def get_request(request_id: str, who: Who) -> RequestDetail:
        with transaction() as conn:
            return views.request_detail(conn, who, request_id)

    @router.post(
        "/requests/{request_id}/approve", response_model=RequestDetail, responses=NOT_FOUND | CONFLICT
    )
    def approve(request_id: str, body: ApproveIn, who: Who) -> RequestDetail:
        with transaction() as conn:
            views.visible_request(conn, who, request_id)
            access_requests.approve(
                conn,
                request_id,
                who.actor,
                optional_fields=body.optional_fields,
                school_ids=body.school_ids,
                options=body.options,
            )
            return views.request_detail(conn, who, request_id)

    @router.post(
        "/requests/{request_id}/reject", response_model=RequestDetail, responses=NOT_FOUND | CONFLICT
    )
    def reject(request_id: str, body: RejectIn, who: Who) -> RequestDetail:
        with transaction() as conn:
            views.visible_request(conn, who, request_id)
            access_requests.reject(conn, request_id, who.actor, body.note)
            return views.request_detail(conn, who, request_id)

    @router.post("/requests/{request_id}/defer", response_model=RequestDetail, responses=NOT_FOUND | CONFLICT)
    def defer(request_id: str, who: Who) -> RequestDetail:
        """Decide later: the request stays pending."""
        with transaction() as conn:
            views.visible_request(conn, who, request_id)
            access_requests.defer(conn, request_id, who.actor)
            return views.request_detail(conn, who, request_id)

    @router.post(
        "/requests/{request_id}/revoke", response_model=RequestDetail, responses=NOT_FOUND | CONFLICT
    )
    def revoke(request_id: str, who: Who) -> RequestDetail:
        with transaction() as conn:
            views.visible_request(conn, who, request_id)
            access_requests.revoke_request(conn, request_id, who.actor)
            return views.request_detail(conn, who, request_id)

    @router.put(
        "/requests/{request_id}/options", response_model=RequestDetail, responses=NOT_FOUND | CONFLICT
    )
    def set_options(request_id: str, body: GrantOptions, who: Who) -> RequestDetail:
        with transaction() as conn:
            views.visible_request(conn, who, request_id)
            access_requests.set_options(conn, request_id, who.actor, body)
            return views.request_detail(conn, who, request_id)

    @router.get("/requests/{request_id}/receipt", response_model=Receipt, responses=NOT_FOUND)
    def receipt(request_id: str, who: Who) -> Receipt:
        with transaction() as conn:
            return records.receipt(conn, who, request_id)

    @router.get("/sources", response_model=list[SourceOut])
    def sources(who: Who) -> list[SourceOut]:
        with transaction() as conn:
            return views.sources(conn, who)

    @router.get("/sources/{source_id}/runs", response_model=list[RunOut], responses=NOT_FOUND)
    def source_runs(
        source_id: str, who: Who, limit: Annotated[int, Query(ge=1, le=200)] = 20
    ) -> list[RunOut]:
        """The source's sync history: status, counts, errors, quarantined records."""
        with transaction() as conn:
            return views.source_runs(conn, who, source_id, limit)

    @router.post("/sources/{source_id}/test", response_model=ConnectionCheckOut, responses=NOT_FOUND)
    async def test_source(source_id: str, who: Who) -> ConnectionCheckOut:
        """Test connection: the adapter's own check against the MIS (ok, bad credentials,
        unreachable, wrong dialect ...). A failed check is still a 200: the test itself ran."""
        try:
            return await check_source(engine, who, source_id)
        except views.NotFoundError as exc:
            raise HTTPException(404, f"not found: {exc}") from None

    @router.get("/audit", response_model=list[AuditOut])
    def audit_log(who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditOut]:
        with transaction() as conn:
            events = list_events(conn, school_scope=who.scope, limit=limit)
        return [AuditOut(**{**e.__dict__, "school_ids": list(e.school_ids)}) for e in events]

    @router.get("/apps", response_model=list[AppOut])
    def apps(who: Who) -> list[AppOut]:
        with transaction() as conn:
            return views.visible_apps(conn, who)

    @router.get(
        "/apps/{app_id}/data-use.csv",
        response_class=Response,
        responses={
            200: {"content": {"text/csv": {}}, "description": "One row per field granted."},
            **NOT_FOUND,
        },
    )
    def data_use(app_id: str, who: Who) -> Response:
        with transaction() as conn:
            body = records.data_use_csv(conn, who, app_id)
        return Response(
            body,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="data-use-{app_id}.csv"'},
        )

    # --- Operator-only: vendors' apps, their credentials, requests on their behalf, people ----

    @router.post("/apps", response_model=AppCreated, status_code=201, responses=CONFLICT)
    def create_app(body: AppIn, who: Operator) -> AppCreated:
        with transaction() as conn:
            app, secret = register_app(conn, body.name)
            set_details(conn, app.id, body.details, who.actor)
            if body.declaration:
                declare_access(conn, app.id, body.declaration, who.actor)
            return AppCreated(**views.app_out(conn, app).model_dump(), client_secret=secret)

    @router.put("/apps/{app_id}/details", response_model=AppOut, responses=NOT_FOUND | CONFLICT)
    def put_details(app_id: str, body: AppDetailsIn, who: Operator) -> AppOut:
        with transaction() as conn:
            app = _existing_app(conn, app_id)
            set_details(conn, app_id, body, who.actor)
            return views.app_out(conn, app)

    @router.put("/apps/{app_id}/declaration", response_model=AppOut, responses=NOT_FOUND | CONFLICT)
    def put_declaration(app_id: str, body: DeclarationIn, who: Operator) -> AppOut:
        with transaction() as conn:
            app = _existing_app(conn, app_id)
            declare_access(conn, app_id, body.root, who.actor)
            return views.app_out(conn, app)

    @router.post("/apps/{app_id}/rotate-secret", response_model=RotatedSecret, responses=NOT_FOUND | CONFLICT)
    def rotate(app_id: str, body: RotateIn, who: Operator) -> RotatedSecret:
        with transaction() as conn:
            _existing_app(conn, app_id)
            secret, until = rotate_secret(conn, app_id, who.actor, timedelta(hours=body.grace_hours))
        return RotatedSecret(client_secret=secret, old_secret_valid_until=until)

    @router.post(
        "/apps/{app_id}/access-requests",
        response_model=RequestDetail,
        status_code=201,
        responses=NOT_FOUND | CONFLICT,
    )
    def request_access(app_id: str, body: AccessRequestIn, who: Operator) -> RequestDetail:
        """File a request on the app's behalf (vendors will get their own endpoint)."""
        with transaction() as conn:
            _existing_app(conn, app_id)
            req = access_requests.request_access(conn, app_id, body.source_id, body.organisation_id)
            return views.request_detail(conn, who, req.id)

    @router.get("/users", response_model=list[UserOut])
    def users(who: Operator) -> list[UserOut]:
        with transaction() as conn:
            return [_user_out(u) for u in list_users(conn)]

    @router.post("/users", response_model=UserOut, status_code=201, responses=CONFLICT)
    def add_user(body: UserIn, who: Operator) -> UserOut:
        with transaction() as conn:
            user = people.add_admin(conn, who, body)
        return _user_out(user)

    @router.post("/users/{user_id}/disable", response_model=UserOut, responses=NOT_FOUND | CONFLICT)
    def disable(user_id: str, who: Operator) -> UserOut:
        """The account stops at once: no sign-in, and open sessions end at their next request."""
        with transaction() as conn:
            return _user_out(people.set_enabled(conn, who, user_id, enabled=False))

    @router.post("/users/{user_id}/enable", response_model=UserOut, responses=NOT_FOUND | CONFLICT)
    def enable(user_id: str, who: Operator) -> UserOut:
        with transaction() as conn:
            return _user_out(people.set_enabled(conn, who, user_id, enabled=True))

    return router


def _existing_app(conn: Connection, app_id: str) -> AppRecord:
    app = get_app(conn, app_id)
    if app is None:
        raise views.NotFoundError(app_id)
    return app


def _user_out(user: AdminUserRecord) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role.value,
        organisation_ids=list(user.organisation_ids),
        disabled=user.disabled_at is not None,
    )
