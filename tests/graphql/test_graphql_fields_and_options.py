"""Field masks from Grant.fields and grant options, on every read path, and `viewer`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from hub.access import AppRecord, grant, register_app
from hub.graphql.execute import Operation, run
from hub.store.columns import utcnow
from tests.factories import District, make_district, make_record
from tests.graphql.helpers import gid, hub_id


def _app(engine: Engine, district: District, schools: list[str], **kwargs: Any) -> AppRecord:
    with engine.begin() as conn:
        app, _ = register_app(conn, f"app-{len(schools)}-{sorted(kwargs)}-{id(kwargs)}")
        grant(
            conn,
            app.id,
            district.source_id,
            schools,
            kwargs.pop("data_types", None) or ["students", "staff", "contacts", "classes", "enrollments"],
            **kwargs,
        )
    return app


def _run(engine: Engine, app: AppRecord, query: str, **variables: Any) -> dict[str, Any]:
    return run(engine, app, Operation(query, variables))


@pytest.fixture
def district(engine: Engine) -> District:
    with engine.begin() as conn:
        return make_district(conn)


PEOPLE = """{ schools { edges { node { hubId students { edges { node { hubId givenName email } } } } } } }"""


def test_a_field_not_granted_at_a_school_is_null_there_and_listed_once(
    engine: Engine, district: District
) -> None:
    north, south = district.schools
    app = _app(engine, district, [north.id])
    with engine.begin() as conn:
        grant(conn, app.id, district.source_id, [south.id], ["students"], fields={"students": ["given_name"]})

    body = _run(engine, app, PEOPLE)

    assert "errors" not in body
    by_school = {s["node"]["hubId"]: s["node"]["students"]["edges"] for s in body["data"]["schools"]["edges"]}
    assert all(e["node"]["email"] and e["node"]["givenName"] for e in by_school[north.id])
    assert all(e["node"]["email"] is None and e["node"]["givenName"] for e in by_school[south.id])
    assert body["extensions"]["withheld"] == [
        {"type": "Person", "field": "email", "dataType": "students", "schools": [gid("School", south.id)]}
    ]


def test_withheld_lists_only_fields_the_query_asked_for(engine: Engine, district: District) -> None:
    north = district.schools[0]
    app = _app(engine, district, [north.id], fields={"students": ["given_name"]})
    body = _run(engine, app, "{ schools { edges { node { students { edges { node { givenName } } } } } } }")
    assert "extensions" not in body


def test_masks_hold_on_nested_edges_node_and_the_change_feed(engine: Engine, district: District) -> None:
    north = district.schools[0]
    app = _app(
        engine,
        district,
        [north.id],
        fields={"students": ["given_name"], "enrollments": ["role", "person_id", "class_id"]},
    )
    pupil = north.students[0]

    nested = _run(
        engine,
        app,
        """{ schools { edges { node { classes { edges { node {
        enrollments { role beginDate person { email givenName } } } } } } } } }""",
    )
    enrollments = nested["data"]["schools"]["edges"][0]["node"]["classes"]["edges"][0]["node"]["enrollments"]
    assert all(e["beginDate"] is None for e in enrollments)
    students = [e["person"] for e in enrollments if e["role"] == "STUDENT"]
    assert students
    assert all(p["email"] is None and p["givenName"] for p in students)
    teachers = [e["person"] for e in enrollments if e["role"] == "TEACHER"]
    assert teachers
    assert all(p["email"] for p in teachers)
    withheld = {(w["type"], w["field"]) for w in nested["extensions"]["withheld"]}
    assert withheld == {("Person", "email"), ("Enrollment", "beginDate")}

    node = _run(
        engine,
        app,
        "query ($id: ID!) { node(id: $id) { ... on Person { email givenName } } }",
        id=gid("Person", pupil),
    )
    assert node["data"]["node"]["email"] is None
    assert node["data"]["node"]["givenName"]
    assert node["extensions"]["withheld"][0]["field"] == "email"

    feed = _run(engine, app, "{ changes(types: [STUDENTS]) { edges { node { ... on Person { email } } } } }")
    assert feed["data"]["changes"]["edges"]
    assert all(e["node"]["email"] is None for e in feed["data"]["changes"]["edges"])


def test_a_withheld_reference_hides_the_edge_too(engine: Engine, district: District) -> None:
    north = district.schools[0]
    app = _app(engine, district, [north.id], fields={"enrollments": ["role"]})
    body = _run(
        engine,
        app,
        """{ schools { edges { node { students { edges { node { enrollments { id } } } }
        enrollments { edges { node { person { id } } } } } } } }""",
    )
    school = body["data"]["schools"]["edges"][0]["node"]
    # person_id is withheld: enrollments are not linked to their people either way.
    assert all(e["node"]["enrollments"] == [] for e in school["students"]["edges"])
    assert all(e["node"]["person"] is None for e in school["enrollments"]["edges"])


ENROLLMENTS = "{ schools { edges { node { enrollments { edges { node { hubId role primary } } } } } } }"


def _enrollments(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in body["data"]["schools"]["edges"][0]["node"]["enrollments"]["edges"]]


def test_primary_enrollments_only_keeps_students_and_primary_staff(
    engine: Engine, district: District
) -> None:
    north = district.schools[0]
    with engine.begin() as conn:
        aide = make_record(
            conn,
            "enrollment",
            source_id=district.source_id,
            school_id=north.id,
            person_id=north.staff[0],
            class_id=north.classes[0],
            role="aide",
            primary=False,
        )
    plain = _app(engine, district, [north.id])
    strict = _app(engine, district, [north.id], options={"primary_enrollments_only": True})

    assert aide in {e["hubId"] for e in _enrollments(_run(engine, plain, ENROLLMENTS))}
    kept = _enrollments(_run(engine, strict, ENROLLMENTS))
    assert aide not in {e["hubId"] for e in kept}
    assert {e["role"] for e in kept} == {"STUDENT", "TEACHER"}
    assert all(e["primary"] for e in kept if e["role"] != "STUDENT")


def test_future_enrollments_hidden_unless_the_option_is_set(engine: Engine, district: District) -> None:
    north = district.schools[0]
    with engine.begin() as conn:
        future = make_record(
            conn,
            "enrollment",
            source_id=district.source_id,
            school_id=north.id,
            person_id=north.students[0],
            class_id=north.classes[0],
            role="student",
            begin_date=utcnow().date() + timedelta(days=3),
        )
        today = make_record(
            conn,
            "enrollment",
            source_id=district.source_id,
            school_id=north.id,
            person_id=north.students[1],
            class_id=north.classes[0],
            role="student",
            begin_date=utcnow().date(),
        )
    default = {
        e["hubId"] for e in _enrollments(_run(engine, _app(engine, district, [north.id]), ENROLLMENTS))
    }
    active = _app(engine, district, [north.id], options={"future_enrollments_active": True})
    assert today in default
    assert future not in default
    assert future in {e["hubId"] for e in _enrollments(_run(engine, active, ENROLLMENTS))}


COURSES = """query ($id: ID!) { school(id: $id) { courses { edges { node { hubId districtLevel } } }
    sessions { edges { node { hubId } } } classes { edges { node { course { hubId } } } } } }"""


def test_district_level_records_follow_ignore_all_schools_records(engine: Engine, district: District) -> None:
    north = district.schools[0]
    with engine.begin() as conn:
        course = make_record(
            conn, "course", source_id=district.source_id, school_id=None, title="District Art"
        )
        year = make_record(
            conn,
            "academic_session",
            source_id=district.source_id,
            school_id=None,
            kind="school_year",
            title="2025-26",
            start_date=date(2025, 9, 1),
        )
        make_record(
            conn,
            "class",
            source_id=district.source_id,
            school_id=north.id,
            title="Art",
            course_id=course,
            session_ids=[year],
        )
        other = make_district(conn, source_name="other")
        stranger = make_record(conn, "course", source_id=other.source_id, school_id=None, title="Not yours")

    shown = _run(engine, _app(engine, district, [north.id]), COURSES, id=north.id)["data"]["school"]
    courses = {c["node"]["hubId"]: c["node"]["districtLevel"] for c in shown["courses"]["edges"]}
    assert courses[course] is True
    assert stranger not in courses
    assert year in {s["node"]["hubId"] for s in shown["sessions"]["edges"]}
    assert {"hubId": course} in [c["node"]["course"] for c in shown["classes"]["edges"]]

    ignoring = _app(engine, district, [north.id], options={"ignore_all_schools_records": True})
    hidden = _run(engine, ignoring, COURSES, id=north.id)["data"]["school"]
    assert course not in {c["node"]["hubId"] for c in hidden["courses"]["edges"]}
    assert year not in {s["node"]["hubId"] for s in hidden["sessions"]["edges"]}
    assert None in [c["node"]["course"] for c in hidden["classes"]["edges"]]


def test_viewer_shows_fields_and_options_per_school(engine: Engine, district: District) -> None:
    north = district.schools[0]
    app = _app(
        engine,
        district,
        [north.id],
        data_types=["students", "classes"],
        fields={"students": ["given_name", "family_name"]},
        options={
            "primary_enrollments_only": True,
            "max_requests_per_minute": 60,
            "custom_fields": ["bus_route"],
            "marking_periods_always_active": True,
        },
    )
    body = _run(
        engine,
        app,
        """{ viewer { requestsPerMinute grants { schoolId schoolHubId dataTypes
        fields { dataType fields allFields } options { primaryEnrollmentsOnly futureEnrollmentsActive
        endlessTeacherEnrollments useGradePostingEndDate markingPeriodsAlwaysActive
        ignoreAllSchoolsRecords customFields maxRequestsPerMinute logFullPayloads } } } }""",
    )
    viewer = body["data"]["viewer"]
    assert viewer["requestsPerMinute"] == 60
    [g] = viewer["grants"]
    assert hub_id(g["schoolId"]) == g["schoolHubId"] == north.id
    assert g["fields"][0] == {
        "dataType": "STUDENTS",
        "fields": ["given_name", "family_name"],
        "allFields": False,
    }
    assert g["fields"][1]["dataType"] == "CLASSES"
    assert g["fields"][1]["allFields"] is True
    assert g["options"] == {
        "primaryEnrollmentsOnly": True,
        "futureEnrollmentsActive": False,
        "endlessTeacherEnrollments": False,
        "useGradePostingEndDate": False,
        "markingPeriodsAlwaysActive": True,
        "ignoreAllSchoolsRecords": False,
        "customFields": ["bus_route"],
        "maxRequestsPerMinute": 60,
        "logFullPayloads": False,
    }
