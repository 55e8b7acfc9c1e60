"""The simulator's auth: OAuth 1.0a signature checks (1.1) and an OAuth 2 client-credentials token
endpoint with bearer and scope checks (1.2)."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus
from urllib.request import parse_http_list, parse_keqv_list

from authlib.common.urls import url_decode
from authlib.oauth1.rfc5849.signature import verify_hmac_sha1
from authlib.oauth1.rfc5849.util import unescape
from fastapi import Request
from fastapi.responses import JSONResponse

from adapters.oneroster.sim_query import ImsError
from adapters.oneroster.versions import (
    GRADEBOOK_COLLECTIONS,
    SCOPE_DEMOGRAPHICS,
    SCOPE_GRADEBOOK,
    SCOPE_ROSTER,
    SCOPE_ROSTER_CORE,
)

ALL_SCOPES = (SCOPE_ROSTER, SCOPE_ROSTER_CORE, SCOPE_DEMOGRAPHICS, SCOPE_GRADEBOOK)


def scopes_for(collection: str) -> tuple[str, ...]:
    """Any one of these scopes lets a token read the collection (OneRoster 1.2 §4)."""
    if collection == "demographics":
        return (SCOPE_DEMOGRAPHICS, SCOPE_ROSTER)
    if collection in GRADEBOOK_COLLECTIONS:
        return (SCOPE_GRADEBOOK,)  # roster.readonly does not cover the gradebook service
    return (SCOPE_ROSTER_CORE, SCOPE_ROSTER)


class OAuth1Verifier:
    """Two-legged OAuth 1.0a, HMAC-SHA1: signature, consumer key, timestamp window, nonce reuse."""

    def __init__(
        self, client_id: str, client_secret: str, *, max_clock_skew: float, clock: Callable[[], float]
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.max_clock_skew = max_clock_skew
        self.clock = clock
        self._nonces: dict[str, float] = {}

    def verify(self, request: Request) -> None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("oauth "):
            raise ImsError(401, "unauthorisedrequest", "missing OAuth 1.0a Authorization header")
        try:
            oauth = [
                (unescape(k), unescape(v)) for k, v in parse_keqv_list(parse_http_list(header[6:])).items()
            ]
            query = url_decode(request.url.query)
        except (ValueError, IndexError):
            raise ImsError(401, "unauthorisedrequest", "malformed OAuth Authorization header") from None
        params = dict(oauth)
        if params.get("oauth_consumer_key") != self.client_id:
            raise ImsError(401, "unauthorisedrequest", "unknown consumer key")
        if params.get("oauth_signature_method") != "HMAC-SHA1":
            raise ImsError(401, "unauthorisedrequest", "only HMAC-SHA1 signatures are accepted")
        try:
            stamp = float(params.get("oauth_timestamp", ""))
        except ValueError:
            raise ImsError(401, "unauthorisedrequest", "missing or invalid oauth_timestamp") from None
        now = self.clock()
        if abs(now - stamp) > self.max_clock_skew:
            raise ImsError(401, "unauthorisedrequest", "stale oauth_timestamp: check the client's clock")
        nonce = params.get("oauth_nonce", "")
        self._nonces = {n: t for n, t in self._nonces.items() if t > now - self.max_clock_skew}
        if not nonce or nonce in self._nonces:
            raise ImsError(401, "unauthorisedrequest", "missing or reused oauth_nonce")
        signed = _SignedRequest(
            method=request.method,
            uri=str(request.url),
            params=query + [(k, v) for k, v in oauth if k != "realm"],
            headers={"Host": request.headers.get("host", "")},
            signature=params.get("oauth_signature", ""),
            client_secret=self.client_secret,
        )
        if not verify_hmac_sha1(signed):
            raise ImsError(401, "unauthorisedrequest", "invalid OAuth signature")
        self._nonces[nonce] = now


@dataclass
class _SignedRequest:
    """What authlib's verify_hmac_sha1 reads. authlib's own OAuth1Request refuses plain http."""

    method: str
    uri: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    signature: str
    client_secret: str
    token_secret: str | None = None


@dataclass(frozen=True)
class _Issued:
    scopes: frozenset[str]
    expires_at: float


class TokenIssuer:
    """OAuth 2 client credentials: issues opaque bearer tokens that expire, checks them and their scopes."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        granted: Iterable[str],
        lifetime: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.granted = frozenset(granted)  # what this client may ever have
        self.lifetime = lifetime
        self.clock = clock
        self.issued = 0
        self._tokens: dict[str, _Issued] = {}

    def expire_all(self) -> None:
        """Every token issued so far stops working (as if expired or revoked), for tests."""
        self._tokens.clear()

    async def token_response(self, request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        client_id, secret = _basic(request.headers.get("Authorization", "")) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if (client_id, secret) != (self.client_id, self.client_secret):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
        asked = frozenset(form["scope"].split()) if form.get("scope") else self.granted
        # RFC 6749 §3.3: the server may issue fewer scopes than asked, and says which in `scope`.
        scopes = asked & self.granted
        if not scopes:
            return _oauth_error(400, "invalid_scope", f"none of {' '.join(sorted(asked))} is granted")
        token = secrets.token_urlsafe(24)
        self._tokens[token] = _Issued(scopes, self.clock() + self.lifetime)
        self.issued += 1
        body = {"access_token": token, "token_type": "bearer", "expires_in": int(self.lifetime),
                "scope": " ".join(sorted(scopes))}  # fmt: skip
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def authorize(self, request: Request, collection: str) -> None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            raise ImsError(
                401, "unauthorisedrequest", "missing bearer token", challenge='Bearer realm="OneRoster"'
            )
        issued = self._tokens.get(header[7:].strip())
        if issued is None or self.clock() >= issued.expires_at:
            raise ImsError(
                401, "unauthorisedrequest", "invalid or expired access token",
                challenge='Bearer realm="OneRoster", error="invalid_token"',
            )  # fmt: skip
        needed = scopes_for(collection)
        if not issued.scopes & set(needed):
            alternatives = f" (or {' or '.join(needed[1:])})" if needed[1:] else ""
            raise ImsError(
                403, "forbidden",
                f"the access token lacks the scope {needed[0]}{alternatives} needed to read {collection}",
                challenge=f'Bearer realm="OneRoster", error="insufficient_scope", scope="{needed[0]}"',
            )  # fmt: skip


def _basic(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return unquote_plus(user), unquote_plus(password)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="OneRoster"'} if status == 401 else None
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )
