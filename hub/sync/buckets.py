"""Row buckets: of a large entity whose read changed, diff only the rows that can have changed
(ADR 7, third addendum).

An entity digest (digests.py) says whether anything of an entity's read changed; a 1% delta
changes it, and then every row used to be hashed and diffed. So a large entity's rows are also
spread over BUCKETS buckets by their source record id, and each bucket gets a digest of its rows
(the XOR of their polars row hashes). A run saves them with the entity digests, in the
transaction that applies its diff. The next run diffs only the rows, incoming and stored, of the
buckets whose digest moved: in any other bucket the rows are the ones the last applied run read,
and applying a diff makes the same diff come out empty — the entity digests' argument, bucket by
bucket.

Buckets are used only where a bucket's rows alone decide its diff: a complete read (absence means
gone) with every id present once (so no "last version wins" that depends on row order), no ids
reported deleted and nothing quarantined (those act across buckets). Otherwise the entity is
diffed whole and its saved buckets are dropped, so they always describe what the store holds.
polars' hashes are stable only within a polars version, so the version, the schema and this
format are saved with the digests; any difference means a whole diff. A 64-bit collision would
hide one changed row until the next change to its bucket or the next `--full` run, as for the
entity digests.
"""

from __future__ import annotations

import base64
import struct
from hashlib import blake2b
from typing import Any

import polars as pl

BUCKETS_KEY = "row_buckets"  # where a source's checkpoint keeps them: {entity: saved buckets}
BUCKETS = 4096  # ~30 rows a bucket at 117k people: a 1% delta touches about a quarter of them
MIN_ROWS = 10_000  # smaller entities are diffed whole: cheap, and no state to keep
_FORMAT = "2"  # bump when what a bucket digest covers changes (2: no source_updated_at)
_LAYOUT = f"<{BUCKETS}Q"  # the saved digests: little-endian u64, bucket by bucket


def bucket_of(ids: pl.Expr) -> pl.Expr:
    """The bucket of each source record id (polars' hash: stable within one polars version)."""
    return ids.hash() % BUCKETS


def digests(
    ids: pl.Series, row_hashes: pl.Series, *, complete: bool, deleted: list[str], kept: list[str]
) -> bytes | None:
    """BUCKETS little-endian u64 digests of a read's rows by bucket (`ids` and `row_hashes`: its
    source record ids and polars row hashes, row by row), or None where buckets cannot be used
    (see the module docstring)."""
    if not complete or deleted or kept or ids.len() < MIN_ROWS:
        return None
    if ids.null_count() or ids.n_unique() != ids.len():
        return None
    per_bucket = (
        pl.DataFrame({"id": ids, "row": row_hashes})
        .select(bucket=bucket_of(pl.col("id")), row="row")
        .group_by("bucket")
        .agg(pl.col("row").bitwise_xor())
    )
    dense = pl.zeros(BUCKETS, dtype=pl.UInt64, eager=True).scatter(per_bucket["bucket"], per_bucket["row"])
    return struct.pack(_LAYOUT, *dense.to_list())


def changed(saved: bytes, now: bytes) -> list[int]:
    """The buckets whose digest differs."""
    before, after = _as_series(saved), _as_series(now)
    return pl.arg_where(before != after, eager=True).to_list()


def tag(schema: pl.Schema) -> str:
    """What bucket digests are comparable under: this format, the polars version and the schema."""
    text = f"{_FORMAT}|{BUCKETS}|{pl.__version__}|{schema}"
    return blake2b(text.encode(), digest_size=16).hexdigest()


def as_json(tag_: str, digests_: bytes) -> dict[str, str]:
    return {"tag": tag_, "digests": base64.b64encode(digests_).decode()}


def load_saved(value: Any) -> dict[str, tuple[str, bytes]]:
    """entity → (tag, digests) of a checkpoint; anything malformed is dropped (diffed whole)."""
    saved: dict[str, tuple[str, bytes]] = {}
    for entity, item in value.items() if isinstance(value, dict) else ():
        try:
            raw = base64.b64decode(item["digests"], validate=True)
            if len(raw) == struct.calcsize(_LAYOUT):
                saved[str(entity)] = (str(item["tag"]), raw)
        except (KeyError, TypeError, ValueError):
            continue
    return saved


def _as_series(raw: bytes) -> pl.Series:
    return pl.Series(struct.unpack(_LAYOUT, raw), dtype=pl.UInt64)
