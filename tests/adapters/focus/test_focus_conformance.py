"""The SDK's conformance suite, run against the Focus adapter and its simulator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select
from starlette.types import ASGIApp

from adapters.focus.adapter import FocusAdapter
from adapters.focus.mapping import NO_TIMESTAMP, NOT_CARRIED
from adapters.focus.simulator import FocusSimulator, create_app
from adapters.sdk.testing import AdapterConformance, LiveSource, store_differences
from hub.store import CANONICAL_TABLES
from hub.sync.ids import hub_id
from hub.synthetic import SyntheticDistrict, generate_district

# What Focus carries of the roster: schools (not the district) and students (not staff or contacts).
ROWS_CARRIED = {"organisation": pl.col("kind") == "school", "person": pl.col("role") == "student"}


def _sim(app: ASGIApp) -> FocusSimulator:
    # The kit wraps the app in its fault injector; the FastAPI app is underneath.
    inner: Any = app
    while not hasattr(inner, "state"):
        inner = inner.app
    sim = inner.state.simulator
    assert isinstance(sim, FocusSimulator)
    return sim


class TestFocusConformance(AdapterConformance):
    adapter_name = "focus"
    adapter_class = FocusAdapter
    credentials_hint = "client id and secret"  # compared with the lower-cased message

    @pytest.fixture
    def district(self) -> SyntheticDistrict:
        return generate_district(6, seed=3, school_life=True, attendance_days=1)

    def make_app(self, district: SyntheticDistrict) -> ASGIApp:
        return create_app(district, client_id="kit", client_secret="kit-secret")

    def source_config(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "client_id": "kit",
            "client_secret": "kit-secret",
            "rate_limit_per_minute": 100_000,
        }

    def bad_credentials_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "client_secret": "wrong"}

    def set_district(self, app: ASGIApp, district: SyntheticDistrict) -> None:
        _sim(app).district = district

    def mark_deleted(self, app: ASGIApp, entity: str, ids: Sequence[str]) -> None:
        raise NotImplementedError  # Focus has no deletion flag: deletions show as absence from a full read

    def assert_matches(self, store: Engine, source_id: str, district: SyntheticDistrict) -> None:
        frames = {
            entity: district.frames[entity].filter(ROWS_CARRIED[entity])
            if entity in ROWS_CARRIED
            else district.frames[entity]
            for entity in NOT_CARRIED
        }
        not_carried = {
            entity: set(fields) | ({"source_updated_at"} if entity in NO_TIMESTAMP else set())
            for entity, fields in NOT_CARRIED.items()
        }
        assert store_differences(store, source_id, frames, not_carried=not_carried) == {}

    def test_records_missing_from_a_full_read_become_tombstones(
        self, store: Engine, source: LiveSource
    ) -> None:
        """Focus serves a student's records through the student, so a student who leaves takes
        their own records (attendance, addresses, grades …) with them; everyone else's stay."""
        source_id = self.first_sync(store, source)
        people = source.district.frames["person"]
        victim = people.filter(pl.col("role") == "student")["source_record_id"][0]
        gone = replace(
            source.district,
            frames={**source.district.frames, "person": people.filter(pl.col("source_record_id") != victim)},
        )
        self.set_district(source.app, gone)
        summary = self.sync(store, full=True)
        assert summary.status == "succeeded", summary.error
        assert summary.counts["person"].tombstoned == 1
        marks = CANONICAL_TABLES["attendance_mark"]
        with store.connect() as conn:
            rows = conn.execute(
                select(marks.c.student_id, marks.c.deleted_at).where(marks.c.source_id == source_id)
            ).all()
        victim_hub_id = hub_id(source_id, "people", victim)
        assert rows
        assert all((deleted is not None) == (student == victim_hub_id) for student, deleted in rows)
