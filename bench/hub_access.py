"""An app for the benchmark: registered, granted every school for the data types the queries read,
with a rate limit above anything the load can reach, and a real token from /oauth/token."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.hub_ingest import SOURCE, sqlite_url
from hub.access import register_app
from hub.access.grants import grant
from hub.store import make_engine
from hub.store.sources import get_source, schools

DATA_TYPES = ["students", "staff", "contacts", "classes", "enrollments"]
# The default limit (600/min) would turn the throughput test into a 429 test (100,000/min, the most
# a grant may set, is far above what it reaches); spring-semester enrollments start in the future
# and would be hidden, while the floor serves them.
OPTIONS = {"max_requests_per_minute": 100_000, "future_enrollments_active": True}


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str


def register(db: Path) -> Credentials:
    engine = make_engine(sqlite_url(db))
    with engine.begin() as conn:
        app, secret = register_app(conn, "Satchel benchmark")
        source = get_source(conn, SOURCE)
        school_ids = [hub_id for hub_id, _, _ in schools(conn, source.id)]
        grant(conn, app.id, source.id, school_ids, DATA_TYPES, options=OPTIONS)
    engine.dispose()
    return Credentials(app.client_id, secret)


def token(base_url: str, credentials: Credentials) -> str:
    response = httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials.client_id, credentials.secret),
    )
    response.raise_for_status()
    return str(response.json()["access_token"])
