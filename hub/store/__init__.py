"""The store: every table the hub keeps. All SQL lives under this package."""

from hub.store import (
    admin_models,  # noqa: F401  (registers the admin tables on Base)
    connect_models,  # noqa: F401  (registers the connect-by-link tables)
)
from hub.store.audit_models import ApiRequest, FeedScope
from hub.store.canonical_tables import CANONICAL_TABLES, COMMON_COLUMNS
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

__all__ = [
    "CANONICAL_TABLES",
    "COMMON_COLUMNS",
    "AccessToken",
    "ApiRequest",
    "App",
    "Base",
    "Counter",
    "FeedScope",
    "Grant",
    "QuarantinedRecord",
    "Source",
    "SyncRun",
    "make_engine",
    "metadata",
]
