"""The options of one benchmark run."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = ("ingest", "delta", "attendance", "graphql", "throughput", "memory")
STUDENTS_AT_SCALE_1 = 50_000
# School days of AM/PM marks in the attendance export: 2 x 45 x 50,000 = 4.5M marks, which with
# the roster's ~453k rows makes the "about 5 million rows in all" at scale 1.0.
ATTENDANCE_DAYS = 45
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class BenchConfig:
    scale: float = 1.0
    seed: int = 7
    only: frozenset[str] = field(default_factory=lambda: frozenset(SECTIONS))
    json_path: Path | None = None
    docs_path: Path | None = None  # where the markdown report goes (None: not written)
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "satchel-bench")
    repetitions: int = 3  # ingest and delta runs (each one a fresh database)
    latency_repetitions: int = 20  # GraphQL latency samples per query
    duration: float = 30.0  # seconds of load per endpoint
    clients: int = 32
    postgres_url: str | None = DEFAULT_POSTGRES_URL
    profile: bool = True  # profile a missed target with pyinstrument

    @property
    def students(self) -> int:
        return max(1, round(STUDENTS_AT_SCALE_1 * self.scale))

    def wants(self, section: str) -> bool:
        return section in self.only
