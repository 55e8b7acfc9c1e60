"""The SDK's conformance suite, run against the Arbor adapter and its simulator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine
from starlette.types import ASGIApp

from adapters.arbor.adapter import ArborAdapter
from adapters.arbor.sim_expect import carried_frames
from adapters.arbor.simulator import ArborSimulator, create_app
from adapters.sdk.testing import AdapterConformance, LiveSource, store_differences
from hub.synthetic import SyntheticDistrict, generate_district


def _sim(app: ASGIApp) -> ArborSimulator:
    # The kit wraps the app in its fault injector; the FastAPI app is underneath.
    inner: Any = app
    while not hasattr(inner, "state"):
        inner = inner.app
    sim = inner.state.simulator
    assert isinstance(sim, ArborSimulator)
    return sim


class TestArborConformance(AdapterConformance):
    adapter_name = "arbor"
    adapter_class = ArborAdapter
    credentials_hint = "credentials"

    @pytest.fixture
    def district(self) -> SyntheticDistrict:
        # School life, so that attendance and behaviour streams have records to read.
        return generate_district(4, seed=3, school_life=True, attendance_days=1)

    def make_app(self, district: SyntheticDistrict) -> ASGIApp:
        return create_app(district, username="kit", password="kit-pass")

    def source_config(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "username": "kit",
            "password": "kit-pass",
            "rate_limit_per_minute": 100_000,
        }

    def bad_credentials_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "password": "wrong"}

    def set_district(self, app: ASGIApp, district: SyntheticDistrict) -> None:
        _sim(app).district = district

    def mark_deleted(self, app: ASGIApp, entity: str, ids: Sequence[str]) -> None:
        raise NotImplementedError  # Arbor has no deletion flag; the changelog test covers deletions

    def edit(self, source: LiveSource) -> SyntheticDistrict:
        """Family-name edits only: Arbor carries no person email, so an email edit is no change."""
        base = source.district.frames["person"]
        edited = source.district.with_edits(0.2, seed=1)
        people = edited.frames["person"]
        renamed = people["family_name"].ne_missing(base["family_name"])
        people = people.with_columns(
            email=base["email"],
            source_updated_at=pl.when(renamed)
            .then(people["source_updated_at"])
            .otherwise(base["source_updated_at"]),
        )
        ids = tuple(people.filter(renamed)["source_record_id"].to_list())
        result = replace(edited, frames={**edited.frames, "person": people}, edited_ids=ids)
        self.set_district(source.app, result)
        return result

    def assert_matches(self, store: Engine, source_id: str, district: SyntheticDistrict) -> None:
        # Several streams feed one entity here, each carrying different fields: compare per entity
        # on the fields every one of them carries (tests/sync/test_arbor_to_store.py is per stream).
        frames, not_carried = carried_frames(district)
        assert store_differences(store, source_id, frames, not_carried=not_carried) == {}
