"""The API's policy cache (hub.access.policy_cache) and the grants version it keys on.

The version is bumped by database triggers (migration 0007g), so every way grants can change is
tried here — the hub's own functions, a plain UPDATE as another process would send, a source
deleted with its grants — and each must give the app a fresh policy on its next request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, delete, update

from hub.access import AccessPolicy, AppRecord, grant, revoke
from hub.access import policy as policy_module
from hub.access.apps import get_app
from hub.access.policy_cache import PolicyCache
from hub.store.models import GRANTS, SOURCES
from tests.factories import District, make_app, make_district


def _setup(engine: Engine) -> tuple[District, AppRecord, AppRecord]:
    with engine.begin() as conn:
        district = make_district(conn)
        north = district.schools[0].id
        app, _ = make_app(conn, source_id=district.source_id, school_ids=[north], data_types=["students"])
        other, _ = make_app(conn, name="Other", source_id=district.source_id, school_ids=[north])
    return district, app, other


def _policy(engine: Engine, cache: PolicyCache, app_id: str) -> AccessPolicy:
    """What the HTTP handler does: the app read on the request's connection, then its policy."""
    with engine.connect() as conn:
        app = get_app(conn, app_id)
        assert app is not None
        return cache.policy(conn, app)


def _version(engine: Engine, app_id: str) -> int:
    with engine.connect() as conn:
        app = get_app(conn, app_id)
        assert app is not None
        return app.grants_version


def test_the_same_grants_reuse_the_policy(engine: Engine) -> None:
    _, app, _ = _setup(engine)
    cache = PolicyCache()
    first = _policy(engine, cache, app.id)
    assert _policy(engine, cache, app.id) is first
    with engine.connect() as conn:
        assert first == AccessPolicy.load(conn, app.id)


Change = Callable[[Connection, District, str], object]
CHANGES: dict[str, Change] = {
    "grant another school": lambda conn, d, app_id: grant(
        conn, app_id, d.source_id, [d.schools[1].id], ["students"]
    ),
    "grant in place: more data types": lambda conn, d, app_id: grant(
        conn, app_id, d.source_id, [d.schools[0].id], ["students", "classes"]
    ),
    "grant in place: options": lambda conn, d, app_id: grant(
        conn, app_id, d.source_id, [d.schools[0].id], ["students"], options={"primary_enrollments_only": True}
    ),
    "grant in place: fields": lambda conn, d, app_id: grant(
        conn, app_id, d.source_id, [d.schools[0].id], ["students"], fields={"students": ["given_name"]}
    ),
    "revoke": lambda conn, d, app_id: revoke(conn, app_id, school_ids=[d.schools[0].id]),
    "plain UPDATE (as request options do)": lambda conn, d, app_id: conn.execute(
        update(GRANTS).where(GRANTS.c.app_id == app_id).values(options={"max_requests_per_minute": 5})
    ),
    "plain DELETE": lambda conn, d, app_id: conn.execute(delete(GRANTS).where(GRANTS.c.app_id == app_id)),
    "source deleted with its grants": lambda conn, d, app_id: conn.execute(
        delete(SOURCES).where(SOURCES.c.id == d.source_id)
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_write_to_the_grants_gives_a_fresh_policy_next_request(engine: Engine, change: str) -> None:
    district, app, other = _setup(engine)
    cache = PolicyCache()
    before = _policy(engine, cache, app.id)
    others_version = _version(engine, other.id)

    with engine.begin() as conn:
        CHANGES[change](conn, district, app.id)

    after = _policy(engine, cache, app.id)
    with engine.connect() as conn:
        fresh = AccessPolicy.load(conn, app.id)
    assert after is not before
    assert after == fresh
    assert after.scope_key != before.scope_key
    assert _policy(engine, cache, app.id) is after  # and kept again until the next change
    if change != "source deleted with its grants":  # that one deletes the other app's grant too
        assert _version(engine, other.id) == others_version


def test_a_new_day_is_a_new_policy(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Enrollments and marking periods enter and leave the scope by date."""
    _, app, _ = _setup(engine)
    cache = PolicyCache()
    today = _policy(engine, cache, app.id)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    monkeypatch.setattr(policy_module, "utcnow", lambda: tomorrow)
    later = _policy(engine, cache, app.id)
    assert later is not today
    assert later.today == tomorrow.date()


def test_the_cache_keeps_at_most_its_size_in_apps(engine: Engine) -> None:
    _, app, other = _setup(engine)
    cache = PolicyCache(size=1)
    first = _policy(engine, cache, app.id)
    _policy(engine, cache, other.id)
    assert _policy(engine, cache, app.id) is not first
