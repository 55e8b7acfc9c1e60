"""Where a run keeps the pages it read until it diffs them: in memory while they fit its budget,
in Arrow IPC files on disk beyond it (ADR 9).

A run reads every stream before it applies anything (one transaction, nothing applied from a
failed read), so a term of attendance marks would otherwise be held whole: millions of rows,
several GiB. Past the budget each page is written to a temporary directory as it arrives and read
back, one page at a time, when the engine hashes and writes it. The directory lives as long as
the run and is removed with it, failed or not; one left by a process that was killed is removed
by the next run that spills (its name carries the process id).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class StagedPage:
    """One page, held or written out; `first_row`: its first row's position in the entity's read."""

    first_row: int
    height: int
    frame: pl.DataFrame | None = None
    path: Path | None = None


class PageStore:
    """The pages of one run, every entity's, in the order they were read."""

    def __init__(self, budget_bytes: int, directory: Path | None = None) -> None:
        self.budget_bytes = budget_bytes
        self.held_bytes = 0
        self._parent = directory  # None: the system's temporary directory (TMPDIR)
        self._directory: Path | None = None
        self._written = 0

    def add(self, frame: pl.DataFrame, first_row: int) -> StagedPage:
        size = int(frame.estimated_size())
        if self.held_bytes + size <= self.budget_bytes:
            self.held_bytes += size
            return StagedPage(first_row, frame.height, frame=frame)
        path = self._spill_directory() / f"page-{self._written:06d}.arrow"
        self._written += 1
        # lz4: a fraction of the disk for little CPU, and a compressed file is read back into
        # memory rather than mapped (mapped pages would count in RSS until the frame is dropped).
        # IPC reads back with the exact schema.
        frame.write_ipc(path, compression="lz4")
        return StagedPage(first_row, frame.height, path=path)

    @staticmethod
    def load(page: StagedPage) -> pl.DataFrame:
        if page.frame is not None:
            return page.frame
        assert page.path is not None
        return pl.read_ipc(page.path)

    @property
    def pages_written(self) -> int:
        return self._written

    def close(self) -> None:
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def _spill_directory(self) -> Path:
        if self._directory is None:
            parent = Path(self._parent or tempfile.gettempdir())
            _remove_orphans(parent)
            self._directory = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=parent))
        return self._directory


_PREFIX = "satchel-sync-"


def _remove_orphans(parent: Path) -> None:
    """Remove the spill directories of processes that no longer run (killed mid-run)."""
    for directory in parent.glob(f"{_PREFIX}*-*"):
        pid = directory.name.removeprefix(_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(directory, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
