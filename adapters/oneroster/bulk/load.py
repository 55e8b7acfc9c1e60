"""Load one data file ready for mapping: read it and join what other files say of its records.

Person data is spread over three files: users.csv, roles.csv (1.2: role and org) and
demographics.csv (birth date and sex). A line item names its category (whose title the canonical
assignment keeps) and its class (whose school it belongs to); a result names its line item, and
so its class and school. They are joined here, once per file, so that every page is
self-contained and `to_canonical` stays a pure function of its page. A file that is not in the
set joins as nulls, and the mapping quarantines the rows that needed it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl

from adapters.oneroster.bulk.mapping import USERS, with_first_rows
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
# Columns lineItems.csv and results.csv gain from categories.csv, lineItems.csv and classes.csv.
GRADEBOOK_JOINED: dict[str, dict[str, Any]] = {
    "lineItems": {
        "_category_found": pl.Boolean,
        "_category_title": pl.String,
        "_category_modified": pl.String,
        "_class_school": pl.String,
    },
    "results": {"_item_class": pl.String, "_item_school": pl.String, "_class_school": pl.String},
}

# The other files `load_file` may join into each file: a change in any of them changes its frame.
JOINS = {
    "users": ("roles", "demographics"),
    "demographics": ("users", "roles"),
    "lineItems": ("categories", "classes"),
    "results": ("lineItems", "classes"),
}

_JOINED = {joined for files in JOINS.values() for joined in files}
_PRIMARY_ROLES = "roles:primary"  # where the primary roles are kept in `BulkSource.parsed`


def _parsed(source: BulkSource, file: str) -> pl.DataFrame:
    """A file's rows, parsed once per run when other files join it in (users.csv feeds two streams)."""
    if file not in _JOINED:
        return read_file(source, file)[0]
    if file not in source.parsed:
        source.parsed[file] = read_file(source, file)[0]
    frame: pl.DataFrame = source.parsed[file]
    return frame


def load_file(source: BulkSource, file: str, *, present: Collection[str] = ()) -> pl.DataFrame:
    """`present`: the files of JOINS[file] the set has, to be joined in."""
    frame = with_first_rows(_parsed(source, file))
    if file in GRADEBOOK_JOINED:
        return _gradebook(source, file, frame, present)
    if file == "demographics":
        return _with_user_schools(source, frame, present)
    if file != "users":
        return frame
    if "roles" in present:
        frame = _left_join(frame, _primary_roles(source))
    if "demographics" in present:
        frame = _left_join(frame, _demographics(source))
    return frame.with_columns(
        pl.lit(None, dtype=dtype).alias(c) for c, dtype in JOINED.items() if c not in frame.columns
    )


def _live(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("status").str.to_lowercase().fill_null("active") != "tobedeleted")


def _primary_roles(source: BulkSource) -> pl.DataFrame:
    """One role per user: the `primary` one, else the first listed. Worked out once per run: the
    users and the demographics streams both join it."""
    if _PRIMARY_ROLES not in source.parsed:
        roles = _live(_parsed(source, "roles")).filter(pl.col("userSourcedId").is_not_null())
        if roles["userSourcedId"].n_unique() != roles.height:  # a user with several: pick one
            roles = roles.sort(pl.col("roleType").str.to_lowercase().fill_null("") != "primary", ROW).unique(
                "userSourcedId", keep="first", maintain_order=True
            )
        source.parsed[_PRIMARY_ROLES] = roles.select(
            pl.col("userSourcedId").alias("sourcedId"),
            pl.col("role").alias("_role"),
            pl.col("orgSourcedId").alias("_role_org"),
            pl.col(ROW).alias("_role_row"),
        )
    primary: pl.DataFrame = source.parsed[_PRIMARY_ROLES]
    return primary


def _demographics(source: BulkSource) -> pl.DataFrame:
    demographics = _parsed(source, "demographics")
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


def _with_user_schools(source: BulkSource, frame: pl.DataFrame, present: Collection[str]) -> pl.DataFrame:
    """A demographics record names no school: it takes its user's, worked out as users.csv's are."""
    if "users" not in present:
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("_user_school"))
    users = load_file(source, "users", present=("roles",) if "roles" in present else ())
    schools = _live(users).select(pl.col("sourcedId"), USERS.school_id.alias("_user_school"))
    return _join_on(frame, schools, "sourcedId")


def _gradebook(source: BulkSource, file: str, frame: pl.DataFrame, present: Collection[str]) -> pl.DataFrame:
    if file == "lineItems":
        if "categories" in present:
            categories = _live(_parsed(source, "categories")).select(
                pl.col("sourcedId").alias("categorySourcedId"),
                pl.lit(True).alias("_category_found"),
                pl.col("title").alias("_category_title"),
                pl.col("dateLastModified").alias("_category_modified"),
            )
            frame = _join_on(frame, categories, "categorySourcedId")
        class_of = pl.col("classSourcedId")
    else:
        if "lineItems" in present:
            items = _live(_parsed(source, "lineItems")).select(
                pl.col("sourcedId").alias("lineItemSourcedId"),
                pl.col("classSourcedId").alias("_item_class"),
                pl.col("schoolSourcedId").alias("_item_school"),  # 1.2 line items name their school
            )
            frame = _join_on(frame, items, "lineItemSourcedId")
        # 1.2 results name their class; 1.1 results only through their line item.
        via_item = [pl.col("_item_class")] if "_item_class" in frame.columns else []
        class_of = pl.coalesce(pl.col("classSourcedId"), *via_item)
    if "classes" in present:
        schools = _live(_parsed(source, "classes")).select(
            pl.col("sourcedId").alias("_class"), pl.col("schoolSourcedId").alias("_class_school")
        )
        frame = _join_on(frame.with_columns(class_of.alias("_class")), schools, "_class").drop("_class")
    return frame.with_columns(
        pl.lit(None, dtype=dtype).alias(c)
        for c, dtype in GRADEBOOK_JOINED[file].items()
        if c not in frame.columns
    )


def _join_on(frame: pl.DataFrame, other: pl.DataFrame, key: str) -> pl.DataFrame:
    other = other.filter(pl.col(key).is_not_null()).unique(key, keep="first", maintain_order=True)
    return frame.join(other, on=key, how="left", maintain_order="left")


def _left_join(users: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    # A user with a missing sourcedId still needs its row (to be quarantined), so nulls never match.
    return users.join(other, on="sourcedId", how="left", maintain_order="left")
