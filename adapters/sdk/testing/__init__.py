"""Testing tools for adapter authors: the conformance kit, fault injection, store comparisons.

Import from here: `from adapters.sdk.testing import AdapterConformance, Faults, FaultInjector`.
Needs pytest (a test-time dependency; the hub itself never imports this package).
"""

from adapters.sdk.testing.clients import fast_http_clients
from adapters.sdk.testing.conformance import AdapterConformance, LiveSource, Read
from adapters.sdk.testing.faults import Fault, FaultInjector, FaultKind, Faults, FiredFault, find_records
from adapters.sdk.testing.store import fresh_store, live_count, store_differences, store_snapshot

__all__ = [
    "AdapterConformance",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "Faults",
    "FiredFault",
    "LiveSource",
    "Read",
    "fast_http_clients",
    "find_records",
    "fresh_store",
    "live_count",
    "store_differences",
    "store_snapshot",
]
