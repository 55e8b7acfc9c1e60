"""Satchel's benchmark harness: each figure measured against its floor in the same run.

    uv run python -m bench [--scale S] [--json PATH] [--only ingest,delta,graphql,throughput,memory]

See docs/benchmarks.md for what each figure means, its floor, its target and the latest numbers.
"""
