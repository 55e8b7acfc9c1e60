"""The sync tests run every diff in parts and every page through disk (hub/sync/staging.py,
diff.PART_ROWS): the paths a large read takes, exercised by every scenario here. Tests elsewhere
(adapters, bench) sync with the defaults, so the in-memory, single-part paths are run there."""

from __future__ import annotations

import pytest

from hub.sync import diff


@pytest.fixture(autouse=True)
def large_read_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SATCHEL_SYNC_PAGE_MEMORY_MB", "0")
    monkeypatch.setattr(diff, "PART_ROWS", 4)
