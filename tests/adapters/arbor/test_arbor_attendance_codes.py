"""Each UK register code maps to its canonical status, and the code itself is kept."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.arbor.mapping import ArborPage, attendance_record_row, to_canonical
from adapters.arbor.marks import UK_CODES
from hub.canonical import ATTENDANCE_MARK
from hub.canonical.attendance import ATTENDANCE_STATUSES

# The fixture: written out by hand (not derived from UK_CODES) so a slip in the table shows here.
EXPECTED = {
    "/": "present", "\\": "present", "L": "late", "U": "tardy", "N": "absent",
    "B": "offsite", "P": "offsite", "V": "offsite", "W": "offsite", "J": "offsite", "K": "offsite",
    "C": "excused", "C1": "excused", "C2": "excused", "E": "excused", "H": "excused", "I": "excused",
    "M": "excused", "Q": "excused", "R": "excused", "S": "excused", "T": "excused",
    "O": "unexcused", "G": "unexcused",
    "D": "misc", "X": "misc", "Y": "misc", "Z": "misc", "#": "misc",
}  # fmt: skip


def page(code: str, *, morning: bool = True) -> ArborPage:
    record = {
        "id": "r1",
        "lastModifiedDatetime": "2026-09-01 09:01:02.345",
        "student": {"entityType": "Student", "id": "s1"},
        "attendanceMark": {"entityType": "AttendanceMark", "id": "m1"},
        "event": {"entityType": "Session", "id": "e1"},
        "startDatetime": "2026-09-01 08:45:00",
        "minutesLate": 12 if code == "L" else None,
        "recordNote": None,
    }
    lookups: dict[str, dict[str, dict[str, Any]]] = {
        "attendance-marks": {"m1": {"id": "m1", "code": code}},
        "sessions": {
            "e1": {
                "id": "e1",
                "attendanceRegisterType": {"entityType": "AttendanceRegisterType", "id": "t"},
                "registrationForm": {"entityType": "RegistrationForm", "id": "form-7A"},
            }
        },
        "attendance-register-types": {"t": {"id": "t", "isMorning": morning, "isAfternoon": not morning}},
    }
    return ArborPage([record], "test", school_id="school", lookups=lookups)


def test_the_fixture_covers_every_code_the_adapter_knows() -> None:
    assert set(EXPECTED) == set(UK_CODES)
    assert set(EXPECTED.values()) <= set(ATTENDANCE_STATUSES)


@pytest.mark.parametrize(("code", "status"), sorted(EXPECTED.items()))
def test_code_maps_to_status_and_is_kept(code: str, status: str) -> None:
    mapped = to_canonical(ATTENDANCE_MARK, page(code), attendance_record_row)
    assert mapped.rejects == []
    row = mapped.frame.row(0, named=True)
    assert (row["status"], row["source_code"]) == (status, code)
    assert (row["session"], row["class_id"], row["school_id"]) == ("am", "form-7A", "school")
    assert row["minutes_late"] == (12 if code == "L" else None)


def test_an_afternoon_register_gives_a_pm_mark() -> None:
    row = to_canonical(ATTENDANCE_MARK, page("\\", morning=False), attendance_record_row).frame.row(
        0, named=True
    )
    assert (row["session"], row["status"]) == ("pm", "present")


def test_an_unknown_code_is_rejected_naming_the_field() -> None:
    mapped = to_canonical(ATTENDANCE_MARK, page("?"), attendance_record_row)
    assert mapped.frame.height == 0
    assert [(r.source_record_id, r.field) for r in mapped.rejects] == [("r1", "attendanceMark")]
    assert "unknown attendance code '?'" in mapped.rejects[0].reason
