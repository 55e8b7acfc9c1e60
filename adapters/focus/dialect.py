"""Reading Focus values, whichever of its two payload dialects a server speaks.

Focus answers in camelCase (what current servers send) or snake_case (what the older API and its
scrapers produce), and its values are loose: ids as numbers or strings, lists that are objects
keyed by id (or `[]` when empty), `-1` for "no grade", staff as "Last, First", names carrying
HTML fragments, dates with or without a UTC offset. Everything here is pure and tolerant of
those, and raises `FieldError` (naming the field) for what it cannot read.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

Record = dict[str, Any]


class FieldError(ValueError):
    """A Focus field that cannot be mapped; becomes a Reject naming the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@lru_cache(maxsize=512)
def snake(name: str) -> str:
    """camelCase → snake_case ("lastUpdatedBy" → "last_updated_by")."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def get(record: Record, name: str) -> Any:
    """A field by its camelCase name, or its snake_case twin."""
    if name in record:
        return record[name]
    return record.get(snake(name))


def first(record: Record, *names: str) -> Any:
    """The first of several alternative field names that is present (e.g. "grades" / "finalGrades")."""
    for name in names:
        value = get(record, name)
        if value is not None:
            return value
    return None


def items(value: Any, field: str) -> list[Record]:
    """A Focus collection as a list of records.

    Focus sends collections as lists, as objects keyed by id ({"3168": {...}}), or as `[]` when
    empty (PHP's empty array), so an object's key stands in for a record's missing id.
    """
    if value is None or value == []:
        return []
    if isinstance(value, list):
        records = value
    elif isinstance(value, dict):
        records = [
            {"id": key, **v} if isinstance(v, dict) and "id" not in v else v for key, v in value.items()
        ]
    else:
        raise FieldError(field, f"expected a list or an object, got {type(value).__name__}")
    bad = [r for r in records if not isinstance(r, dict)]
    if bad:
        raise FieldError(field, f"expected objects, got {bad[0]!r}")
    return records


def ident(value: Any, field: str) -> str | None:
    """An id, sent as a number or a string → its string form."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"not an id: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise FieldError(field, f"not an id: {value!r}")


_TAG = re.compile(r"<[^>]*>")


def text(value: Any) -> str | None:
    """Display text: HTML tags stripped, entities unescaped, whitespace trimmed; blank → None."""
    if value is None:
        return None
    cleaned = html.unescape(_TAG.sub("", str(value))).strip()
    return re.sub(r"\s+", " ", cleaned) or None


def person_name(value: Any) -> str | None:
    """Staff names as people read them: "Belley, Douglass" → "Douglass Belley"."""
    name = text(value)
    if name and name.count(",") == 1:
        family, given = (part.strip() for part in name.split(","))
        if family and given:
            return f"{given} {family}"
    return name


def local_date(value: Any, field: str) -> date | None:
    """The calendar date a Focus date names, in the school's own zone.

    "2018-10-11T04:05:40.010-04:00" is 11 October at the school; converting to UTC first could
    move it to another day, so the date part is read as written.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise FieldError(field, f"not a date: {value!r}")


def instant(value: Any, field: str) -> datetime | None:
    """A timestamp → UTC. With an offset it is exact; without one, Focus means UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise FieldError(field, f"not a timestamp: {value!r}")


def number(value: Any, field: str) -> float | None:
    """A grade or count. Focus writes -1 for "no grade": that is null, never a score of -1 or 0."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"not a number: {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise FieldError(field, f"not a number: {value!r}") from None
    return None if result == -1 else result


def integer(value: Any, field: str) -> int | None:
    result = number(value, field)
    return None if result is None else int(result)


_TRUE = frozenset({"true", "1", "y", "yes", "t"})
_FALSE = frozenset({"false", "0", "n", "no", "f"})


def boolean(value: Any, field: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldError(field, f"expected true or false, got {value!r}")


def grade_level(value: Any) -> list[str]:
    """Focus grade levels (12, "09", "K", "KG", 0) → canonical two-character levels."""
    if value is None or value == "":
        return []
    label = str(value).strip().upper()
    if label in ("K", "KG", "0", "00"):
        return ["KG"]
    return [f"{int(label):02d}"] if label.isdigit() else [label]


def current_marking_period(payload: Record) -> str | None:
    """The marking period a page describes: `currentMarkingPeriod.id`, `mp_id`, or the selected one."""
    current = first(payload, "currentMarkingPeriod")
    if isinstance(current, dict):
        return ident(current.get("id"), "currentMarkingPeriod.id")
    mp_id = ident(get(payload, "mpId"), "mp_id")
    if mp_id is not None:
        return mp_id
    for mp in items(first(payload, "markingPeriods", "mps"), "markingPeriods"):
        if mp.get("selected"):
            return ident(mp.get("id"), "markingPeriods.id")
    return None
