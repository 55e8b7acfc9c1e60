"""Entity digests: skip diffing an entity whose read is identical to the last applied one (ADR 7).

A digest covers everything an entity's diff takes from the read: every row's id and content (the
polars row hash of the columns the content hash covers, prepare.content_columns, plus the
schema), the ids the source reported deleted, the quarantined ids, and whether the read was
complete. A row's `source_updated_at` is left out, as the diff leaves it out: an export that
stamps every row anew changes nothing, and is skipped. The store side is covered by an
invariant: only runs of this source write its rows (one at a time, under the source lock), and a
run saves the digests it diffed with in the transaction that applies the diff. Applying a diff makes the same diff come
out empty, so an equal digest means there is nothing to do.

polars' row hash is not stable across polars versions, so the version is part of the digest: an
upgrade costs one ordinary diff, never a wrong skip.
"""

from __future__ import annotations

from array import array
from hashlib import blake2b

import polars as pl

DIGESTS_KEY = "entity_digests"  # where a source's checkpoint keeps them: {entity: digest}
_FORMAT = "2"  # bump when what a digest covers changes (2: no source_updated_at)
_CHUNK = 1 << 20


def entity_digest(
    schema: pl.Schema, row_hashes: pl.Series, *, deleted: list[str], kept: list[str], complete: bool
) -> str:
    """`row_hashes`: the read's polars row hashes, in read order (entity_pages.py)."""
    digest = blake2b(digest_size=16)
    digest.update(f"{_FORMAT}|{pl.__version__}|{complete}|{row_hashes.len()}|{schema}".encode())
    for start in range(0, row_hashes.len(), _CHUNK):  # a million Python ints at a time, at most
        digest.update(array("Q", row_hashes.slice(start, _CHUNK).to_list()).tobytes())
    for ids in (deleted, kept):
        digest.update(b"\x1d" + "\x1e".join(sorted(ids)).encode())
    return digest.hexdigest()
