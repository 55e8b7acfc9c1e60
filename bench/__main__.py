"""`uv run python -m bench [--scale S] [--json PATH] [--only ingest,delta,attendance,graphql,throughput,memory]`."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from bench.config import DEFAULT_POSTGRES_URL, SECTIONS, BenchConfig
from bench.runner import run


def parse(argv: list[str]) -> BenchConfig:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 50,000 students (default)")
    parser.add_argument("--json", type=Path, help="write every figure, its floor and the ratio here")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}"
    )
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds of load per endpoint (default 30)"
    )
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument(
        "--repetitions", type=int, default=3, help="ingest and delta runs (median; default 3)"
    )
    parser.add_argument(
        "--latency-repetitions", type=int, default=20, help="samples per GraphQL query (default 20)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, default=BenchConfig().workdir, help="scratch files (removed at the end)"
    )
    parser.add_argument(
        "--docs", type=Path, default=None, help="write the markdown report here (e.g. docs/benchmarks.md)"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="'' to skip PostgreSQL")
    parser.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    args = parser.parse_args(argv)
    only = frozenset(s.strip() for s in args.only.split(",") if s.strip())
    if unknown := only - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return BenchConfig(
        scale=args.scale,
        seed=args.seed,
        only=only,
        json_path=args.json,
        docs_path=args.docs,
        workdir=args.workdir,
        repetitions=args.repetitions,
        latency_repetitions=args.latency_repetitions,
        duration=args.duration,
        clients=args.clients,
        postgres_url=args.postgres_url or None,
        profile=not args.no_profile,
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    run(parse(argv), shlex.join(["uv", "run", "python", "-m", "bench", *argv]))


if __name__ == "__main__":
    main()
