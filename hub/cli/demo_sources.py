"""The simulated MIS sources `satchel demo` syncs: one per dialect, each its own synthetic district."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from adapters.arbor.simulator import create_app as arbor_simulator
from adapters.focus.simulator import create_app as focus_simulator
from adapters.oneroster.simulator import create_app as oneroster_simulator
from hub.synthetic import generate_district

# Our own simulators on loopback: no need to pace requests as a real MIS requires.
LOCAL_RATE_LIMIT = 60_000
# Focus and Arbor fetch per student / per record, so they get one small school each.
SMALL_SCHOOL = 60


@dataclass(frozen=True)
class DemoSource:
    name: str
    adapter: str
    dialect: str
    serve: Callable[[int, int, str], FastAPI]  # (students, seed, secret) → simulator app
    config: Callable[[str, str], dict[str, Any]]  # (simulator URL, secret) → source config


DEMO_SOURCES = (
    DemoSource(
        "demo-oneroster",
        "oneroster",
        "OneRoster 1.1 (OAuth 1.0a), a whole district",
        lambda students, seed, secret: oneroster_simulator(
            generate_district(students=students, seed=seed), client_id="demo-consumer", client_secret=secret
        ),
        lambda url, secret: {
            "base_url": f"{url}/ims/oneroster/v1p1",
            "client_id": "demo-consumer",
            "client_secret": secret,
        },
    ),
    DemoSource(
        "demo-focus",
        "focus",
        "Focus (OAuth 2), one school with attendance, referrals and grades",
        lambda students, seed, secret: focus_simulator(
            generate_district(students=SMALL_SCHOOL, seed=seed + 1, school_life=True, attendance_days=10),
            client_id="demo-focus",
            client_secret=secret,
        ),
        lambda url, secret: {
            "base_url": url,
            "client_id": "demo-focus",
            "client_secret": secret,
            "rate_limit_per_minute": LOCAL_RATE_LIMIT,
        },
    ),
    DemoSource(
        "demo-arbor",
        "arbor",
        "Arbor-like (HTTP Basic), one UK school with attendance marks",
        lambda students, seed, secret: arbor_simulator(
            generate_district(students=SMALL_SCHOOL, seed=seed + 2, school_life=True, attendance_days=10),
            username="demo-arbor",
            password=secret,
        ),
        lambda url, secret: {
            "base_url": url,
            "username": "demo-arbor",
            "password": secret,
            "rate_limit_per_minute": LOCAL_RATE_LIMIT,
        },
    ),
)
