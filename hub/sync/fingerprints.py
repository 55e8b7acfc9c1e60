"""Source fingerprints: an entity whose streams all fingerprint as they did at the last applied run
is not read at all (ADR 7, addendum).

A stream may give a cheap fingerprint of what a whole read would produce (`Stream.fingerprint`,
e.g. a hash of a CSV file's bytes). The engine takes them before reading and saves them per
entity, with the entity digests, in the checkpoint the apply transaction writes. When the next
run's fingerprints for every stream of an entity equal the saved ones, the read would be the one
the saved digest was taken of, so the entity is handled exactly as one whose digest matched: not
read, not diffed, its digest kept.

Only a clean read is saved: an entity with quarantined rows (whose quarantine each run must list
again), a stream without a fingerprint, or one read from a checkpoint (a delta) is read every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.sdk import Stream

FINGERPRINTS_KEY = "source_fingerprints"  # in a source's checkpoint: {entity: SavedRead as a dict}


@dataclass(frozen=True)
class SavedRead:
    """What the last applied run read of one entity: its streams' fingerprints, how many records
    it read (`EntityCounts.read`) and how many distinct live ones (unchanged, when nothing did)."""

    streams: dict[str, str]
    read: int
    unchanged: int

    def as_json(self) -> dict[str, Any]:
        return {"streams": self.streams, "read": self.read, "unchanged": self.unchanged}


def load_saved(value: Any) -> dict[str, SavedRead]:
    """The saved reads of a checkpoint; anything malformed is dropped (that entity is just read)."""
    saved: dict[str, SavedRead] = {}
    for entity, item in (value or {}).items() if isinstance(value, dict) else ():
        try:
            streams = {str(k): str(v) for k, v in item["streams"].items()}
            saved[entity] = SavedRead(streams, int(item["read"]), int(item["unchanged"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return saved


def take(streams: Sequence[Stream], whole: set[str]) -> dict[str, dict[str, str] | None]:
    """Per entity, its streams' fingerprints, or None when one of them has none or is not read
    whole (`whole`: the names of the streams read without a `since`)."""
    taken: dict[str, dict[str, str] | None] = {}
    for stream in streams:
        name = stream.entity.name
        if name in taken and taken[name] is None:
            continue  # one stream without a fingerprint: the entity is read anyway
        fingerprint = stream.fingerprint() if stream.name in whole else None
        taken[name] = None if fingerprint is None else {**(taken.get(name) or {}), stream.name: fingerprint}
    return taken
