"""A machine description for reports built in tests (bench.machine.describe's keys)."""

from __future__ import annotations

MACHINE = {
    "cpu": "x",
    "cores": 2,
    "memory_gib": 1,
    "os": "x",
    "python": "3",
    "polars": "1",
    "sqlite": "3",
    "sqlalchemy": "2",
    "strawberry": "0",
    "uvicorn": "0",
    "load_average_at_start": "0",
}
