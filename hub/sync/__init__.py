"""The sync engine: read a source, diff against the store, apply all or nothing."""

from hub.sync.engine import RunSummary, sync_source

__all__ = ["RunSummary", "sync_source"]
