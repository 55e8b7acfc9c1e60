"""Run a bench.child task in a fresh interpreter and read its peak RSS from the kernel (wait4)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class ChildResult:
    result: dict[str, Any]
    max_rss_bytes: int


class ChildFailedError(RuntimeError):
    pass


def run_child(task: str, args: dict[str, Any]) -> ChildResult:
    command = [sys.executable, "-m", "bench.child", task, orjson.dumps(args).decode()]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    stdout, stderr = _drain(process)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise ChildFailedError(f"bench.child {task} exited {process.returncode}:\n{stderr.decode()[-4000:]}")
    result = orjson.loads(stdout.splitlines()[-1])
    peak = result.pop("peak_rss_bytes", None)
    # ru_maxrss (KiB on Linux) also counts our own RSS at fork: only a fallback.
    return ChildResult(result, peak if peak is not None else usage.ru_maxrss * 1024)


def _drain(process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Read both pipes to EOF without reaping the child (communicate() would reap it)."""
    import threading

    chunks: dict[str, bytes] = {}

    def read(name: str, stream: Any) -> None:
        chunks[name] = stream.read()

    threads = [
        threading.Thread(target=read, args=("out", process.stdout)),
        threading.Thread(target=read, args=("err", process.stderr)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return chunks["out"], chunks["err"]
