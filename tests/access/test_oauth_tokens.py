from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from hub.access import (
    ExpiredTokenError,
    MalformedTokenError,
    MissingTokenError,
    UnknownTokenError,
    authenticate_bearer,
    register_app,
)
from hub.access.apps import rotate_secret
from hub.access.tokens import hash_token
from hub.app import create_app
from hub.config import Settings
from hub.store.models import ACCESS_TOKENS
from tests.factories import ApiClient, make_token


@pytest.fixture
def client(engine: Engine) -> ApiClient:
    # https: authlib refuses OAuth 2 over plain http except on loopback addresses.
    return ApiClient(create_app(engine, Settings(token_ttl_seconds=600)), base_url="https://testserver")


@pytest.fixture
def credentials(engine: Engine) -> tuple[str, str, str]:
    with engine.begin() as conn:
        app, secret = register_app(conn, "Acme")
    return app.id, app.client_id, secret


def test_token_with_http_basic_auth(
    client: ApiClient, engine: Engine, credentials: tuple[str, str, str]
) -> None:
    app_id, client_id, secret = credentials
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert response.headers["cache-control"] == "no-store"
    with engine.connect() as conn:
        stored = conn.execute(select(ACCESS_TOKENS)).one()
        assert stored.token_hash == hash_token(body["access_token"])
        assert stored.app_id == app_id
        assert authenticate_bearer(conn, f"Bearer {body['access_token']}", datetime.now(UTC)).id == app_id


def test_token_with_client_secret_post(client: ApiClient, credentials: tuple[str, str, str]) -> None:
    _, client_id, secret = credentials
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


@pytest.mark.parametrize("how", ["basic", "post"])
def test_bad_secret_is_401_invalid_client(
    client: ApiClient, credentials: tuple[str, str, str], how: str
) -> None:
    client_id = credentials[1]
    if how == "basic":
        response = client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, "x")
        )
    else:
        response = client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"},
        )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


def test_unknown_client_is_401(client: ApiClient) -> None:
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "sat_nobody", "client_secret": "x"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_other_grant_types_are_unsupported(client: ApiClient, credentials: tuple[str, str, str]) -> None:
    _, client_id, secret = credentials
    response = client.post("/oauth/token", data={"grant_type": "password"}, auth=(client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_plain_http_is_refused_off_loopback(engine: Engine, credentials: tuple[str, str, str]) -> None:
    _, client_id, secret = credentials
    c = ApiClient(create_app(engine, Settings()), base_url="http://hub.example.org")
    response = c.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "insecure_transport"


def test_authenticate_bearer_refusals(engine: Engine, credentials: tuple[str, str, str]) -> None:
    app_id = credentials[0]
    now = datetime.now(UTC)
    with engine.begin() as conn:
        expired = make_token(conn, app_id, now=now - timedelta(hours=2), ttl_seconds=60)
        with pytest.raises(MissingTokenError):
            authenticate_bearer(conn, None, now)
        with pytest.raises(MissingTokenError):
            authenticate_bearer(conn, "  ", now)
        with pytest.raises(MalformedTokenError):
            authenticate_bearer(conn, "Basic abc", now)
        with pytest.raises(MalformedTokenError):
            authenticate_bearer(conn, "Bearer a b", now)
        with pytest.raises(UnknownTokenError):
            authenticate_bearer(conn, "Bearer not-a-token", now)
        with pytest.raises(ExpiredTokenError):
            authenticate_bearer(conn, f"Bearer {expired}", now)


def test_a_rotated_out_secret_gets_tokens_until_its_grace_period_ends(
    client: ApiClient, engine: Engine, credentials: tuple[str, str, str]
) -> None:
    app_id, client_id, old = credentials
    with engine.begin() as conn:
        new, _ = rotate_secret(conn, app_id, "op@hub.example", grace=timedelta(hours=1))
    for secret in (old, new):
        response = client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == 200, response.text

    with engine.begin() as conn:
        newest, _ = rotate_secret(conn, app_id, "op@hub.example", grace=timedelta(0))
    for secret, status in ((new, 401), (newest, 200)):
        response = client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == status
