"""Scheduled syncs and the daily maintenance, run by `satchel serve` in a background thread.

Each tick syncs the sources whose interval has passed since their last run started, one at a
time, then runs maintenance if a day has passed. The per-source lock (locks.py) makes it safe
for several processes to schedule: a source already syncing elsewhere is skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from hub.config import Settings
from hub.store import runs, sources
from hub.store.columns import utcnow
from hub.sync.engine import RunSummary, sync_source
from hub.sync.locks import SourceBusyError
from hub.sync.maintenance import run_maintenance

log = logging.getLogger(__name__)
MAINTENANCE_EVERY = timedelta(days=1)


class Scheduler:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        sync: Callable[[Engine, str], RunSummary] = sync_source,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.sync = sync
        self.last_maintenance: datetime | None = None

    def due(self, now: datetime) -> list[str]:
        """Names of sources whose interval has passed since their last run started."""
        with self.engine.connect() as conn:
            started = runs.last_started(conn)
            return [
                s.name
                for s in sources.list_sources(conn)
                if s.sync_interval_minutes
                and (s.id not in started or started[s.id] + timedelta(minutes=s.sync_interval_minutes) <= now)
            ]

    def tick(self) -> list[RunSummary]:
        done = []
        for name in self.due(self.clock()):
            try:
                summary = self.sync(self.engine, name)
            except SourceBusyError:
                log.info("skipping scheduled sync of %s: it is already running", name)
                continue
            log.info("scheduled sync of %s: %s %s", name, summary.status, summary.error or "")
            done.append(summary)
        now = self.clock()
        if self.last_maintenance is None or now - self.last_maintenance >= MAINTENANCE_EVERY:
            log.info("maintenance: %s", run_maintenance(self.engine, now, self.settings))
            self.last_maintenance = now
        return done

    def run(self, stop: threading.Event, every_seconds: float = 30.0) -> None:
        """Tick until `stop` is set; an error in one tick is logged, never fatal to the server."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            stop.wait(every_seconds)
