"""The one grant-options model: strict for what admins set, tolerant of what older rows stored."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, update

from hub.access import GrantError, active_grants, grant, register_app
from hub.access.grants import GrantOptions, GrantRecord, parse_options
from hub.access.policy import AccessPolicy
from hub.store.columns import utcnow
from hub.store.models import GRANTS
from tests.factories import make_district


def test_unknown_and_bad_options_are_refused_with_the_option_named() -> None:
    with pytest.raises(GrantError, match=r"max_request_per_minute: Extra inputs are not permitted"):
        parse_options({"max_request_per_minute": 5})
    with pytest.raises(
        GrantError, match=r"max_requests_per_minute: Input should be greater than or equal to 1"
    ):
        parse_options({"max_requests_per_minute": 0})
    with pytest.raises(GrantError, match=r"custom_fields: .*not one string"):
        parse_options({"custom_fields": "bus_route"})
    with pytest.raises(GrantError, match=r"custom_fields: .*non-empty text"):
        parse_options({"custom_fields": ["bus_route", " "]})


def test_custom_field_keys_are_trimmed_and_deduplicated() -> None:
    options = parse_options({"custom_fields": [" bus_route", "bus_route", "locker "]})
    assert options.custom_fields == ["bus_route", "locker"]


def test_stored_options_from_older_rows_are_read_leniently_but_never_guessed() -> None:
    old = GrantOptions.from_stored(
        {"primary_enrollments_only": True, "max_requests_per_minute": None, "gone": 1}
    )
    assert old == GrantOptions(primary_enrollments_only=True)
    assert GrantOptions.from_stored(None) == GrantOptions()
    with pytest.raises(GrantError, match="stored grant options are invalid: max_requests_per_minute"):
        GrantOptions.from_stored({"max_requests_per_minute": "lots"})


def test_grant_stores_every_option_and_a_bad_one_writes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        district = make_district(conn)
        app, _ = register_app(conn, "Acme")
        north = district.schools[0].id
        with pytest.raises(GrantError, match="invalid grant options: endless_teachers"):
            grant(conn, app.id, district.source_id, [north], ["students"], options={"endless_teachers": True})
        assert active_grants(conn, app.id) == []
        [made] = grant(
            conn, app.id, district.source_id, [north], ["students"], options={"log_full_payloads": True}
        )
    assert made.options == GrantOptions(log_full_payloads=True).stored()
    assert made.options["custom_fields"] == []
    assert made.options["max_requests_per_minute"] == 600


def test_a_corrupt_stored_option_fails_closed(engine: Engine) -> None:
    with engine.begin() as conn:
        district = make_district(conn)
        app, _ = register_app(conn, "Acme")
        grant(conn, app.id, district.source_id, [district.schools[0].id], ["students"])
        conn.execute(update(GRANTS).values(options={"primary_enrollments_only": "perhaps"}))
        assert conn.execute(select(GRANTS.c.options)).scalar_one() == {"primary_enrollments_only": "perhaps"}
        policy = AccessPolicy.load(conn, app.id)
    with pytest.raises(GrantError, match="primary_enrollments_only"):
        policy.requests_per_minute()


def test_the_scope_snapshot_holds_options_normalised() -> None:
    """The change feed hashes snapshots: the same meaning must give the same snapshot."""

    def policy(options: dict[str, object]) -> AccessPolicy:
        record = GrantRecord("g", "a", "s", "school", ("students",), options, utcnow(), None)
        return AccessPolicy(app_id="a", grants=(record,))

    assert policy({}).snapshot() == policy(GrantOptions().stored()).snapshot()
    assert policy({"custom_fields": ["x"]}).snapshot() != policy({}).snapshot()


def test_stored_options_are_validated_once_per_distinct_json() -> None:
    """A request reads every grant of the app: equal stored options (in any key order) give the
    one frozen instance, and an invalid value raises on every read, never cached as valid."""
    first = GrantOptions.from_stored({"future_enrollments_active": True, "max_requests_per_minute": 60})
    again = GrantOptions.from_stored({"max_requests_per_minute": 60, "future_enrollments_active": True})
    assert again is first
    assert first.max_requests_per_minute == 60
    for _ in range(2):
        with pytest.raises(GrantError, match="stored grant options are invalid"):
            GrantOptions.from_stored({"max_requests_per_minute": "lots"})
