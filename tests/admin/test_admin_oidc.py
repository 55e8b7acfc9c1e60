"""Admin single sign-on against a simulated OpenID Connect provider, all over real HTTP on
loopback: the hub and the provider each run on a port, and an httpx client plays the browser,
following each redirect by hand so every step can be checked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import Engine

from adapters.sdk.simserver import BackgroundServer
from hub.access.oidc import OidcConfig, OidcConfigError, OidcError, verify_id_token
from hub.access.users import disable_user
from hub.app import create_app
from hub.config import Settings
from tests.admin.conftest import PASSWORD, World
from tests.admin.oidc_provider import SimulatedProvider

# One database is enough: sign-in touches one users table the other admin tests cover on both.
SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@dataclass
class Sso:
    provider: SimulatedProvider
    issuer: str
    hub: str


def _settings(**oidc: str) -> Settings:
    return Settings(admin_secret_key="sso-test-key", admin_cookie_secure=False, **oidc)  # type: ignore[arg-type]


@pytest.fixture
def sso(engine: Engine, world: World) -> Iterator[Sso]:
    provider = SimulatedProvider()
    with BackgroundServer(provider.app()) as idp:
        settings = _settings(
            admin_oidc_issuer=idp.url,
            admin_oidc_client_id=provider.client_id,
            admin_oidc_client_secret=provider.client_secret,
        )
        with BackgroundServer(create_app(engine, settings)) as hub:
            yield Sso(provider=provider, issuer=idp.url, hub=hub.url)


@pytest.fixture
def browser(sso: Sso) -> Iterator[httpx.Client]:
    """Plays the browser: keeps cookies, follows no redirect by itself."""
    with httpx.Client(base_url=sso.hub, follow_redirects=False) as client:
        yield client


def sign_in_with_sso(sso: Sso, browser: httpx.Client) -> httpx.Response:
    """Click the button, let the provider sign the user in, come back; returns the callback's answer."""
    login_page = browser.get("/admin/login")
    assert 'href="/admin/oidc/start"' in login_page.text
    assert "Sign in with single sign-on" in login_page.text
    start = browser.get("/admin/oidc/start")
    assert start.status_code == 303, start.text
    assert start.headers["location"].startswith(f"{sso.issuer}/authorize?")
    at_provider = httpx.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    return browser.get(at_provider.headers["location"])


def signed_in_as(browser: httpx.Client) -> str | None:
    me = browser.get("/admin/api/me")
    return str(me.json()["email"]) if me.status_code == 200 else None


@SQLITE
def test_sso_signs_an_existing_admin_in(sso: Sso, browser: httpx.Client) -> None:
    back = sign_in_with_sso(sso, browser)
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/admin/requests"
    assert signed_in_as(browser) == "north@sis.example"
    assert "north@sis.example" in browser.get("/admin/requests").text
    # The provider saw a PKCE S256 challenge, a nonce and a state, and an exact redirect URI.
    (asked,) = sso.provider.authorize_requests
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43
    assert asked["nonce"]
    assert asked["state"]
    assert asked["redirect_uri"] == f"{sso.hub}/admin/oidc/callback"
    assert asked["scope"] == "openid email"
    # The sign-in is in the audit log, with the provider's subject.
    with httpx.Client(base_url=sso.hub) as operator:
        signed = operator.post("/admin/api/login", json={"email": "op@hub.example", "password": PASSWORD})
        assert signed.status_code == 200
        events = operator.get("/admin/api/audit").json()
    assert any(e["action"] == "admin.signed_in_sso" and e["actor"] == "north@sis.example" for e in events)


@SQLITE
@pytest.mark.parametrize(
    ("misbehaviour", "message"),
    [
        ({"nonce": "someone-elses-nonce"}, "was not issued for this sign-in (nonce mismatch)"),
        ({"foreign_key": True}, "signature does not verify with the provider&#39;s keys"),
        ({"lifetime_seconds": -1}, "the ID token has expired"),
        ({"audience": "another-client"}, "wrong or missing &#39;aud&#39; claim"),
        ({"hs256_with_client_secret": True}, "the ID token cannot be read or verified"),
        ({"email": "stranger@sis.example"}, "no Satchel admin account uses stranger@sis.example"),
        ({"email_verified": False}, "has not verified the e-mail address north@sis.example"),
    ],
    ids=[
        "wrong-nonce",
        "bad-signature",
        "expired",
        "wrong-audience",
        "hs256-not-rs256",
        "unknown-email",
        "unverified-email",
    ],
)
def test_sso_refuses_with_a_clear_message_and_no_session(
    sso: Sso, browser: httpx.Client, misbehaviour: dict[str, object], message: str
) -> None:
    for name, value in misbehaviour.items():
        setattr(sso.provider.behaviour, name, value)
    back = sign_in_with_sso(sso, browser)
    assert back.status_code == 401
    assert "Single sign-on failed" in back.text
    assert message in back.text
    assert signed_in_as(browser) is None
    assert browser.get("/admin/requests").headers["location"] == "/admin/login"


@SQLITE
def test_sso_refuses_a_disabled_admin(engine: Engine, world: World, sso: Sso, browser: httpx.Client) -> None:
    with engine.begin() as conn:
        disable_user(conn, world.north_admin.id)
    back = sign_in_with_sso(sso, browser)
    assert back.status_code == 401
    assert "no Satchel admin account uses north@sis.example" in back.text
    assert signed_in_as(browser) is None


@SQLITE
def test_callback_needs_the_state_of_a_sign_in_started_in_this_browser(
    sso: Sso, browser: httpx.Client
) -> None:
    start = browser.get("/admin/oidc/start")
    at_provider = httpx.get(start.headers["location"])
    callback = httpx.URL(at_provider.headers["location"])
    # Another browser (no pending cookie) cannot use the code.
    with httpx.Client(base_url=sso.hub, follow_redirects=False) as stranger:
        assert stranger.get(str(callback)).status_code == 400
        assert signed_in_as(stranger) is None
    # A forged state is refused, and the pending sign-in is spent.
    forged = callback.copy_set_param("state", "forged")
    refused = browser.get(str(forged))
    assert refused.status_code == 400
    assert "state mismatch" in refused.text
    assert browser.get(str(callback)).status_code == 400
    assert signed_in_as(browser) is None


@SQLITE
def test_provider_errors_are_shown(sso: Sso, browser: httpx.Client) -> None:
    start = browser.get("/admin/oidc/start")
    state = httpx.URL(start.headers["location"]).params["state"]
    back = browser.get(
        "/admin/oidc/callback",
        params={"state": state, "error": "access_denied", "error_description": "User cancelled"},
    )
    assert back.status_code == 401
    assert "the provider said: User cancelled" in back.text
    assert signed_in_as(browser) is None


@SQLITE
def test_without_a_provider_there_is_no_button_and_no_route(engine: Engine, world: World) -> None:
    with BackgroundServer(create_app(engine, _settings())) as hub:
        assert "/admin/oidc/start" not in httpx.get(f"{hub.url}/admin/login").text
        assert httpx.get(f"{hub.url}/admin/oidc/start").status_code == 404


def test_half_or_insecure_configuration_is_refused() -> None:
    assert OidcConfig.from_settings(_settings()) is None
    with pytest.raises(OidcConfigError, match="client id or secret is missing"):
        OidcConfig.from_settings(_settings(admin_oidc_issuer="https://idp.example"))
    with pytest.raises(OidcConfigError, match="must use https"):
        OidcConfig.from_settings(
            _settings(
                admin_oidc_issuer="http://idp.example",
                admin_oidc_client_id="c",
                admin_oidc_client_secret="s",
            )
        )
    config = OidcConfig.from_settings(
        _settings(
            admin_oidc_issuer="https://idp.example/", admin_oidc_client_id="c", admin_oidc_client_secret="s"
        )
    )
    assert config is not None
    assert config.discovery_url == "https://idp.example/.well-known/openid-configuration"


def test_id_token_issuer_is_the_providers_own_spelling() -> None:
    """A provider whose issuer ends in '/' (Auth0 does) puts it so in its ID tokens; the configured
    issuer may leave the slash off and still match."""
    config = OidcConfig.from_settings(
        _settings(
            admin_oidc_issuer="https://idp.example", admin_oidc_client_id="c", admin_oidc_client_secret="s"
        )
    )
    assert config is not None
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    now = int(time.time())
    claims = {
        "iss": "https://idp.example/",
        "sub": "u1",
        "aud": "c",
        "iat": now,
        "exp": now + 60,
        "nonce": "n",
    }
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
    jwks = {"keys": [key.as_dict(private=False)]}
    assert verify_id_token(token, jwks, config, "n", "https://idp.example/")["sub"] == "u1"
    with pytest.raises(OidcError, match="'iss' claim"):
        verify_id_token(token, jwks, config, "n", "https://other.example/")
