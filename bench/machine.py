"""What the numbers were measured on."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from importlib.metadata import version
from typing import Any


def describe() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "polars": version("polars"),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": version("sqlalchemy"),
        "strawberry": version("strawberry-graphql"),
        "uvicorn": version("uvicorn"),
        "load_average_at_start": load_average(),
    }


def load_average() -> str:
    """1/5/15-minute load averages: other work on the machine skews absolute numbers."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
