"""Progress lines on stderr, stamped with seconds since the run began."""

from __future__ import annotations

import sys
import time

_STARTED = time.perf_counter()


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.perf_counter() - _STARTED:7.1f}s] {message}\n")
    sys.stderr.flush()
