"""Readers for Arbor JSON values: tolerant of what feeds send, loud (FieldError) about the rest."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from adapters.arbor.dialect import parse_datetime

Record = dict[str, Any]


class FieldError(ValueError):
    """A field that cannot be mapped; becomes a Reject naming the Arbor field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value)
    return s if s.strip() else None


def required(value: Any, field: str) -> Any:
    if value is None:
        raise FieldError(field, f"missing {field}")
    return value


def ref_id(record: Record, field: str) -> str | None:
    """The id of the reference in `field` ({"entityType", "id", "href", "displayName"})."""
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, dict) and value.get("id") not in (None, ""):
        return str(value["id"])
    raise FieldError(field, f"not a reference with an id: {value!r}")


def ref_name(record: Record, field: str) -> str | None:
    """The displayName of the reference in `field`: Arbor's label for a lookup value (a type)."""
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, dict):
        return text(value.get("displayName"))
    raise FieldError(field, f"not a reference: {value!r}")


def to_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise FieldError(field, f"not a date (Y-m-d): {value!r}")


def to_datetime(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            pass
    raise FieldError(field, f"not a datetime (Y-m-d H:i:s): {value!r}")


def to_bool(value: Any, field: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    raise FieldError(field, f"expected true or false, got {value!r}")


def to_int(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise FieldError(field, f"expected a whole number, got {value!r}")
