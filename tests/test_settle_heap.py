"""hub.app.settle_heap: what start-up built leaves the collector's scans before serving."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from hub.app import create_app, settle_heap
from hub.config import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


@pytest.mark.usefixtures("unfrozen")
def test_start_up_objects_are_frozen_out_of_full_collections(sqlite_engine: Engine) -> None:
    create_app(sqlite_engine, Settings())
    scanned_before = len(gc.get_objects(generation=2))
    settle_heap()
    assert gc.get_freeze_count() > 10_000
    assert len(gc.get_objects(generation=2)) < scanned_before / 100
