"""Fixtures for the admin tests: a district with two schools, an app that declared a request,
and one admin per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from hub.access.apps import AppDetails, AppRecord, declare_access, set_details
from hub.access.users import AdminUserRecord, create_user
from hub.app import create_app
from tests.factories import ApiClient, District, make_app, make_district

PASSWORD = "correct horse battery"
DECLARATION = {
    "students": {
        "required": ["given_name", "family_name"],
        "optional": ["email", "date_of_birth"],
        "reason": "Class lists for homework",
    },
    "classes": {"required": ["title"], "reason": "Which classes to set work for"},
}


@dataclass
class World:
    district: District
    app: AppRecord
    secret: str
    operator: AdminUserRecord
    district_admin: AdminUserRecord
    north_admin: AdminUserRecord
    south_admin: AdminUserRecord

    @property
    def north(self) -> str:
        return self.district.schools[0].id

    @property
    def south(self) -> str:
        return self.district.schools[1].id


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> ApiClient:
    """The hub's app, able to sign admin sessions; a module may override it to set up more."""
    monkeypatch.setenv("SATCHEL_ADMIN_SECRET_KEY", "test-key")
    return ApiClient(create_app(engine))


@pytest.fixture
def world(engine: Engine) -> World:
    with engine.begin() as conn:
        district = make_district(conn)
        app, secret = make_app(conn, name="Homework Hero")
        set_details(
            conn,
            app.id,
            AppDetails.model_validate(
                {
                    "description": "Homework planning for teachers and pupils.",
                    "website": "https://homework.example",
                    "privacy_policy_url": "https://homework.example/privacy",
                    "contact_email": "privacy@homework.example",
                    "live": True,
                }
            ),
            "cli",
        )
        declare_access(conn, app.id, DECLARATION, "cli")
        north, south = district.schools[0].id, district.schools[1].id
        return World(
            district=district,
            app=app,
            secret=secret,
            operator=create_user(conn, "op@hub.example", PASSWORD, "operator"),
            district_admin=create_user(
                conn, "district@sis.example", PASSWORD, "trust_admin", [district.district_id]
            ),
            north_admin=create_user(conn, "north@sis.example", PASSWORD, "school_admin", [north]),
            south_admin=create_user(conn, "south@sis.example", PASSWORD, "school_admin", [south]),
        )
