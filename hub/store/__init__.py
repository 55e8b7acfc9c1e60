"""The store: every table the hub keeps. All SQL lives under this package."""

from hub.store.canonical_tables import COMMON_COLUMNS, build_canonical_tables
from hub.store.engine import make_engine
from hub.store.models import (
    AccessToken,
    App,
    Base,
    Counter,
    Grant,
    QuarantinedRecord,
    Source,
    SyncRun,
)

metadata = Base.metadata
CANONICAL_TABLES = build_canonical_tables(metadata)

__all__ = [
    "CANONICAL_TABLES",
    "COMMON_COLUMNS",
    "AccessToken",
    "App",
    "Base",
    "Counter",
    "Grant",
    "QuarantinedRecord",
    "Source",
    "SyncRun",
    "make_engine",
    "metadata",
]
