"""The benchmark harness at a tiny scale, so it cannot rot: every section runs and the JSON holds
every figure with its floor, ratio and (where one is set) target. Numbers are not checked here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.__main__ import main

SECTIONS = "ingest,delta,attendance,graphql,throughput,memory"
EXPECTED = {
    "ingest.sqlite.rows_per_s",
    "delta.sqlite.seconds",
    "memory.ingest.peak_rss_mib",
    "attendance.sqlite.rows_per_s",
    "attendance.memory.peak_rss_mib",
    "graphql.students_page.median_ms",
    "graphql.students_page.p99_ms",
    "graphql.flat_10k.median_ms",
    "graphql.flat_10k.p99_ms",
    "graphql.nested.median_ms",
    "graphql.nested.p99_ms",
    *(
        f"graphql.{q}.{s}"
        for q in ("students_page", "flat_10k", "nested")
        for s in ("speedup", "execution_speedup")
    ),
    "throughput.rps",
    "memory.server.peak_rss_mib",
}


@pytest.mark.slow
def test_the_harness_measures_every_figure_against_its_floor(tmp_path: Path) -> None:
    report_path = tmp_path / "bench.json"
    docs_path = tmp_path / "benchmarks.md"
    postgres = os.environ.get("SATCHEL_TEST_POSTGRES_URL", "")
    main(
        [
            "--scale=0.002",
            "--duration=1",
            "--clients=4",
            "--repetitions=1",
            "--latency-repetitions=2",
            "--no-profile",
            f"--only={SECTIONS}",
            f"--json={report_path}",
            f"--docs={docs_path}",
            f"--workdir={tmp_path / 'work'}",
            f"--postgres-url={postgres}",
        ]
    )

    report = json.loads(report_path.read_text())
    figures = {f["key"]: f for f in report["figures"]}
    assert set(figures) >= EXPECTED
    if postgres:
        assert {"ingest.postgres.rows_per_s", "attendance.postgres.rows_per_s"} <= set(figures)
    for key, figure in figures.items():
        assert figure["value"] > 0, key
        assert figure["floor"] > 0, key
        assert figure["ratio"] == pytest.approx(figure["value"] / figure["floor"]), key
        assert figure["floor_label"], key
    targeted = {k for k, f in figures.items() if f["target"] is not None}
    assert {
        "ingest.sqlite.rows_per_s",
        "delta.sqlite.seconds",
        "attendance.sqlite.rows_per_s",
        "attendance.memory.peak_rss_mib",
        "throughput.rps",
    } <= targeted
    # 100 students x 45 school days x AM and PM, every one of them ingested.
    assert figures["attendance.sqlite.rows_per_s"]["extra"]["rows"] == 9_000
    assert any("9,000 marks" in note for note in report["notes"])
    assert figures["throughput.rps"]["extra"]["errors"] == 0
    for query in ("students_page", "flat_10k", "nested"):
        latency, speedup = figures[f"graphql.{query}.median_ms"], figures[f"graphql.{query}.speedup"]
        # The time inside the server is part of what the client waited for.
        assert 0 < latency["extra"]["hub_server_ms"] < latency["value"], query
        assert 0 < latency["extra"]["floor_server_ms"] < latency["floor"], query
        assert 0 < speedup["extra"]["resolvers_server_ms"] < speedup["value"], query
        assert speedup["extra"]["server_speedup"] == pytest.approx(
            speedup["extra"]["resolvers_server_ms"] / speedup["extra"]["hub_server_ms"]
        )
    assert report["machine"]["cores"] >= 1
    assert "| figure | value | floor | ratio | target | status |" in docs_path.read_text()
