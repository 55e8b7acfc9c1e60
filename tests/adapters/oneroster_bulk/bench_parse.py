"""Parse rate of a large enrollments.csv (not a test: run it by hand).

    uv run python tests/adapters/oneroster_bulk/bench_parse.py --rows 1000000

Writes a 1.1 set with ROWS enrollments to a temporary folder, then times reading + mapping it
through `bulk_streams` exactly as the sync engine would (all pages, to_canonical on each).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import polars as pl

from adapters.oneroster.bulk import bulk_streams


def write_enrollments(folder: Path, rows: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.enrollments,bulk\n"
    )
    i = pl.int_range(0, rows, eager=True)
    frame = pl.select(
        pl.format("enr-{}", i).alias("sourcedId"),
        pl.lit("active").alias("status"),
        pl.lit("2026-05-01T12:00:00.000Z").alias("dateLastModified"),
        pl.format("cls-{}", i // 25).alias("classSourcedId"),
        pl.format("sch-{}", i // 100_000).alias("schoolSourcedId"),
        pl.format("usr-{}", i % 200_000).alias("userSourcedId"),
        pl.when(i % 25 == 0).then(pl.lit("teacher")).otherwise(pl.lit("student")).alias("role"),
        pl.when(i % 25 == 0).then(pl.lit("true")).otherwise(pl.lit("false")).alias("primary"),
        pl.lit("2026-08-24").alias("beginDate"),
        pl.lit("6/11/2027").alias("endDate"),
    )
    frame.write_csv(folder / "enrollments.csv")
    return folder


async def read_all(path: Path) -> tuple[int, int]:
    rows = rejects = 0
    for stream in bulk_streams(path):
        async for page in stream.read(None):
            mapped = stream.to_canonical(page)
            rows += mapped.frame.height
            rejects += len(mapped.rejects)
    return rows, rejects


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_enrollments(Path(tmp) / "set", args.rows)
        size = (folder / "enrollments.csv").stat().st_size
        start = time.perf_counter()
        rows, rejects = asyncio.run(read_all(folder))
        seconds = time.perf_counter() - start
    print(
        f"{rows:,} rows ({rejects} rejected) from {size / 1e6:.0f} MB in {seconds:.2f} s: "
        f"{rows / seconds:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
