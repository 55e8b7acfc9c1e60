"""The worked example adapter (TinyMIS, example_adapter.py) passes the conformance kit."""

from __future__ import annotations

from typing import Any, ClassVar

from example_adapter import TinyMisAdapter, create_app
from starlette.types import ASGIApp

from adapters.sdk.testing import AdapterConformance
from hub.canonical import PERSON
from hub.synthetic import SyntheticDistrict

PERSON_CARRIED = {"role", "given_name", "family_name", "email", "grades"}


class TestTinyMisConformance(AdapterConformance):
    adapter_name = "tinymis"
    adapter_class = TinyMisAdapter  # a package would register it through the satchel.adapters entry point
    not_carried: ClassVar[dict[str, set[str]]] = {"person": set(PERSON.field_names) - PERSON_CARRIED}

    def make_app(self, district: SyntheticDistrict) -> ASGIApp:
        return create_app(district, api_key="tiny-key")

    def source_config(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url, "api_key": "tiny-key", "page_size": 10}

    def bad_credentials_config(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "api_key": "wrong-key"}

    def set_district(self, app: ASGIApp, district: SyntheticDistrict) -> None:
        app.state.simulator.district = district  # type: ignore[attr-defined]
