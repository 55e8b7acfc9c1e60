"""Service-level tests of requests, decisions, grants and the audit trail (SQLite + PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from hub.access import active_grants
from hub.access import requests as rq
from hub.access.apps import declare_access, get_profile
from hub.access.audit import list_events
from hub.access.requests import GrantOptions, RequestError, Status
from hub.store.models import GRANTS
from tests.admin.conftest import DECLARATION, World


def _fields(engine: Engine, app_id: str) -> dict[str, dict[str, list[str]] | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(GRANTS.c.school_id, GRANTS.c.fields).where(
                GRANTS.c.app_id == app_id, GRANTS.c.revoked_at.is_(None)
            )
        )
        return {r.school_id: r.fields for r in rows}


def test_approve_grants_required_plus_ticked_optional_fields(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.north)
        assert req.status is Status.PENDING
        assert req.school_ids == (world.north,)
        # Optional fields start off in the permissions table.
        rows = rq.permissions(get_profile(conn, world.app.id).declaration, req.approved_fields)
        students = next(r for r in rows if r.data_type == "students")
        assert {f.name: f.granted for f in students.fields} == {
            "given_name": True,
            "family_name": True,
            "email": False,
            "date_of_birth": False,
        }
        assert {f.name for f in students.fields if f.sensitive} == {"email", "date_of_birth"}
        assert students.actions == {"read": True, "write": False, "update": False, "delete": False}
        rq.approve(conn, req.id, "north@sis.example", optional_fields={"students": ["email"]})
    assert _fields(engine, world.app.id) == {
        world.north: {"students": ["given_name", "family_name", "email"], "classes": ["title"]}
    }
    with engine.connect() as conn:
        (g,) = active_grants(conn, world.app.id)
        assert set(g.data_types) == {"students", "classes"}
        assert g.options == GrantOptions().model_dump()
        assert g.options["max_requests_per_minute"] == 600
        approved = list_events(conn, action_prefix="request.approved")
        assert approved[0].actor == "north@sis.example"
        assert approved[0].detail["fields"]["students"] == ["given_name", "family_name", "email"]


def test_reject_then_reapprove_and_revoke(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.north)
        rq.defer(conn, req.id, "north@sis.example")
        assert rq.get_request(conn, req.id).status is Status.PENDING  # decide later: still pending
        assert rq.reject(conn, req.id, "north@sis.example", "not now").status is Status.REJECTED
        assert active_grants(conn, world.app.id) == []
        with pytest.raises(RequestError):
            rq.reject(conn, req.id, "north@sis.example")
        assert rq.approve(conn, req.id, "north@sis.example").status is Status.APPROVED
        assert len(active_grants(conn, world.app.id)) == 1
        assert rq.revoke_request(conn, req.id, "north@sis.example").status is Status.REVOKED
        assert active_grants(conn, world.app.id) == []
        actions = [e.action for e in list_events(conn, app_id=world.app.id)]
    assert actions[:5] == [
        "request.revoked",
        "request.approved",
        "request.rejected",
        "request.deferred",
        "request.created",
    ]


def test_trust_admin_decides_for_all_schools_at_once(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.district.district_id)
        assert set(req.school_ids) == {world.north, world.south}
        rq.approve(conn, req.id, "district@sis.example")
    assert set(_fields(engine, world.app.id)) == {world.north, world.south}


def test_more_fields_later_need_review_and_keep_the_old_scope(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.north)
        rq.approve(conn, req.id, "north@sis.example")
        assert not rq.needs_review(conn, rq.get_request(conn, req.id))
        wider = {**DECLARATION, "staff": {"required": ["given_name"], "reason": "Teacher names"}}
        declare_access(conn, world.app.id, wider, "cli")
        assert rq.needs_review(conn, rq.get_request(conn, req.id))
    assert _fields(engine, world.app.id)[world.north] == {
        "students": ["given_name", "family_name"],
        "classes": ["title"],
    }
    with engine.begin() as conn:
        rq.approve(conn, req.id, "north@sis.example")
        assert not rq.needs_review(conn, rq.get_request(conn, req.id))
    assert "staff" in (_fields(engine, world.app.id)[world.north] or {})


def test_decisions_validate_fields_schools_and_options(engine: Engine, world: World) -> None:
    with engine.begin() as conn:
        req = rq.request_access(conn, world.app.id, world.district.source_id, world.north)
        with pytest.raises(RequestError, match="not optional"):
            rq.approve(conn, req.id, "x", optional_fields={"students": ["gender"]})
        with pytest.raises(RequestError, match="not covered"):
            rq.approve(conn, req.id, "x", school_ids=[world.south])
        with pytest.raises(ValueError, match="extra"):
            GrantOptions.model_validate({"max_request_per_minute": 5})
        opts = GrantOptions(primary_enrollments_only=True, max_requests_per_minute=60)
        rq.approve(conn, req.id, "x", options=opts)
        (g,) = active_grants(conn, world.app.id)
        assert g.options["primary_enrollments_only"] is True
        assert g.options["max_requests_per_minute"] == 60
