"""A bulk stream's fingerprint (`Stream.fingerprint`, ADR 7): everything its mapped frame is a
function of, hashed without parsing a row — the bytes of its file and of every file joined into
it, their modes, the set's version, this adapter's code and the polars version.

Delta files get none (the engine reads them every time: a delta file says nothing by absence, and
its `since` comes from the checkpoint). The path is left out on purpose: the same bytes under a
new export's name are the same read.
"""

from __future__ import annotations

from functools import cache
from hashlib import blake2b
from pathlib import Path

import polars as pl

from adapters.oneroster.bulk.bulkset import BulkSet
from adapters.oneroster.bulk.load import JOINS
from hub.canonical import EntitySpec

_FORMAT = "1"  # bump when what a fingerprint covers changes


def stream_fingerprint(bulk: BulkSet, stream_name: str, file: str, entity: EntitySpec) -> str | None:
    modes = bulk.modes
    if modes.get(file) != "bulk":
        return None
    files = [file, *(f for f in JOINS.get(file, ()) if bulk.uses(f))]
    digest = blake2b(digest_size=16)
    digest.update(
        f"{_FORMAT}|{code_digest()}|{pl.__version__}|{bulk.version}|{stream_name}|{entity.polars_schema()}".encode()
    )
    for name in files:
        digest.update(f"|{name}:{modes[name]}:{bulk.source.digest(f'{name}.csv')}".encode())
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """The OneRoster adapter's code: a changed mapping never skips on a fingerprint taken before it."""
    root = Path(__file__).resolve().parent.parent  # adapters/oneroster
    digest = blake2b(digest_size=16)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
