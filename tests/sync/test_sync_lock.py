"""Only one run of a source at a time, across threads and processes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine

from adapters.sdk import registry
from hub.store.runs import list_runs
from hub.store.sources import add_source, get_source
from hub.sync import sync_source
from hub.sync.locks import SourceBusyError
from tests.memory_adapter import DATASETS, MemoryAdapter
from tests.sync.datasets import district


def test_a_second_run_of_a_busy_source_is_refused_and_the_first_is_unharmed(engine: Engine) -> None:
    registry.register(MemoryAdapter)
    DATASETS["busy"] = district(20, variant=1)
    with engine.begin() as conn:
        add_source(conn, "busy", "memory", {"dataset": "busy", "page_size": 2, "page_delay": 0.1})
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(sync_source(engine, "busy")))
    first.start()
    try:
        deadline = time.monotonic() + 10
        while not _running(engine):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with pytest.raises(SourceBusyError, match="another sync of this source is running"):
            sync_source(engine, "busy")
    finally:
        first.join(timeout=30)
        DATASETS.pop("busy")
    (summary,) = results
    assert summary.status == "succeeded", summary.error
    with engine.connect() as conn:
        assert [r.status for r in list_runs(conn, get_source(conn, "busy").id)] == ["succeeded"]


def _running(engine: Engine) -> bool:
    with engine.connect() as conn:
        return any(r.status == "running" for r in list_runs(conn))
