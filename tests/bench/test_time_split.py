"""A missed GraphQL speed-up is reported with where a request's time goes (bench.serving), and a
profile behind several figures is printed once (bench.render)."""

from __future__ import annotations

from bench.render import markdown
from bench.results import Figure, Report
from bench.serving import _Samples, _time_split
from tests.bench.machine import MACHINE


def test_the_split_is_per_request_for_both_paths() -> None:
    # A walk of 10 requests: 50 ms seen by the client, 30 ms of it inside the server.
    hub = _Samples([0.050, 0.052, 0.048], rows=10_000, server_seconds=[0.030, 0.031, 0.029], requests=10)
    resolvers = _Samples([0.40, 0.41, 0.39], rows=10_000, server_seconds=[0.36, 0.37, 0.35], requests=10)
    execution = Figure("q.execution_speedup", "q", "ms", 30.0, 2.5, "compiled")

    lines = _time_split(hub, resolvers, execution).splitlines()

    assert lines[0].split()[-3:] == ["compiled", "strawberry", "ratio"]
    rows = {line[:44].strip(): [float(v) for v in line[44:].split()] for line in lines[1:]}
    assert rows["seen by the client, over HTTP"] == [5.0, 40.0, 8.0]
    assert rows["inside the server (bench.server_clock)"] == [3.0, 36.0, 12.0]
    assert rows["outside the server (client, loopback)"] == [2.0, 4.0, 2.0]
    assert rows["execute() + orjson in-process (thread CPU)"] == [2.5, 30.0, 12.0]


def test_a_profile_behind_several_figures_is_printed_once() -> None:
    report = Report(MACHINE, {}, profiles={"q.speedup": "the profile", "q.execution_speedup": "the profile"})
    text = markdown(report, "cmd")
    assert text.count("the profile") == 1
    assert "Profile behind `q.speedup`, `q.execution_speedup` (pyinstrument" in text
