"""The parent's handle on a bench.serve process: its URL while running, its peak RSS after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from bench.rss import peak_rss_bytes


class ServerProcess:
    def __init__(self, kind: str, db: Path) -> None:
        self.kind = kind
        self.db = db
        self.url = ""
        self.max_rss_bytes = 0
        self._process: subprocess.Popen[bytes] | None = None

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it (so several can import in parallel)."""
        command = [sys.executable, "-m", "bench.serve", self.kind, str(self.db)]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # noqa: S603
        return self

    def __enter__(self) -> ServerProcess:
        if self._process is None:
            self.launch()
        assert self._process is not None
        assert self._process.stdout is not None
        line = self._process.stdout.readline().decode().strip()
        if not line.startswith("http://"):
            self._stop()
            raise RuntimeError(f"bench.serve {self.kind} did not start (said {line!r})")
        self.url = line
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        assert process.stdin is not None
        peak = peak_rss_bytes(process.pid)  # before it exits: see bench.rss
        process.stdin.close()
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = 0
        if process.stdout is not None:
            process.stdout.close()
        self.max_rss_bytes = peak if peak is not None else usage.ru_maxrss * 1024  # KiB on Linux
        self._process = None
