"""The sync tests run every page through disk and every diff of more than 64 records in parts
(hub/sync/staging.py, diff.PART_ROWS): the paths a large read takes, exercised by the scenarios
here. Tests elsewhere (adapters, bench) sync with the defaults: pages in memory, one part."""

from __future__ import annotations

import pytest

from hub.sync import diff


@pytest.fixture(autouse=True)
def large_read_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SATCHEL_SYNC_PAGE_MEMORY_MB", "0")
    monkeypatch.setattr(diff, "PART_ROWS", 64)  # a few parts for the larger datasets here
