"""Which adapters exist: the built-ins plus any package exposing the `satchel.adapters` entry point."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

import httpx
from pydantic import ValidationError

from adapters.sdk.contract import SourceAdapter
from adapters.sdk.errors import ConfigError

ENTRY_POINT_GROUP = "satchel.adapters"
BUILT_INS = {
    "arbor": "adapters.arbor.adapter:ArborAdapter",
    "oneroster": "adapters.oneroster.adapter:OneRosterAdapter",
    "focus": "adapters.focus.adapter:FocusAdapter",
}


_registered: dict[str, type[SourceAdapter]] = {}


def register(adapter: type[SourceAdapter]) -> None:
    """Make an adapter class available in this process (embedding, tests) without an entry point."""
    _registered[adapter.name] = adapter


def _load(target: str) -> type[SourceAdapter]:
    module_name, _, attr = target.partition(":")
    adapter = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(adapter, type) and issubclass(adapter, SourceAdapter)):
        raise TypeError(f"{target} is not a SourceAdapter subclass")
    return adapter


def available() -> dict[str, str]:
    """Adapter name → import target, built-ins first; a plugin cannot shadow a built-in."""
    found = dict(BUILT_INS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def adapter_class(name: str) -> type[SourceAdapter]:
    if name in _registered:
        return _registered[name]
    if name in BUILT_INS:  # a plugin cannot shadow one, so skip scanning entry points (slow)
        return _load(BUILT_INS[name])
    targets = available()
    if name not in targets:
        known = ", ".join(sorted({*targets, *_registered}))
        raise ConfigError(f"no adapter named {name!r}; available: {known}")
    return _load(targets[name])


def create(
    name: str, config: dict[str, Any], *, transport: httpx.AsyncBaseTransport | None = None
) -> SourceAdapter:
    cls = adapter_class(name)
    try:
        parsed = cls.config_model.model_validate(config)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid {name} source config: {problems}") from exc
    return cls(parsed, transport=transport)
