"""Run one sync in a child process, announcing when the apply starts (for the SIGKILL test).

Usage: python -m tests.sync.sync_child DATABASE_URL MARKER_FILE STUDENTS VARIANT
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from adapters.sdk import registry
from hub.store import canonical_writes, make_engine
from hub.sync import sync_source
from tests.memory_adapter import DATASETS, MemoryAdapter
from tests.sync.datasets import district


def main(url: str, marker: str, students: int, variant: int) -> None:
    registry.register(MemoryAdapter)
    DATASETS["kill"] = district(students, variant)
    original = canonical_writes.update_frame

    def announce_then_update(*args: Any, **kwargs: Any) -> None:
        Path(marker).write_text("applying")
        time.sleep(0.5)  # hold the transaction open so the parent can kill us mid-apply
        original(*args, **kwargs)

    canonical_writes.update_frame = announce_then_update  # type: ignore[assignment]
    summary = sync_source(make_engine(url), "kill")
    print(summary.status, summary.error)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
