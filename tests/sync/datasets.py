"""Deterministic in-memory datasets for sync tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def district(students: int, variant: int) -> dict[str, list[dict[str, Any]]]:
    """Two schools and `students` students; each variant renames every student."""
    orgs = [
        {
            "source_record_id": "d1",
            "school_id": None,
            "source_updated_at": T0,
            "kind": "district",
            "name": "D",
        },
        *(
            {
                "source_record_id": s,
                "school_id": s,
                "source_updated_at": T0,
                "kind": "school",
                "name": s,
                "parent_id": "d1",
            }
            for s in ("s1", "s2")
        ),
    ]
    people = [
        {
            "source_record_id": f"p{i}",
            "school_id": "s1" if i % 2 else "s2",
            "source_updated_at": T0,
            "role": "student",
            "given_name": f"Given{i}",
            "family_name": f"Family{i}-v{variant}",
            "grades": [f"{i % 12 + 1:02d}"],
            "enabled": True,
        }
        for i in range(students)
    ]
    return {"organisation": orgs, "person": people}
