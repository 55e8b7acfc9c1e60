"""OneRoster 1.1 JSON → canonical: the quirks real feeds have, and what becomes a Reject."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest

from adapters.oneroster.mapping import ROW_MAPPERS, DemographicsPage, demographics_row, to_canonical, user_row
from adapters.sdk import MappedPage, Page
from hub.canonical import DEMOGRAPHICS, ENTITIES_BY_NAME


def _map(entity: str, *records: dict[str, Any]) -> MappedPage:
    page = Page(records=list(records), location="https://sis.example.org/ims/oneroster/v1p1/x?offset=0")
    mapped = to_canonical(ENTITIES_BY_NAME[entity], page, ROW_MAPPERS[entity])
    assert dict(mapped.frame.schema) == ENTITIES_BY_NAME[entity].polars_schema()
    return mapped


def _user(**overrides: Any) -> dict[str, Any]:
    user: dict[str, Any] = {
        "sourcedId": "u1",
        "status": "active",
        "dateLastModified": "2026-07-01T10:20:30.456Z",
        "username": "jnunez",
        "enabledUser": "true",
        "givenName": "José",
        "familyName": "Núñez",
        "role": "student",
        "orgs": [{"href": "orgs/s1", "sourcedId": "s1", "type": "org"}, {"sourcedId": "s2"}],
        "agents": [{"href": "users/p1", "sourcedId": "p1", "type": "user"}],
        "grades": ["05"],
    }
    user.update(overrides)
    return user


def test_a_user_maps_to_a_person() -> None:
    row = _map("person", _user()).frame.row(0, named=True)
    assert row["source_record_id"] == "u1"
    assert row["source_updated_at"] == datetime(2026, 7, 1, 10, 20, 30, 456000, tzinfo=UTC)
    assert row["school_id"] == "s1"  # the first org
    assert (row["role"], row["role_detail"]) == ("student", "student")
    assert (row["given_name"], row["family_name"], row["enabled"]) == ("José", "Núñez", True)
    assert row["agent_ids"] == ["p1"]
    assert row["grades"] == ["05"]
    assert row["date_of_birth"] is None
    assert row["middle_name"] is None


@pytest.mark.parametrize(
    ("sent", "enabled"),
    [(1, True), (0, False), ("true", True), ("false", False), (True, True), ("FALSE", False)],
)
def test_enabled_user_in_every_spelling_real_feeds_use(sent: object, enabled: bool) -> None:
    assert _map("person", _user(enabledUser=sent)).frame["enabled"].to_list() == [enabled]


def test_roles_map_to_canonical_roles_keeping_the_original() -> None:
    mapped = _map(
        "person",
        _user(sourcedId="a", role="teacher"),
        _user(sourcedId="b", role="guardian"),
        _user(sourcedId="c", role="Aide"),
    )
    assert mapped.frame.select("role", "role_detail").rows() == [
        ("staff", "teacher"),
        ("contact", "guardian"),
        ("staff", "Aide"),
    ]


def test_tobedeleted_records_go_to_deleted_ids_not_the_frame() -> None:
    mapped = _map("person", _user(sourcedId="gone", status="tobedeleted", role=None), _user())
    assert mapped.deleted_ids == ["gone"]
    assert mapped.frame["source_record_id"].to_list() == ["u1"]
    assert mapped.rejects == []


def test_a_record_without_sourced_id_is_rejected_with_the_reason() -> None:
    record = _user()
    del record["sourcedId"]
    mapped = _map("person", record, _user(sourcedId=""))
    assert mapped.frame.height == 0
    assert [(r.source_record_id, r.field, r.reason) for r in mapped.rejects] == [
        (None, "sourcedId", "missing sourcedId"),
        (None, "sourcedId", "missing sourcedId"),
    ]
    assert mapped.rejects[0].location.endswith("offset=0")


@pytest.mark.parametrize(
    ("overrides", "field", "reason_part"),
    [
        ({"role": "wizard"}, "role", "unknown role 'wizard'"),
        ({"dateLastModified": "last Tuesday"}, "dateLastModified", "not an ISO 8601 datetime"),
        ({"dateLastModified": None}, "dateLastModified", "missing dateLastModified"),
        ({"enabledUser": "maybe"}, "enabledUser", "expected true or false"),
        ({"orgs": [{"href": "orgs/x"}]}, "orgs", "reference without a sourcedId"),
        ({"status": "archived"}, "status", "unknown status"),
    ],
)
def test_unreadable_fields_become_rejects_naming_the_field(
    overrides: dict[str, Any], field: str, reason_part: str
) -> None:
    mapped = _map("person", _user(**overrides), _user(sourcedId="good"))
    assert mapped.frame["source_record_id"].to_list() == ["good"]
    [reject] = mapped.rejects
    assert (reject.source_record_id, reject.field) == ("u1", field)
    assert reason_part in reject.reason


def test_enrollments_as_a_real_feed_sends_them() -> None:
    # Bare {"sourcedId"} references, integer primary, no dates on student rows.
    mapped = _map(
        "enrollment",
        {"sourcedId": "01", "status": "active", "dateLastModified": "2012-04-23T18:25:43.511Z",
         "user": {"sourcedId": "001"}, "class": {"sourcedId": "01"}, "school": {"sourcedId": "017"},
         "role": "student"},
        {"sourcedId": "02", "status": "active", "dateLastModified": "2012-04-23T18:25:43.511Z",
         "user": {"sourcedId": "003"}, "class": {"sourcedId": "01"}, "school": {"sourcedId": "017"},
         "role": "teacher", "primary": 1, "beginDate": "2012-07-01", "endDate": "2013-07-01"},
        {"sourcedId": "03", "status": "active", "dateLastModified": "2012-04-23T18:25:43.511Z",
         "class": {"sourcedId": "01"}, "role": "student"},
    )  # fmt: skip
    assert mapped.frame.select(
        "person_id", "class_id", "school_id", "role", "primary", "begin_date"
    ).rows() == [
        ("001", "01", "017", "student", False, None),
        ("003", "01", "017", "teacher", True, date(2012, 7, 1)),
    ]
    assert [(r.source_record_id, r.field) for r in mapped.rejects] == [("03", "user")]


def test_orgs_sessions_courses_and_classes() -> None:
    orgs = _map(
        "organisation",
        {"sourcedId": "d", "dateLastModified": "2026-01-01T00:00:00Z", "name": "USD", "type": "district"},
        {"sourcedId": "s", "dateLastModified": "2026-01-01T00:00:00Z", "name": "High", "type": "school",
         "identifier": "123", "parent": {"sourcedId": "d"}},
    ).frame  # fmt: skip
    assert orgs.select("school_id", "kind", "parent_id").rows() == [
        (None, "district", None),
        ("s", "school", "d"),
    ]
    sessions = _map(
        "academic_session",
        {"sourcedId": "y", "dateLastModified": "2026-01-01T00:00:00Z", "title": "2026-27", "type": "schoolYear",
         "startDate": "2026-08-24", "endDate": "2027-06-11", "schoolYear": "2027"},
    ).frame  # fmt: skip
    assert sessions.select("kind", "school_year", "end_date").rows() == [
        ("school_year", 2027, date(2027, 6, 11))
    ]
    classes = _map(
        "class",
        {"sourcedId": "c", "dateLastModified": "2026-01-01T00:00:00Z", "title": "S3 Maths", "classType": "scheduled",
         "course": {"sourcedId": "k"}, "school": {"sourcedId": "s"}, "terms": [{"sourcedId": "t1"}, {"sourcedId": "t2"}],
         "periods": "1,2", "location": "Room 9"},
    ).frame  # fmt: skip
    assert classes.select("school_id", "course_id", "session_ids", "periods", "room", "grades").rows() == [
        ("s", "k", ["t1", "t2"], ["1", "2"], "Room 9", [])
    ]


def test_an_empty_page_gives_an_empty_frame_with_the_schema() -> None:
    mapped = _map("class")
    assert mapped.frame.height == 0
    assert mapped.frame.schema["session_ids"] == pl.List(pl.String)


# -- OneRoster 1.2 users and demographics ------------------------------------------------------------


def _user12(**overrides: Any) -> dict[str, Any]:
    user = _user(**overrides)
    user.pop("role", None)
    user.pop("orgs", None)
    user.setdefault("roles", [
        {"roleType": "secondary", "role": "teacher", "org": {"sourcedId": "s2"}},
        {"roleType": "primary", "role": "districtAdministrator", "org": {"sourcedId": "s1"}},
    ])  # fmt: skip
    return user


def test_a_1_2_user_takes_its_primary_role_and_preferred_name() -> None:
    row = _map("person", _user12(preferredFirstName="Pepe", preferredLastName="N")).frame.row(0, named=True)
    assert (row["role"], row["role_detail"]) == ("staff", "districtAdministrator")
    assert row["school_id"] == "s1"  # the primary role's org
    assert row["preferred_name"] == "Pepe"


def test_a_1_2_primary_org_wins_over_the_role_org() -> None:
    row = _map("person", _user12(primaryOrg={"sourcedId": "s9"})).frame.row(0, named=True)
    assert row["school_id"] == "s9"


@pytest.mark.parametrize(
    ("roles", "field"),
    [([], "roles"), ("teacher", "roles"), ([{"roleType": "primary", "role": "wizard"}], "roles.role")],
)
def test_unreadable_1_2_roles_are_rejected(roles: Any, field: str) -> None:
    [reject] = _map("person", _user12(roles=roles)).rejects
    assert reject.field == field


def test_demographics_join_onto_their_user_and_a_later_change_moves_the_stamp() -> None:
    demographics = {"sourcedId": "u1", "status": "active", "dateLastModified": "2026-08-01T00:00:00Z",
                    "birthDate": "2014-03-09", "sex": "Female"}  # fmt: skip
    page = Page(records=[_user()], location="x")
    mapped = to_canonical(
        ENTITIES_BY_NAME["person"],
        page,
        lambda r: user_row(r, demographics),
    )
    row = mapped.frame.row(0, named=True)
    assert (row["date_of_birth"], row["gender"]) == (date(2014, 3, 9), "female")
    assert row["source_updated_at"] == datetime(2026, 8, 1, tzinfo=UTC)
    bad = to_canonical(
        ENTITIES_BY_NAME["person"], page,
        lambda r: user_row(r, {**demographics, "birthDate": "9 March"}),
    )  # fmt: skip
    assert [(r.field, r.source_record_id) for r in bad.rejects] == [("demographics.birthDate", "u1")]


def test_demographics_records_map_their_flags_sex_and_country_and_take_their_users_school() -> None:
    stamp = "2026-09-01T00:00:00Z"
    records = [
        {"sourcedId": "u1", "dateLastModified": stamp, "sex": "female", "white": "true",
         "hispanicOrLatinoEthnicity": "true", "countryOfBirthCode": "MX"},
        {"sourcedId": "u2", "dateLastModified": stamp, "sex": "unspecified", "asian": True, "white": True},
        {"sourcedId": "u3", "dateLastModified": stamp, "sex": "Other", "blackOrAfricanAmerican": "false"},
        {"sourcedId": "u4", "dateLastModified": stamp, "sex": "robot"},
        {"sourcedId": "u5", "dateLastModified": stamp, "asian": "sometimes"},
        {"sourcedId": "ghost", "dateLastModified": stamp},
    ]  # fmt: skip
    page = DemographicsPage(records, "test://demographics", schools={f"u{n}": "s1" for n in range(1, 6)})
    mapped = to_canonical(DEMOGRAPHICS, page, lambda r: demographics_row(r, page.schools))
    assert mapped.frame.select("person_id", "school_id", "sex", "ethnicity", "country_of_birth").rows() == [
        ("u1", "s1", "female", "Hispanic or Latino", "MX"),
        ("u2", "s1", "unknown", "Two or more races", None),
        ("u3", "s1", "other", None, None),
    ]
    assert [(r.source_record_id, r.field) for r in mapped.rejects] == [
        ("u4", "sex"),
        ("u5", "asian"),
        ("ghost", "sourcedId"),
    ]
    assert mapped.rejects[2].reason == "no user 'ghost' was read with it, so its school is unknown"
