"""Load one data file ready for mapping: read it and, for users, join what other files say of them.

Person data is spread over three files: users.csv, roles.csv (1.2: role and org) and
demographics.csv (birth date and sex). They are joined here, once per file, so that every page
of users is self-contained and `to_canonical` stays a pure function of its page.
"""

from __future__ import annotations

import polars as pl

from adapters.oneroster.bulk.mapping import with_first_rows
from adapters.oneroster.bulk.reader import ROW, read_file
from adapters.oneroster.bulk.source import BulkSource

# Columns users.csv gains from roles.csv and demographics.csv (null when those files are absent).
JOINED = {
    "_role": pl.String,
    "_role_org": pl.String,
    "_role_row": pl.Int64,
    "_birthDate": pl.String,
    "_sex": pl.String,
    "_demo_row": pl.Int64,
}


def load_file(
    source: BulkSource, file: str, *, with_roles: bool = False, with_demographics: bool = False
) -> pl.DataFrame:
    frame, _ = read_file(source, file)
    frame = with_first_rows(frame)
    if file != "users":
        return frame
    if with_roles:
        frame = _left_join(frame, _primary_roles(source))
    if with_demographics:
        frame = _left_join(frame, _demographics(source))
    return frame.with_columns(
        pl.lit(None, dtype=dtype).alias(c) for c, dtype in JOINED.items() if c not in frame.columns
    )


def _live(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("status").str.to_lowercase().fill_null("active") != "tobedeleted")


def _primary_roles(source: BulkSource) -> pl.DataFrame:
    """One role per user: the `primary` one, else the first listed."""
    roles, _ = read_file(source, "roles")
    return (
        _live(roles)
        .filter(pl.col("userSourcedId").is_not_null())
        .sort(pl.col("roleType").str.to_lowercase().fill_null("") != "primary", ROW)
        .unique("userSourcedId", keep="first", maintain_order=True)
        .select(
            pl.col("userSourcedId").alias("sourcedId"),
            pl.col("role").alias("_role"),
            pl.col("orgSourcedId").alias("_role_org"),
            pl.col(ROW).alias("_role_row"),
        )
    )


def _demographics(source: BulkSource) -> pl.DataFrame:
    demographics, _ = read_file(source, "demographics")
    return (
        _live(demographics)
        .filter(pl.col("sourcedId").is_not_null())
        .unique("sourcedId", keep="first", maintain_order=True)
        .select(
            "sourcedId",
            pl.col("birthDate").alias("_birthDate"),
            pl.col("sex").alias("_sex"),
            pl.col(ROW).alias("_demo_row"),
        )
    )


def _left_join(users: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    # A user with a missing sourcedId still needs its row (to be quarantined), so nulls never match.
    return users.join(other, on="sourcedId", how="left", maintain_order="left")
