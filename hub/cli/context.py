"""The database every command works on: SATCHEL_DATABASE_URL, migrated on first use."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from hub.config import get_settings
from hub.store import make_engine
from hub.store.migrate import upgrade


@cache
def engine() -> Engine:
    eng = make_engine(get_settings().database_url)
    upgrade(eng)
    return eng
