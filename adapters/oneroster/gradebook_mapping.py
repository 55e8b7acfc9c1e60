"""OneRoster gradebook records (1.1 and 1.2) → canonical assignments and results. Pure functions.

A lineItem becomes an `assignment`, a result an `assignment_result`. Neither says everything the
canonical row needs: a lineItem names its category by reference (the canonical row keeps the
category's title), and only 1.2 lineItems name their school. So the streams hand each page the
lookups it needs (`GradebookPage`): categories by sourcedId, each class's school, and (for 1.1
results, which name no class) each lineItem's class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.oneroster import vocab
from adapters.oneroster.mapping import (
    FieldError,
    Record,
    _bool,
    _date,
    _datetime,
    _required,
    _text,
    guid_ref,
)
from adapters.sdk import Page


@dataclass(frozen=True)
class GradebookPage(Page):
    """A page of lineItems or results with the lookups that resolve their category and school."""

    categories: Mapping[str, Record] = field(default_factory=dict)  # live categories by sourcedId
    class_schools: Mapping[str, str] = field(default_factory=dict)  # class sourcedId → school sourcedId
    line_item_classes: Mapping[str, str] = field(default_factory=dict)  # lineItem → class sourcedId


def line_item_row(r: Record, page: GradebookPage) -> Record:
    class_id = _required(guid_ref(r.get("class"), "class"), "class")
    category, category_modified = _category(r, page)
    return {
        "school_id": guid_ref(r.get("school"), "school") or _school_of(class_id, page, "class"),
        "class_id": class_id,
        "title": _text(r.get("title")),
        "category": category,
        "assigned_date": _date(r.get("assignDate"), "assignDate"),
        "due_date": _date(r.get("dueDate"), "dueDate"),
        "max_score": _float(r.get("resultValueMax"), "resultValueMax"),
        "source_updated_at": category_modified,  # to_canonical keeps the later of this and the record's
    }


def result_row(r: Record, page: GradebookPage) -> Record:
    line_item = _required(guid_ref(r.get("lineItem"), "lineItem"), "lineItem")
    class_id = guid_ref(r.get("class"), "class") or page.line_item_classes.get(line_item)  # 1.2 names it
    if class_id is None:
        raise FieldError(
            "lineItem", f"lineItem {line_item!r} is not among /lineItems, so its class is unknown"
        )
    return {
        "school_id": _school_of(class_id, page, "class" if r.get("class") else "lineItem"),
        "assignment_id": line_item,
        "student_id": _required(guid_ref(r.get("student"), "student"), "student"),
        "score": _float(r.get("score"), "score"),
        "status": _status(r),
        "letter": _text(r.get("textScore")),  # 1.2 only
        "comment": _text(r.get("comment")),
    }


def _category(r: Record, page: GradebookPage) -> tuple[str | None, Any]:
    ref = guid_ref(r.get("category"), "category")
    if ref is None:
        return None, None
    category = page.categories.get(ref)
    if category is None:
        raise FieldError("category", f"category {ref!r} is not among /categories")
    return _text(category.get("title")), _datetime(
        category.get("dateLastModified"), "category.dateLastModified"
    )


def _school_of(class_id: str, page: GradebookPage, field: str) -> str:
    school = page.class_schools.get(class_id)
    if school is None:
        raise FieldError(field, f"class {class_id!r} is not among /classes, so the school is unknown")
    return school


def _status(r: Record) -> str | None:
    # 1.2's flags say more than scoreStatus can: a late result is still "fully graded".
    if _bool(r.get("missing"), "missing", default=False):
        return "missing"
    raw = r.get("scoreStatus")
    if raw is None or raw == "":
        return None
    status = vocab.SCORE_STATUSES.get(str(raw).strip().lower())
    if status is None:
        expected = ", ".join(vocab.SCORE_STATUSES)
        raise FieldError("scoreStatus", f"unknown scoreStatus {raw!r}; expected one of {expected}")
    if status == "graded" and _bool(r.get("late"), "late", default=False):
        return "late"
    return status


def _float(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FieldError(field, f"expected a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FieldError(field, f"expected a number, got {value!r}") from None
