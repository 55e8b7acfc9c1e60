"""The RSS trace names the code that was running when memory peaked, and the report labels it."""

from __future__ import annotations

import time

from bench.render import markdown
from bench.results import Report
from bench.rss_trace import RssTrace
from tests.bench.machine import MACHINE

MIB = 2**20


def hold_memory() -> bytearray:
    block = bytearray(300 * MIB)  # zero-filled, so every page is touched
    time.sleep(0.3)
    return block


def test_the_peak_is_found_inside_the_function_that_made_it() -> None:
    with RssTrace(interval=0.02, ours=("/tests/bench/",)) as trace:
        block = hold_memory()
        del block
        time.sleep(0.1)

    summary = trace.describe()
    peak = max(trace.samples, key=lambda s: s.rss_bytes)
    assert peak.stack[-1].startswith("hold_memory")
    assert peak.rss_bytes - min(s.rss_bytes for s in trace.samples) > 200 * MIB
    assert summary.splitlines()[-1].strip()  # a ranked line per function
    assert "hold_memory" in summary.split("Highest RSS")[1].splitlines()[1]


def test_an_rss_profile_is_labelled_as_one_in_the_report() -> None:
    report = Report(MACHINE, {}, profiles={"attendance.memory.peak_rss_mib": "Peak sampled RSS"})
    assert "(RSS sampled with the running stack, bench/rss_trace.py):" in markdown(report, "cmd")
