"""Access policies kept between an API process's requests, rebuilt when the app's grants move.

Loading a policy reads and validates every grant of the app, and its scope key serialises them
all: at 120 granted schools that was ~6 ms of a 100-row page's ~17 ms. The database bumps
`apps.grants_version` on every insert, update or delete of one of the app's grants (triggers,
migration 0007g), whatever writes it: an admin action, a request approval, a source deleted with
its grants, another process. Each request reads the version with its token, before the grants
(in the same snapshot on PostgreSQL), so a policy is never older than the version it is kept
under, and is reused only while that version is the current one: a revocation still bites on the
app's next request, in every process.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from sqlalchemy import Connection

from hub.access.apps import AppRecord
from hub.access.policy import AccessPolicy, current_day

DEFAULT_SIZE = 1024  # apps; an entry is the app's grants, a few hundred bytes a school


class PolicyCache:
    """The newest policy of each app, for the version of its grants and the day it was built."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._policies: OrderedDict[str, AccessPolicy] = OrderedDict()
        self._versions: dict[str, int] = {}
        self._lock = Lock()

    def policy(self, conn: Connection, app: AppRecord) -> AccessPolicy:
        """`app`'s policy now: `app` must be read on `conn` (its grants_version is the key)."""
        today = current_day()
        with self._lock:
            found = self._policies.get(app.id)
            if found is not None and self._versions[app.id] == app.grants_version and found.today == today:
                self._policies.move_to_end(app.id)
                return found
        # "Today" is part of the scope (dated rows enter and leave it), so a new day is a new policy.
        policy = AccessPolicy.load(conn, app.id, today=today)
        with self._lock:
            self._policies[app.id] = policy
            self._versions[app.id] = app.grants_version
            self._policies.move_to_end(app.id)
            while len(self._policies) > self._size:
                evicted, _ = self._policies.popitem(last=False)
                del self._versions[evicted]
        return policy
