"""One test per quirk of real Focus payloads, on small hand-written pages (not copies of captures)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from adapters.focus.adapter import FocusAdapter, FocusConfig
from adapters.focus.mapping import (
    attendance_mark_rows,
    attendance_summary_rows,
    behaviour_rows,
    grade_rows,
    map_records,
    relationship_rows,
    student_row,
    timetable_rows,
)
from adapters.focus.simulator import create_app
from adapters.sdk import AuthError, Page
from hub.canonical import ENTITIES_BY_NAME
from hub.synthetic import generate_district

MPS = {"currentMarkingPeriod": {"id": 462, "name": "Sem1GradeBook", "selected": True, "year": 2026}}


def _mark(period: str, status: str = "PRESENT", **extra: Any) -> dict[str, Any]:
    return {"period": period, "status": status, "lastUpdated": "2026-10-01T08:23:51.000-04:00", **extra}


def test_ids_may_be_numbers_or_strings() -> None:
    page = Page(
        [{"id": 2121, "firstName": "Ana", "schoolId": 7}, {"id": "2122", "schoolId": "7"}], "students"
    )
    frame = map_records(ENTITIES_BY_NAME["person"], page, student_row).frame
    assert frame["source_record_id"].to_list() == ["2121", "2122"]
    assert frame["school_id"].to_list() == ["7", "7"]
    grades = grade_rows("1", "7", {"_page": "quarter_grades", "grades": [{"id": 205253.0, "mpId": 462}]})
    assert (grades[0]["source_record_id"], grades[0]["session_id"]) == ("205253", "462")


def test_referrals_are_an_empty_list_or_an_object_keyed_by_id() -> None:
    assert behaviour_rows("1", "7", {"referrals": []}) == []
    keyed = {"referrals": {"3168": {"entry_date": "2026-10-13", "violation": "Eating in classroom"}}}
    rows = behaviour_rows("1", "7", keyed)
    assert rows[0]["source_record_id"] == "3168"
    assert rows[0]["violation"] == "Eating in classroom"
    listed = behaviour_rows(
        "1", "7", {"referrals": [{"id": 3122, "entryDate": "2026-11-05T00:00:00.000-05:00"}]}
    )
    assert (listed[0]["source_record_id"], listed[0]["date"]) == ("3122", date(2026, 11, 5))


@pytest.mark.parametrize("wrapper", ["grades", "final_grades", "finalGrades"])
def test_grade_wrappers_are_named_grades_or_after_the_page(wrapper: str) -> None:
    rows = grade_rows("1", "7", {"_page": "final_grades", wrapper: [{"id": "9", "letter_grade": "A-"}]})
    assert [(r["kind"], r["letter"]) for r in rows] == [("final", "A-")]


def test_minus_one_means_no_grade_not_zero() -> None:
    rows = grade_rows(
        "1", "7", {"_page": "quarter_grades", "grades": [{"id": "9", "percentGrade": -1, "gpaPoints": "-1"}]}
    )
    assert rows[0]["percent"] is None
    assert rows[0]["gpa_points"] is None
    zero = grade_rows("1", "7", {"_page": "quarter_grades", "grades": [{"id": "9", "percentGrade": 0}]})
    assert zero[0]["percent"] == 0.0  # a real zero stays a zero


def test_staff_names_given_as_last_first_are_turned_round() -> None:
    page = {"days": [{"date": "2026-10-01", "periods": [_mark("HR", lastUpdatedBy="Belley, Douglass")]}]}
    assert attendance_mark_rows("1", "7", page)[0]["recorded_by"] == "Douglass Belley"
    referral = behaviour_rows("1", "7", {"referrals": [{"id": 1, "teacher": "De la Cruz, Ana"}]})
    assert referral[0]["staff_name"] == "Ana De la Cruz"
    plain = behaviour_rows("1", "7", {"referrals": [{"id": 1, "teacher": "Teacher 4"}]})
    assert plain[0]["staff_name"] == "Teacher 4"


def test_html_fragments_in_names_are_stripped_and_unescaped() -> None:
    page = Page([{"id": 1, "firstName": "<b>Zo&euml;</b>", "lastName": "O&#39;Brien &amp; Sons"}], "students")
    row = map_records(ENTITIES_BY_NAME["person"], page, student_row).frame.row(0, named=True)
    assert (row["given_name"], row["family_name"]) == ("Zoë", "O'Brien & Sons")
    page_marks = {
        "days": [{"date": "2026-10-01", "periods": [_mark("P4", lastUpdatedBy="<span>Smith, Jo</span>")]}]
    }
    assert attendance_mark_rows("1", "7", page_marks)[0]["recorded_by"] == "Jo Smith"


def test_dates_come_with_or_without_offsets() -> None:
    page = {
        "days": [
            # A day stamped just after midnight local time is still that local day, not UTC's.
            {"date": "2026-10-11T00:05:40.010-04:00", "periods": [_mark("AM")]},
            {"date": "2026-10-12", "periods": [_mark("AM", lastUpdated="2026-10-12T12:00:00")]},
        ]
    }
    rows = attendance_mark_rows("1", "7", page)
    assert [r["date"] for r in rows] == [date(2026, 10, 11), date(2026, 10, 12)]
    assert rows[0]["recorded_at"] == datetime(2026, 10, 1, 12, 23, 51, tzinfo=UTC)  # offset applied
    assert rows[1]["recorded_at"] == datetime(2026, 10, 12, 12, 0, tzinfo=UTC)  # no offset: UTC


def test_period_keys_hr_p5_advisory_and_am_pm() -> None:
    periods = [_mark("HR", "LATE"), _mark("P5", "MISC"), _mark("advisory", "ABSENT"), _mark("AM"), _mark("PM"),
               {"period": 2, "status": "unset"}]  # fmt: skip
    rows = attendance_mark_rows("1", "7", {"days": [{"date": "2026-10-01", "periods": periods}]})
    assert [(r["session"], r["period"], r["status"]) for r in rows] == [
        ("period", "HR", "late"),
        ("period", "P5", "misc"),
        ("period", "advisory", "absent"),
        ("am", None, "present"),
        ("pm", None, "present"),
    ]  # "unset" is no mark at all
    assert rows[0]["source_code"] == "LATE"  # no separate code: the status word is the source's code
    # snake_case: days keyed by date, periods keyed by period
    snake = {
        "absences": {
            "2017-02-22": {"date": "2017-02-22", "periods": {"1": {"period": 1, "status": "absent"}}}
        }
    }
    assert attendance_mark_rows("1", "7", snake)[0]["source_record_id"] == "1:2017-02-22:1"


def test_marking_periods_ride_along_in_either_dialect() -> None:
    camel = {**MPS, "days": [], "daysPossible": 72.0, "periodsLate": 5}
    assert attendance_summary_rows("1", "7", camel)[0]["session_id"] == "462"
    snake = {"mps": {"462": {"name": "Sem1", "selected": True}}, "days_possible": 72.0, "periods_late": 5}
    row = attendance_summary_rows("1", "7", snake)[0]
    assert (row["session_id"], row["days_possible"], row["periods_late"]) == ("462", 72.0, 5)
    assert attendance_summary_rows("1", "7", {**MPS, "days": []}) == []  # no totals on the page


def test_schedule_days_and_contacts_without_ids() -> None:
    rows = timetable_rows("1", "7", {"courses": [{"id": 11736, "days": "MWH", "period": "1", "room": "114"}]})
    assert [r["day"] for r in rows] == ["mon", "wed", "thu"]
    assert timetable_rows("1", "7", {"courses": [{"days": "MTWHF", "name": "Study Hall"}]}) == []
    contacts = relationship_rows("1", "7", {"contacts": [{"name": "Chris Ross", "relationship": "Father"}]})
    assert (contacts[0]["contact_id"], contacts[0]["relationship"]) == ("1:contact1", "father")


def test_wrong_credentials_raise_a_clear_auth_error() -> None:
    app = create_app(generate_district(students=5, seed=1), client_id="id", client_secret="secret")
    config = FocusConfig(base_url="http://focus.test", client_id="id", client_secret="wrong")  # type: ignore[arg-type]
    adapter = FocusAdapter(config, transport=httpx.ASGITransport(app=app))

    async def read_schools() -> None:
        async for _ in adapter.streams()[0].read(None):
            pass

    with pytest.raises(AuthError, match=r"Focus refused the client credentials .*401.*Client ID and Secret"):
        asyncio.run(read_schools())
    result = asyncio.run(adapter.check())
    assert not result.ok
    assert "refused the client credentials" in result.message
