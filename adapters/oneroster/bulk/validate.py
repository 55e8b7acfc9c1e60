"""Split a frame into the rows that pass every check and Rejects for the rest.

Checks are polars expressions evaluated once per row as booleans; only the (usually few) failing
rows get a reason computed and become Python objects. Checks may read the typed columns the mapping
computed first (`typed("start_date")`), so nothing is parsed twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from adapters.oneroster.bulk.reader import ROW
from adapters.sdk import Reject

TYPED = "="  # prefix of the typed column computed for each canonical field
_CHECK, _REASON, _AT = "__check", "__reason", "__at"


def typed(field: str) -> pl.Expr:
    """The already typed value of canonical `field` (null where its cell could not be parsed)."""
    return pl.col(TYPED + field)


@dataclass(frozen=True)
class Check:
    """Rows where `bad` holds are quarantined; the first failing check of a row names the reason."""

    field: str  # the CSV column at fault, as the Reject names it
    bad: pl.Expr
    reason: pl.Expr  # a String expression, so the reason can quote the offending value
    file: str | None = None  # the file holding that column, when not the stream's own (roles, demographics)
    row: str = ROW  # the column holding the row number in that file


def required(column: str) -> Check:
    return Check(column, pl.col(column).is_null(), pl.lit(f"missing {column}"))


def invalid(column: str, field: str, what: str) -> Check:
    """`column` has a value that typing into canonical `field` turned into null: "unknown role 'x'"."""
    raw = pl.col(column)
    return Check(column, raw.is_not_null() & typed(field).is_null(), pl.format(f"{what} '{{}}'", raw))


def split_rejects(
    frame: pl.DataFrame, checks: list[Check], file: str, id_column: str = "sourcedId"
) -> tuple[pl.DataFrame, list[Reject]]:
    if not checks or frame.is_empty():
        return frame, []
    failing_mask = frame.select(pl.any_horizontal(c.bad.fill_null(False) for c in checks)).to_series()
    if not failing_mask.any():
        return frame, []
    failing = _explain(frame.filter(failing_mask), checks)
    rejects = [
        Reject(
            source_record_id=row[id_column],
            field=checks[row[_CHECK]].field,
            reason=row[_REASON],
            location=f"{checks[row[_CHECK]].file or file}.csv:row {row[_AT]}",
        )
        for row in failing.select(id_column, _CHECK, _REASON, _AT).iter_rows(named=True)
    ]
    return frame.filter(~failing_mask), rejects


def _explain(failing: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    """Which check failed first on each row, why, and at which row of which file."""
    which: pl.Expr = pl.lit(None, dtype=pl.Int32)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    at: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for index in reversed(range(len(checks))):  # built inside out, so the first check wins
        check = checks[index]
        bad = check.bad.fill_null(False)
        which = pl.when(bad).then(pl.lit(index, dtype=pl.Int32)).otherwise(which)
        reason = pl.when(bad).then(check.reason).otherwise(reason)
        at = pl.when(bad).then(pl.col(check.row).cast(pl.Int64)).otherwise(at)
    return failing.with_columns(which.alias(_CHECK), reason.alias(_REASON), at.alias(_AT))
