"""Helpers for GraphQL tests: global ids back to hub ids, and ids found anywhere in a response."""

from __future__ import annotations

import base64
from typing import Any


def hub_id(global_id: str) -> str:
    return base64.urlsafe_b64decode(global_id.encode()).decode().partition(":")[2]


def gid(type_name: str, hub: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{hub}".encode()).decode()


def ids(value: Any) -> set[str]:
    """The hub id of every `id` anywhere in a response."""
    if isinstance(value, dict):
        found = {hub_id(value["id"])} if isinstance(value.get("id"), str) else set()
        return found.union(*(ids(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(ids(v) for v in value))
    return set()
