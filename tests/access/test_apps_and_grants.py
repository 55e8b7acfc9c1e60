from __future__ import annotations

import pytest
from sqlalchemy import Engine

from hub.access import (
    AccessPolicy,
    DuplicateAppError,
    GrantError,
    ScopeError,
    active_grants,
    find_app,
    grant,
    register_app,
    revoke,
    verify_client,
)
from hub.store.models import APPS
from tests.factories import make_district, make_source


def test_register_app_keeps_only_a_hash_of_the_secret(engine: Engine) -> None:
    with engine.begin() as conn:
        app, secret = register_app(conn, "Acme")
        stored = conn.execute(APPS.select()).one()
    assert app.client_id.startswith("sat_")
    assert secret not in stored._asdict().values()
    assert len(stored.secret_hash) == 64


def test_duplicate_app_name_is_refused_and_the_transaction_survives(engine: Engine) -> None:
    with engine.begin() as conn:
        register_app(conn, "Acme")
        with pytest.raises(DuplicateAppError, match="Acme"):
            register_app(conn, "Acme")
        register_app(conn, "Other")
    with engine.connect() as conn:
        assert find_app(conn, "Other") is not None


def test_find_and_verify_client(engine: Engine) -> None:
    with engine.begin() as conn:
        app, secret = register_app(conn, "Acme")
        assert find_app(conn, "Acme") == app
        assert find_app(conn, app.client_id) == app
        assert find_app(conn, "nobody") is None
        assert verify_client(conn, app.client_id, secret) == app
        assert verify_client(conn, app.client_id, secret + "x") is None
        assert verify_client(conn, "sat_nobody", secret) is None


def test_grant_validates_data_types_and_schools(engine: Engine) -> None:
    with engine.begin() as conn:
        district = make_district(conn)
        other_source = make_source(conn, name="other")
        app, _ = register_app(conn, "Acme")
        north = district.schools[0].id
        with pytest.raises(GrantError, match=r"unknown data type\(s\) gradez; known: students"):
            grant(conn, app.id, district.source_id, [north], ["gradez"])
        with pytest.raises(GrantError, match="not schools"):
            grant(conn, app.id, district.source_id, [district.district_id], ["students"])
        with pytest.raises(GrantError, match="no school"):
            grant(conn, app.id, other_source, [north], ["students"])
        with pytest.raises(GrantError, match="no school"):
            grant(conn, app.id, district.source_id, ["nope"], ["students"])
        assert active_grants(conn, app.id) == []


def test_regrant_replaces_data_types_and_accepts_source_ids(engine: Engine) -> None:
    with engine.begin() as conn:
        district = make_district(conn)
        app, _ = register_app(conn, "Acme")
        north = district.schools[0]
        grant(conn, app.id, district.source_id, [north.id], ["students", "classes"])
        grant(conn, app.id, district.source_id, ["organisation-" + north.id[:8]], ["staff"])
        grants = active_grants(conn, app.id)
    assert [(g.school_id, g.data_types) for g in grants] == [(north.id, ("staff",))]


def test_revoke_bites_on_the_next_policy_load(engine: Engine) -> None:
    with engine.begin() as conn:
        district = make_district(conn)
        app, _ = register_app(conn, "Acme")
        north, south = (s.id for s in district.schools)
        grant(conn, app.id, district.source_id, [north, south], ["students"])
        policy = AccessPolicy.load(conn, app.id)
        assert policy.schools() == {north, south}
        assert revoke(conn, app.id, school_ids=[south]) == 1
        policy = AccessPolicy.load(conn, app.id)
        assert policy.schools() == {north}
        with pytest.raises(ScopeError) as err:
            policy.require("students", south)
        assert err.value.data_type == "students"
        assert err.value.school_id == south
        assert revoke(conn, app.id) == 1
        assert AccessPolicy.load(conn, app.id).schools() == set()
