"""OneRoster 1.1 REST: the adapter (adapter, client, mapping) and its simulator (simulator)."""

from adapters.oneroster.adapter import OneRosterAdapter, OneRosterConfig

__all__ = ["OneRosterAdapter", "OneRosterConfig"]
