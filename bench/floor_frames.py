"""The ingest floor's reading half: the bulk zip's CSV files read with polars, joined and renamed
to the canonical tables' columns with as little work as a loader can do (no validation, no hub
ids, no diff). The writing half (floor_sqlite, floor_postgres) puts these same rows in tables
built from the same metadata as the hub's, indexes included."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Table

from hub.store import CANONICAL_TABLES

SOURCE_ID = "00000000-0000-4000-8000-000000000001"
NOW = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

_LISTS = {"grades", "subjects", "session_ids", "periods", "agent_ids"}
_BOOLS = {"enabled", "primary"}

# Canonical column ← CSV column, per entity (the file is named in _FILES).
_COLUMNS: dict[str, dict[str, str]] = {
    "organisation": {
        "kind": "type",
        "name": "name",
        "identifier": "identifier",
        "parent_id": "parentSourcedId",
    },
    "academic_session": {
        "kind": "type",
        "title": "title",
        "start_date": "startDate",
        "end_date": "endDate",
        "parent_id": "parentSourcedId",
        "school_year": "schoolYear",
    },
    "course": {
        "school_id": "orgSourcedId",
        "title": "title",
        "code": "courseCode",
        "school_year_id": "schoolYearSourcedId",
        "grades": "grades",
        "subjects": "subjects",
    },
    "class": {
        "school_id": "schoolSourcedId",
        "title": "title",
        "code": "classCode",
        "kind": "classType",
        "course_id": "courseSourcedId",
        "session_ids": "termSourcedIds",
        "room": "location",
        "periods": "periods",
        "grades": "grades",
        "subjects": "subjects",
    },
    "person": {
        "school_id": "primaryOrgSourcedId",
        "role": "_role",
        "role_detail": "_role",
        "given_name": "givenName",
        "middle_name": "middleName",
        "family_name": "familyName",
        "preferred_name": "preferredGivenName",
        "username": "username",
        "email": "email",
        "phone": "phone",
        "sms": "sms",
        "identifier": "identifier",
        "grades": "grades",
        "enabled": "enabledUser",
        "date_of_birth": "birthDate",
        "gender": "sex",
        "agent_ids": "agentSourcedIds",
    },
    "enrollment": {
        "school_id": "schoolSourcedId",
        "person_id": "userSourcedId",
        "class_id": "classSourcedId",
        "role": "role",
        "primary": "primary",
        "begin_date": "beginDate",
        "end_date": "endDate",
    },
}
_FILES = {
    "organisation": "orgs",
    "academic_session": "academicSessions",
    "course": "courses",
    "class": "classes",
    "person": "users",
    "enrollment": "enrollments",
}


def read_zip(path: Path) -> dict[str, pl.DataFrame]:
    """Every CSV of the set, as strings."""
    with zipfile.ZipFile(path) as archive:
        return {
            Path(name).stem: pl.read_csv(io.BytesIO(archive.read(name)), infer_schema=False)
            for name in archive.namelist()
            if name.endswith(".csv") and not name.endswith("manifest.csv")
        }


def canonical_rows(files: dict[str, pl.DataFrame]) -> dict[Table, pl.DataFrame]:
    """Each canonical table's rows, columns in the table's order (lists as JSON text, booleans 0/1)."""
    users = files["users"]
    if "roles" in files:
        roles = files["roles"].select(
            pl.col("userSourcedId").alias("sourcedId"), pl.col("role").alias("_role")
        )
        users = users.join(roles.unique("sourcedId"), on="sourcedId", how="left")
    if "demographics" in files:
        users = users.join(
            files["demographics"].select("sourcedId", "birthDate", "sex"), on="sourcedId", how="left"
        )
    sources = {**files, "users": users}
    return {
        CANONICAL_TABLES[entity]: table_rows(CANONICAL_TABLES[entity], sources[file], _COLUMNS[entity])
        for entity, file in _FILES.items()
        if file in sources
    }


def table_rows(
    table: Table,
    frame: pl.DataFrame,
    columns: dict[str, str],
    *,
    record_id: str = "sourcedId",
    updated: str = "dateLastModified",
) -> pl.DataFrame:
    """`frame`'s rows as `table`'s columns: `columns` maps canonical column ← file column; the
    record's own id (also its primary key here: no hub ids) and modification time are named apart."""
    given = {
        "id": pl.col(record_id),
        "source_id": pl.lit(SOURCE_ID),
        "source_record_id": pl.col(record_id),
        "source_updated_at": pl.col(updated),
        "updated_at": pl.lit(NOW),
        "change_version": pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        "deleted_at": pl.lit(None, dtype=pl.String),
        "school_id": pl.lit(None, dtype=pl.String),
    }
    for column, csv in columns.items():
        given[column] = _converted(column, pl.col(csv))
    out = frame.select(
        (given[c.name] if c.name in given else pl.lit(None, dtype=pl.String)).alias(c.name)
        for c in table.c
        if c.name != "content_hash"
    )
    # A content hash per row, as the hub keeps one (polars' own row hash: the cheapest there is).
    return out.with_columns(content_hash=out.hash_rows().cast(pl.String)).select([c.name for c in table.c])


def _converted(column: str, expr: pl.Expr) -> pl.Expr:
    if column in _LISTS:
        return (
            pl.when(expr.is_null())
            .then(pl.lit("[]"))
            .otherwise('["' + expr.str.replace_all(",", '","') + '"]')
        )
    if column in _BOOLS:
        return (expr == "true").cast(pl.Int64)
    return expr
