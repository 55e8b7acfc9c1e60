"""OpenID Connect single sign-on for admins: the authorization-code flow with PKCE, as a client.

authlib builds the authorization and token requests and the PKCE challenge; joserfc (authlib's
JOSE library) verifies the ID token: an RS256 signature by a key from the provider's JWKS, then
issuer, audience, expiry and the nonce this sign-in sent. The provider's discovery document and
keys are fetched on every sign-in (sign-ins are rare), so a key rotation needs no restart.

The provider vouches only for an e-mail address. It must be verified, and an admin user with it
must already exist and be enabled: roles and schools are Satchel's, never the provider's, and no
account (least of all an operator) is ever created here.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from sqlalchemy import Connection

from hub.access.users import AdminUserRecord, find_user
from hub.config import Settings

# Clock skew allowed between the hub and the provider when checking exp, iat and nbf.
LEEWAY_SECONDS = 60
_TIMEOUT = httpx.Timeout(10.0)


class OidcError(Exception):
    """A sign-in that cannot go ahead; the message is shown to the person signing in."""


class OidcConfigError(OidcError):
    """SSO is off, or configured in a way that cannot work."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    discovery_url: str
    scopes: str
    email_claim: str

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """None when SSO is not configured; an error when it is, but only half."""
        if not settings.admin_oidc_issuer:
            return None
        if not settings.admin_oidc_client_id or not settings.admin_oidc_client_secret:
            raise OidcConfigError("SATCHEL_ADMIN_OIDC_ISSUER is set but the client id or secret is missing")
        issuer = settings.admin_oidc_issuer.rstrip("/")
        discovery = settings.admin_oidc_discovery_url or f"{issuer}/.well-known/openid-configuration"
        for url in (issuer, discovery):
            _require_secure(url)
        return cls(
            issuer=issuer,
            client_id=settings.admin_oidc_client_id,
            client_secret=settings.admin_oidc_client_secret,
            discovery_url=discovery,
            scopes=settings.admin_oidc_scopes,
            email_claim=settings.admin_oidc_email_claim,
        )


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser carries (in a signed cookie) from the redirect to the callback."""

    state: str
    nonce: str
    code_verifier: str


async def discover(client: httpx.AsyncClient, config: OidcConfig) -> Provider:
    doc = await _get_json(client, config.discovery_url, "discovery document")
    try:
        provider = Provider(
            issuer=str(doc["issuer"]),
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
        )
    except KeyError as exc:
        raise OidcError(f"the provider's discovery document has no {exc.args[0]}") from None
    # The configured issuer may differ by a trailing slash; ID tokens carry the provider's own.
    if provider.issuer.rstrip("/") != config.issuer:
        raise OidcError(f"the provider says its issuer is {provider.issuer}, not {config.issuer}")
    for url in (provider.authorization_endpoint, provider.token_endpoint, provider.jwks_uri):
        _require_secure(url)
    return provider


def authorization_url(provider: Provider, config: OidcConfig, redirect_uri: str) -> tuple[str, PendingSignIn]:
    """Where to send the browser, and the state, nonce and PKCE verifier to check on return."""
    pending = PendingSignIn(
        state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64)
    )
    url = prepare_grant_uri(
        provider.authorization_endpoint,
        config.client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=config.scopes,
        state=pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.code_verifier),
        code_challenge_method="S256",
    )
    return str(url), pending


async def exchange_code(
    client: httpx.AsyncClient,
    provider: Provider,
    config: OidcConfig,
    code: str,
    redirect_uri: str,
    pending: PendingSignIn,
) -> dict[str, Any]:
    """Trade the code for tokens (client_secret_basic) and return the verified ID token's claims."""
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=pending.code_verifier
    )
    try:
        response = await client.post(
            provider.token_endpoint,
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            auth=(config.client_id, config.client_secret),
        )
    except httpx.HTTPError as exc:
        raise OidcError(f"could not reach the provider's token endpoint: {exc}") from None
    if response.status_code != 200:
        raise OidcError(
            f"the provider refused the sign-in code (HTTP {response.status_code}): {_error(response)}"
        )
    id_token = _json(response, "token response").get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("the provider's token response has no ID token (is the openid scope allowed?)")
    keys = await _get_json(client, provider.jwks_uri, "signing keys")
    return verify_id_token(id_token, keys, config, pending.nonce, provider.issuer)


def verify_id_token(
    id_token: str,
    jwks: dict[str, Any],
    config: OidcConfig,
    nonce: str,
    issuer: str,
) -> dict[str, Any]:
    """The claims of an ID token signed by one of these keys, from this issuer (exactly as the
    provider's discovery document spells it), for this client and this sign-in's nonce."""
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])  # type: ignore[arg-type]
    except BadSignatureError:
        raise OidcError("the ID token's signature does not verify with the provider's keys") from None
    except JoseError as exc:
        raise OidcError(f"the ID token cannot be read or verified: {exc.description or exc.error}") from None
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": config.client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise OidcError("the ID token has expired; sign in again") from None
    except (InvalidClaimError, MissingClaimError) as exc:
        what = {"nonce": "was not issued for this sign-in (nonce mismatch)"}.get(
            exc.claim, f"has a wrong or missing '{exc.claim}' claim"
        )
        raise OidcError(f"the ID token {what}") from None
    except JoseError as exc:
        raise OidcError(f"the ID token is not valid: {exc.description or exc.error}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise OidcError("the ID token was issued to several clients and not authorised for this one")
    return claims


def admin_for_claims(conn: Connection, claims: dict[str, Any], config: OidcConfig) -> AdminUserRecord:
    """The existing, enabled admin with the token's verified e-mail address."""
    email = claims.get(config.email_claim)
    if not isinstance(email, str) or "@" not in email:
        raise OidcError(f"the provider did not send an e-mail address (claim '{config.email_claim}')")
    if claims.get("email_verified") not in (True, "true"):
        raise OidcError(f"the provider has not verified the e-mail address {email}")
    user = find_user(conn, email)
    if user is None or user.disabled_at is not None:
        raise OidcError(f"no Satchel admin account uses {email}; ask a hub operator to add you")
    return user


def _require_secure(url: str) -> None:
    """https, or http to this machine only (development and tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    host = parts.hostname or ""
    loopback = host == "localhost" or _is_loopback_ip(host)
    if parts.scheme != "http" or not loopback:
        raise OidcConfigError(f"OIDC URLs must use https (http only on localhost): {url}")


def _is_loopback_ip(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _get_json(client: httpx.AsyncClient, url: str, what: str) -> dict[str, Any]:
    try:
        response = await client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise OidcError(f"could not fetch the provider's {what} from {url}: {exc}") from None
    if response.status_code != 200:
        raise OidcError(f"the provider's {what} at {url} answered HTTP {response.status_code}")
    return _json(response, what)


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except json.JSONDecodeError:
        raise OidcError(f"the provider's {what} is not JSON") from None
    if not isinstance(data, dict):
        raise OidcError(f"the provider's {what} is not a JSON object")
    return data


def _error(response: httpx.Response) -> str:
    try:
        data = response.json()
    except json.JSONDecodeError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("error_description") or data.get("error") or data)[:200]
    return str(data)[:200]


def client() -> httpx.AsyncClient:
    """For calls to the provider: no redirects followed, bounded time."""
    return httpx.AsyncClient(timeout=_TIMEOUT, follow_redirects=False)
