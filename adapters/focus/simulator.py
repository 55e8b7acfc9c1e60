"""A Focus district API over a synthetic district, for tests and `satchel demo`.

OAuth 2 client credentials at `/oauth/token`, bearer tokens on every other route, the roster
paged by `page`/`limit`, and per-student pages rendered by `render.FocusRenderer` in the camelCase
dialect (default) or the older snake_case one. `FocusSimulator` holds what tests poke at.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from adapters.focus.render import Dialect, FocusRenderer, snake_keys
from hub.synthetic import SyntheticDistrict


class FocusSimulator:
    def __init__(
        self, district: SyntheticDistrict, *, client_id: str, client_secret: str, dialect: Dialect = "camel"
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.dialect: Dialect = dialect
        self.requests = 0
        self.tokens_issued = 0
        self._tokens: set[str] = set()
        self.district = district

    @property
    def district(self) -> SyntheticDistrict:
        return self.renderer.district

    @district.setter
    def district(self, district: SyntheticDistrict) -> None:
        self.renderer = FocusRenderer(district)

    def revoke_tokens(self) -> None:
        """Forget every issued token (clients must fetch a new one)."""
        self._tokens.clear()

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if client_id != self.client_id or not secrets.compare_digest(str(secret), self.client_secret):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                status_code=401,
            )
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        self.tokens_issued += 1
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def authorised(self, request: Request) -> bool:
        self.requests += 1
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self._tokens

    def body(self, value: Any) -> JSONResponse:
        return JSONResponse(value)


def _unauthorised() -> JSONResponse:
    return JSONResponse({"error": "invalid_token"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def _not_found(what: str) -> JSONResponse:
    return JSONResponse({"error": "not_found", "message": f"no {what}"}, status_code=404)


def create_app(
    district: SyntheticDistrict, *, client_id: str, client_secret: str, dialect: Dialect = "camel"
) -> FastAPI:
    """The simulator as an ASGI app; its state is `app.state.simulator` (a FocusSimulator)."""
    sim = FocusSimulator(district, client_id=client_id, client_secret=client_secret, dialect=dialect)
    app = FastAPI(title="Focus simulator", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.simulator = sim

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        return await sim.token(request)

    @app.get("/schools")
    async def schools(request: Request) -> JSONResponse:
        if not sim.authorised(request):
            return _unauthorised()
        return sim.body({"schools": sim.renderer.schools()})

    @app.get("/students")
    async def students(
        request: Request, school_id: str | None = None, page: int = 1, limit: int = 100
    ) -> JSONResponse:
        if not sim.authorised(request):
            return _unauthorised()
        everyone = [s for s in sim.renderer.students if school_id is None or s["school_id"] == school_id]
        chunk = everyone[(page - 1) * limit : page * limit]
        records = [sim.renderer.student(s) for s in chunk]
        body = {"students": records, "total": len(everyone), "page": page}
        return sim.body(snake_keys(body) if sim.dialect == "snake" else body)

    @app.get("/students/{student_id}/{page}")
    async def student_page(request: Request, student_id: str, page: str) -> JSONResponse:
        if not sim.authorised(request):
            return _unauthorised()
        body = sim.renderer.page(student_id, page, sim.dialect)
        return _not_found(f"page {page} for student {student_id}") if body is None else sim.body(body)

    @app.get("/schools/{school_id}/calendar/{year}/{month}")
    async def calendar(request: Request, school_id: str, year: int, month: int) -> JSONResponse:
        if not sim.authorised(request):
            return _unauthorised()
        return sim.body(sim.renderer.calendar(school_id, year, month, sim.dialect))

    return app


def simulator_of(app: object) -> FocusSimulator:
    """The state behind an app made by create_app."""
    simulator = getattr(getattr(app, "state", None), "simulator", None)
    if not isinstance(simulator, FocusSimulator):
        raise TypeError("not a Focus simulator app")
    return simulator
