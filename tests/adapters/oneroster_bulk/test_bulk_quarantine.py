"""Invalid rows are quarantined with their file, their row as a person counts it, and why."""

from __future__ import annotations

from datetime import date

from oneroster_bulk_support import FIXTURES, column, read_set

from adapters.sdk import Reject


def test_quarantined_rows_name_file_row_and_reason() -> None:
    read = read_set(FIXTURES / "quarantine")

    assert read.rejects == {
        "organisation": [Reject("org-x", "type", "unknown org type 'planet'", "orgs.csv:row 3")],
        "academic_session": [
            # D/M/YYYY is never guessed: 31 is no month.
            Reject("t1", "startDate", "unparseable date '31/12/2023'", "academicSessions.csv:row 3")
        ],
        "person": [
            Reject(None, "sourcedId", "missing sourcedId", "users.csv:row 3"),
            Reject("u3", "role", "unknown role 'wizard'", "users.csv:row 4"),
            Reject("u4", "enabledUser", "unknown boolean 'maybe'", "users.csv:row 5"),
            Reject("u1", "sourcedId", "duplicate sourcedId (first at row 2)", "users.csv:row 6"),
            Reject("u6", "status", "unknown status 'archived'", "users.csv:row 7"),
            Reject("u7", "dateLastModified", "unparseable dateLastModified 'yesterday'", "users.csv:row 8"),
            Reject("u8", "birthDate", "unparseable date '2010-02-30'", "demographics.csv:row 2"),
        ],
        # The demographics entity carries no birth date, so u8's record there is not at fault.
        "demographics": [],
        "enrollment": [
            Reject("e2", "beginDate", "unparseable date '2023-13-01'", "enrollments.csv:row 3"),
            Reject("e3", "userSourcedId", "missing userSourcedId", "enrollments.csv:row 4"),
            Reject("e4", "primary", "unknown boolean 'yes please'", "enrollments.csv:row 5"),
        ],
    }


def test_good_rows_survive_beside_quarantined_ones() -> None:
    read = read_set(FIXTURES / "quarantine")

    assert column(read, "organisation", "source_record_id") == ["org-s"]
    assert column(read, "academic_session", "source_record_id") == ["y1"]
    assert column(read, "person", "source_record_id") == ["u1"]
    assert column(read, "person", "date_of_birth") == [date(2010, 2, 14)]
    assert column(read, "person", "gender") == ["female"]
    assert column(read, "enrollment", "source_record_id") == ["e1"]


def test_rows_are_counted_within_the_file_across_pages() -> None:
    read = read_set(FIXTURES / "quarantine", page_size=2)

    assert [r.location for r in read.rejects["person"]] == [
        "users.csv:row 3",
        "users.csv:row 4",
        "users.csv:row 5",
        "users.csv:row 6",
        "users.csv:row 7",
        "users.csv:row 8",
        "demographics.csv:row 2",
    ]


def test_unknown_role_in_roles_csv_points_at_roles_csv() -> None:
    read = read_set(FIXTURES / "v12_roles")

    assert read.rejects["person"] == [Reject("u3", "role", "unknown role 'wizard'", "roles.csv:row 5")]
