"""A sync process killed with SIGKILL during apply leaves exactly the old state; the next run converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from adapters.sdk import registry
from hub.store import CANONICAL_TABLES
from hub.store.runs import list_runs
from hub.store.sources import add_source, get_source
from hub.sync import sync_source
from tests.memory_adapter import DATASETS, MemoryAdapter
from tests.snapshots import store_snapshot
from tests.sync.datasets import district

STUDENTS = 3000
ROOT = Path(__file__).resolve().parents[2]


def family_names(engine: Engine) -> set[str]:
    table = CANONICAL_TABLES["person"]
    with engine.connect() as conn:
        return {row[0].rsplit("-", 1)[1] for row in conn.execute(select(table.c.family_name))}


@pytest.mark.slow
def test_sigkill_during_apply_keeps_the_old_state_and_the_next_run_converges(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.register(MemoryAdapter)
    DATASETS["kill"] = district(STUDENTS, variant=1)
    with engine.begin() as conn:
        add_source(conn, "kill", "memory", {"dataset": "kill", "page_size": 1000})
    assert sync_source(engine, "kill").status == "succeeded"
    before = store_snapshot(engine)

    marker = tmp_path / "applying"
    spill = tmp_path / "tmp"  # where the runs' pages wait (tests/sync: every page on disk)
    spill.mkdir()
    url = engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.sync_child", url, str(marker), str(STUDENTS), "2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(spill)},
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, "the child sync ended before it started applying"
        assert time.monotonic() < deadline, "the child never reached the apply"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    assert store_snapshot(engine) == before
    assert family_names(engine) == {"v1"}
    assert [d.name.split("-")[2] for d in spill.iterdir()] == [str(child.pid)]  # its pages, left

    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    DATASETS["kill"] = district(STUDENTS, variant=2)
    summary = sync_source(engine, "kill")
    assert summary.status == "succeeded", summary.error
    assert summary.counts["person"].updated == STUDENTS
    assert family_names(engine) == {"v2"}
    assert list(spill.iterdir()) == []  # the next run that spilled removed the killed run's pages
    with engine.connect() as conn:
        killed = list_runs(conn, get_source(conn, "kill").id)[1]
    assert killed.status == "failed"
    assert "interrupted" in (killed.error or "")
    DATASETS.pop("kill")
