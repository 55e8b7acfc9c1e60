"""A small OpenID Connect provider for tests: discovery, JWKS, authorize and token, with ID tokens
signed RS256 by a real RSA key (joserfc). It signs in whoever `behaviour.email` says at once
(no login page) and can be told to misbehave: another nonce, a foreign key, an expired token,
an unverified address, an HS256 token.

It checks what a real provider checks of the client: client id and secret (HTTP Basic), the
exact redirect URI, single-use codes and the PKCE S256 challenge.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

KID = "sim-key-1"


@dataclass
class Behaviour:
    email: str = "north@sis.example"
    email_verified: bool = True
    nonce: str | None = None  # None: echo the nonce the client sent
    foreign_key: bool = False  # sign with a key that is not in the JWKS (same kid)
    lifetime_seconds: int = 300  # negative: already expired when issued
    audience: str | None = None  # None: the client id
    hs256_with_client_secret: bool = False  # the algorithm-confusion attack: HMAC keyed by a shared secret


@dataclass
class Grant:
    redirect_uri: str
    nonce: str
    challenge: str


@dataclass
class SimulatedProvider:
    client_id: str = "satchel-admin"
    client_secret: str = "a-long-sso-client-secret"
    behaviour: Behaviour = field(default_factory=Behaviour)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"}
        )
    )
    foreign: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": KID}))
    _codes: dict[str, Grant] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery(request: Request) -> dict[str, Any]:
            issuer = _issuer(request)
            return {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize")
        def authorize(request: Request) -> Any:
            q = dict(request.query_params)
            self.authorize_requests.append(q)
            problems = [
                name
                for name, ok in (
                    ("response_type", q.get("response_type") == "code"),
                    ("client_id", q.get("client_id") == self.client_id),
                    ("scope", "openid" in q.get("scope", "").split()),
                    ("redirect_uri", bool(q.get("redirect_uri"))),
                    ("state", bool(q.get("state"))),
                    ("nonce", bool(q.get("nonce"))),
                    ("code_challenge", bool(q.get("code_challenge"))),
                    ("code_challenge_method", q.get("code_challenge_method") == "S256"),
                )
                if not ok
            ]
            if problems:
                return JSONResponse({"error": "invalid_request", "bad": problems}, 400)
            code = secrets.token_urlsafe(16)
            self._codes[code] = Grant(q["redirect_uri"], q["nonce"], q["code_challenge"])
            return RedirectResponse(
                f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302
            )

        @app.post("/token")
        def token(
            request: Request,
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
        ) -> JSONResponse:
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, 401)
            grant = self._codes.pop(code, None)  # single use
            if grant_type != "authorization_code" or grant is None or grant.redirect_uri != redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, 400)
            digest = hashlib.sha256(code_verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
                return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verifier"}, 400)
            return JSONResponse(
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "id_token": self._id_token(request, grant),
                }
            )

        return app

    def _id_token(self, request: Request, grant: Grant) -> str:
        b = self.behaviour
        now = int(time.time())
        claims = {
            "iss": _issuer(request),
            "sub": f"user-{b.email}",
            "aud": b.audience or self.client_id,
            "iat": now if b.lifetime_seconds > 0 else now - 3600,
            "exp": now + b.lifetime_seconds if b.lifetime_seconds > 0 else now - 600,
            "nonce": b.nonce if b.nonce is not None else grant.nonce,
            "email": b.email,
            "email_verified": b.email_verified,
        }
        if b.hs256_with_client_secret:
            return jwt.encode({"alg": "HS256", "kid": KID}, claims, OctKey.import_key(self.client_secret))
        key = self.foreign if b.foreign_key else self.key
        return jwt.encode({"alg": "RS256", "kid": KID}, claims, key)


def _issuer(request: Request) -> str:
    return str(request.base_url).rstrip("/")
