"""The policy's row filters, built once per distinct scope and shared by requests.

Building a filter (a WHERE per granted source x school x option, and a CASE per masked field) is
among the costliest steps of a request, and apps ask the same thing with the same grants all day.
A filter depends only on what `AccessPolicy.snapshot()` captures (grants: sources, schools, data
types, fields, options) and the policy's day, so that — not the app or the request — is the key:
a revoke or any grant change makes a new key, and bites on the next request as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from sqlalchemy import Table

from hub.access import AccessPolicy
from hub.store.reads import RowFilter

CACHE_SIZE = 512

# (scope, table, what is asked: a data type, or ":people" / ":school", include_deleted)
_Key = tuple[bytes, str, str, bool]
_cache: OrderedDict[_Key, RowFilter] = OrderedDict()
_lock = Lock()


class Filters:
    """`AccessPolicy.row_filter` / `people_filter` / `school_filter`, memoised by scope."""

    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy

    def row_filter(self, table: Table, data_type: str, *, include_deleted: bool = False) -> RowFilter:
        make = lambda: self.policy.row_filter(table, data_type, include_deleted=include_deleted)  # noqa: E731
        return self._get(table, data_type, include_deleted, make)

    def people_filter(self, table: Table, *, include_deleted: bool = False) -> RowFilter:
        make = lambda: self.policy.people_filter(table, include_deleted=include_deleted)  # noqa: E731
        return self._get(table, ":people", include_deleted, make)

    def school_filter(self, organisations: Table) -> RowFilter:
        return self._get(organisations, ":school", False, lambda: self.policy.school_filter(organisations))

    def _get(
        self, table: Table, what: str, include_deleted: bool, make: Callable[[], RowFilter]
    ) -> RowFilter:
        key = (self.policy.scope_key, table.name, what, include_deleted)
        with _lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
        made = make()
        with _lock:
            _cache[key] = made
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        return made
