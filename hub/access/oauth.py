"""POST /oauth/token: the OAuth 2 client-credentials grant, on authlib's generic server, and the
authorization-code grant that completes a connect-by-link consent (hub/access/connect.py).

authlib ships the protocol (grant validation, client authentication, error bodies) and leaves
the framework glue to us: turning a request into an OAuth2Request and a (status, body, headers)
triple back into a response. The server object is made per request, bound to that request's
database connection, and runs in a worker thread so the event loop never waits on the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import InsecureTransportError, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, ClientCredentialsGrant
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine, select

from hub.access import connect
from hub.access.apps import verify_client
from hub.access.tokens import new_token, store_token
from hub.config import Settings
from hub.store.columns import utcnow
from hub.store.models import APPS

Headers = list[tuple[str, str]]


class _Client(ClientMixin):  # type: ignore[misc]  # authlib ships no type hints
    """An app, as authlib's client model sees it: confidential, client credentials only."""

    def __init__(self, conn: Connection, app_id: str, client_id: str) -> None:
        self.app_id = app_id
        self.client_id = client_id
        self._conn = conn

    def get_client_id(self) -> str:
        return self.client_id

    def get_allowed_scope(self, scope: str | None) -> str:
        return ""  # what an app may read is decided by grants, not OAuth scopes

    def check_client_secret(self, client_secret: str) -> bool:
        # verify_client also accepts a rotated-out secret still inside its grace period.
        return verify_client(self._conn, self.client_id, client_secret) is not None

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_grant_type(self, grant_type: str) -> bool:
        # authorization_code only confirms a connect-by-link consent; see _ConnectCodeGrant.
        return grant_type in ("client_credentials", "authorization_code")


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, form: list[tuple[str, str]]) -> None:
        self._data = dict(form)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in form:
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _TokenRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(
        self, method: str, url: str, headers: Mapping[str, str], form: list[tuple[str, str]]
    ) -> None:
        super().__init__(method=method, uri=url, headers=headers)
        self.payload = _Payload(form)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data


class _ClientCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class _ConnectCode:
    """A connect code as authlib's grant sees it."""

    def __init__(self, record: connect.CodeRecord) -> None:
        self.record = record

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return ""


class _ConnectCodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    """Exchange a connect code for a confirmation of the schools connected.

    authlib checks the client, that the code was issued to it, and that redirect_uri is the one
    the code was issued for (a mismatch, like a used or expired code, is invalid_grant). The
    response also carries an ordinary access token, the same as client credentials would give,
    so standard OAuth client libraries (which expect one) work unchanged.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_authorization_code(self, code: str, client: _Client) -> _ConnectCode | None:
        server: HubAuthorizationServer = self.server
        record = connect.find_code(server.conn, client.app_id, code, server.now)
        return _ConnectCode(record) if record else None

    def validate_token_request(self) -> None:
        super().validate_token_request()
        server: HubAuthorizationServer = self.server
        # Claimed here, before any token is made, so a concurrent second exchange of the same
        # code fails cleanly instead of both succeeding.
        if not connect.use_code(server.conn, self.request.authorization_code.record.code_hash, server.now):
            raise InvalidGrantError("Invalid 'code' in request.")

    def authenticate_user(self, authorization_code: _ConnectCode) -> str:
        return authorization_code.record.admin_user_id

    def delete_authorization_code(self, authorization_code: _ConnectCode) -> None:
        pass  # already marked used in validate_token_request

    def create_token_response(self) -> tuple[int, dict[str, Any], Headers]:
        status, token, headers = super().create_token_response()
        server: HubAuthorizationServer = self.server
        record = self.request.authorization_code.record
        body = {**token, "connected_schools": connect.connected_schools(server.conn, record.school_ids)}
        return status, body, headers


class HubAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """authlib's server bound to one connection: clients are apps, tokens go to access_tokens."""

    def __init__(self, conn: Connection, ttl_seconds: int, now: datetime) -> None:
        super().__init__()
        self.conn = conn
        self.ttl_seconds = ttl_seconds
        self.now = now
        self.register_grant(_ClientCredentialsGrant)
        self.register_grant(_ConnectCodeGrant)
        self.register_token_generator("default", self._generate_token)

    def query_client(self, client_id: str) -> _Client | None:
        row = self.conn.execute(
            select(APPS.c.id, APPS.c.client_id).where(
                APPS.c.client_id == client_id, APPS.c.disabled_at.is_(None)
            )
        ).first()
        return _Client(self.conn, row.id, row.client_id) if row else None

    def _generate_token(self, **_: Any) -> dict[str, Any]:
        return {"access_token": new_token(), "token_type": "Bearer", "expires_in": self.ttl_seconds}

    def save_token(self, token: dict[str, Any], request: _TokenRequest) -> None:
        expires_at = self.now + timedelta(seconds=int(token["expires_in"]))
        store_token(self.conn, request.client.app_id, token["access_token"], self.now, expires_at)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass  # no signal bus here

    def create_oauth2_request(self, request: _TokenRequest) -> _TokenRequest:
        return request  # already built from the HTTP request by the route

    def handle_response(self, status: int, body: Any, headers: Headers) -> tuple[int, Any, Headers]:
        if isinstance(body, dict) and body.get("error") == "invalid_client" and status != 401:
            # Always 401 for a bad client, whichever way it authenticated (RFC 6749 §5.2 allows it).
            status = 401
            headers = [*headers, ("WWW-Authenticate", 'Basic realm="satchel"')]
        return status, body, headers


def token_response(
    conn: Connection, request: _TokenRequest, ttl_seconds: int, now: datetime
) -> tuple[int, Any, Headers]:
    server = HubAuthorizationServer(conn, ttl_seconds, now)
    result: tuple[int, Any, Headers] = server.create_token_response(request)
    return result


def oauth_router(engine: Engine, settings: Settings) -> APIRouter:
    router = APIRouter()

    @router.post("/oauth/token", tags=["oauth"])
    async def token(request: Request) -> JSONResponse:
        body = (await request.body()).decode("utf-8", errors="replace")
        form = parse_qsl(body, keep_blank_values=True)
        headers = request.headers  # case-insensitive: authlib looks up "Authorization"

        def run() -> tuple[int, Any, Headers]:
            try:
                oauth_request = _TokenRequest(request.method, str(request.url), headers, form)
            except InsecureTransportError as exc:
                return exc()  # type: ignore[no-any-return]
            if request.headers.get("content-type", "").split(";")[0].strip() not in (
                "application/x-www-form-urlencoded",
                "",
            ):
                return InvalidRequestError("use application/x-www-form-urlencoded")()  # type: ignore[no-any-return]
            with engine.begin() as conn:
                return token_response(conn, oauth_request, settings.token_ttl_seconds, utcnow())

        status, payload, response_headers = await anyio.to_thread.run_sync(run)
        return JSONResponse(payload, status_code=status, headers=dict(response_headers))

    return router
