"""Where a process's memory goes: a thread samples the resident set and the main thread's stack a
few times a second, and the summary names the code that was running as the RSS climbed.

pyinstrument says where the time goes, not the memory; this is its cheap counterpart for the
peak-RSS figure (a read of /proc/self/statm and of one stack per sample: negligible beside an
ingest), so every measured run carries it and a missed RSS target needs no second run.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType, TracebackType

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
OURS = ("/hub/", "/adapters/", "/bench/")
_MIB = 2**20


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_bytes: int
    stack: tuple[str, ...]  # our own frames, outermost first ("function file:line")


def current_rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE


class RssTrace:
    def __init__(self, interval: float = 0.1, ours: tuple[str, ...] = OURS) -> None:
        self.interval = interval
        self.ours = ours  # path parts that mark our own code
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-trace", daemon=True)
        self._main = threading.main_thread().ident
        self._started = 0.0

    def __enter__(self) -> RssTrace:
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._main or 0)
            stack = tuple(reversed(list(_our_frames(frame, self.ours))))
            self.samples.append(Sample(time.perf_counter() - self._started, current_rss_bytes(), stack))

    def describe(self, top: int = 10) -> str:
        """The stack at the peak, then the highest RSS seen under each of our functions."""
        if not self.samples:
            return "no samples"
        peak = max(self.samples, key=lambda s: s.rss_bytes)
        lines = [
            f"Peak sampled RSS {peak.rss_bytes / _MIB:,.0f} MiB at {peak.seconds:.1f} s "
            f"({len(self.samples)} samples every {self.interval:g} s), in:",
            *(f"  {'  ' * depth}{frame}" for depth, frame in enumerate(peak.stack)),
            "",
            "Highest RSS while each function was innermost of ours (and when it first ran):",
        ]
        highest: dict[str, tuple[int, float]] = {}
        for sample in self.samples:
            # Per function, not per line: a loop's lines would split one function into many.
            where = sample.stack[-1].rsplit(":", 1)[0] if sample.stack else "(outside our code)"
            rss, first = highest.get(where, (0, sample.seconds))
            highest[where] = (max(rss, sample.rss_bytes), first)
        ranked = sorted(highest.items(), key=lambda kv: kv[1][0], reverse=True)[:top]
        lines += [f"  {rss / _MIB:8,.0f} MiB  from {first:6.1f} s  {where}" for where, (rss, first) in ranked]
        return "\n".join(lines)


def _our_frames(frame: FrameType | None, ours: tuple[str, ...]) -> Iterator[str]:
    while frame is not None:
        path = frame.f_code.co_filename
        for marker in ours:
            if marker in path:
                short = marker.strip("/") + "/" + path.split(marker, 1)[1]
                yield f"{frame.f_code.co_name}  {short}:{frame.f_lineno}"
                break
        frame = frame.f_back
