"""The OneRoster 1.1 REST adapter against the conformance kit, over real HTTP to its simulator."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

import pytest
from starlette.types import ASGIApp

from adapters.oneroster.mapping import NOT_CARRIED
from adapters.oneroster.simulator import create_app, simulator_of
from adapters.sdk.testing import AdapterConformance
from hub.synthetic import SyntheticDistrict, generate_district


class TestOneRosterConformance(AdapterConformance):
    adapter_name = "oneroster"
    http_timeout = 0.5
    not_carried: ClassVar[Mapping[str, Collection[str]]] = {
        **NOT_CARRIED,
        # 1.1 reads a late result as graded; tests/sync/test_oneroster_to_store.py checks status exactly.
        "assignment_result": NOT_CARRIED["assignment_result"] | {"status"},
    }

    @pytest.fixture
    def district(self) -> SyntheticDistrict:
        """The kit's district plus a gradebook and demographics, so they go through every fault."""
        return generate_district(
            students=self.district_students, seed=self.district_seed, gradebook=True, demographics=True
        )

    def make_app(self, district: SyntheticDistrict) -> ASGIApp:
        return create_app(district, client_id="conformance-key", client_secret="conformance-secret")

    def source_config(self, base_url: str) -> dict[str, Any]:
        # A small page size, so every collection but the smallest spans several pages.
        return {
            "base_url": base_url,
            "client_id": "conformance-key",
            "client_secret": "conformance-secret",
            "page_size": 10,
            "version": "1.1",  # no probing: every run makes the same requests
        }

    def bad_credentials_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "client_secret": "not-the-secret"}

    def set_district(self, app: ASGIApp, district: SyntheticDistrict) -> None:
        simulator_of(app).district = district

    def mark_deleted(self, app: ASGIApp, entity: str, ids: Sequence[str]) -> None:
        simulator_of(app).mark_deleted(entity, ids)
