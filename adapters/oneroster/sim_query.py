"""The simulator's request vocabulary: the IMS error shape, filter=, fields= and paging parameters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

Record = dict[str, Any]


class ImsError(Exception):
    """A refusal in the OneRoster status-info shape, with its HTTP status (and auth challenge)."""

    def __init__(
        self, status: int, code_minor: str, description: str, *, challenge: str | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.code_minor = code_minor
        self.description = description
        self.challenge = challenge

    def response(self) -> JSONResponse:
        body = {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": self.description,
            "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                        "imsx_codeMinorFieldValue": self.code_minor}]},
        }  # fmt: skip
        challenge = self.challenge or ('OAuth realm="OneRoster"' if self.status == 401 else None)
        headers = {"WWW-Authenticate": challenge} if challenge else None
        return JSONResponse(body, status_code=self.status, headers=headers)


def int_param(value: str | None, name: str, *, default: int, minimum: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ImsError(400, "invalid_data", f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return number


def parse_fields(value: str | None) -> tuple[str, ...] | None:
    """fields=a,b,c → ("a", "b", "c"); a blank field is a bad request (spec: invalid_selection_field)."""
    if value is None:
        return None
    fields = tuple(f.strip() for f in value.split(","))
    if not all(fields):
        raise ImsError(400, "invalid_selection_field", f"blank field in fields={value!r}")
    return fields


def select_fields(records: list[Record], fields: tuple[str, ...] | None) -> list[Record]:
    if fields is None:
        return records
    return [{k: r[k] for k in fields if k in r} for r in records]


# -- filter=field op 'value' [AND|OR field op 'value'] ----------------------------------------------

_PREDICATE = re.compile(r"^\s*(\w+)\s*(>=|<=|!=|=|>|<|~)\s*'([^']*)'\s*$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "~": lambda a, b: str(b).lower() in str(a).lower(),
}
Predicate = Callable[[Record, datetime], bool]


def parse_filter(text: str) -> Predicate:
    """OneRoster filters: one or two comparisons joined by AND or OR."""
    for joiner, combine in ((" AND ", all), (" OR ", any)):
        if joiner in text:
            parts = [_predicate(p) for p in text.split(joiner)]
            return lambda r, m: combine(p(r, m) for p in parts)
    return _predicate(text)


def _predicate(text: str) -> Predicate:
    match = _PREDICATE.match(text)
    if match is None:
        raise ImsError(400, "invalid_filter_field", f"cannot parse filter {text!r}")
    field, op, raw = match.groups()
    compare = _OPS[op]
    if field == "dateLastModified":
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ImsError(400, "invalid_filter_field", f"not an ISO 8601 datetime: {raw!r}") from None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return lambda r, m: compare(m, value)
    return lambda r, m: field in r and isinstance(r[field], str) and compare(r[field], raw)
