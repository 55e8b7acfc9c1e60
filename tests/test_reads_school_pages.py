"""reads.pages_by_school: a page per school in one statement, equal to one `page` per school
(and reads.json_pages_by_school: the same pages as JSON edges).

Up to reads.MOST_ARMS schools the statement is a UNION ALL of one keyset page per school; above
it (or past reads.MOST_PARAMETERS) the rows are ranked per school. Both must return what
`page` returns at each school alone: the same rows, in the same order, the same has-next flag,
and a withheld field as NULL in every school's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pytest
from sqlalchemy import ColumnElement, Engine

from hub.access import AccessPolicy, grant
from hub.store import CANONICAL_TABLES, reads
from hub.store.json_nodes import JsonField, JsonNode
from tests.factories import make_app, make_district, make_person, make_school
from tests.graphql.test_graphql_statement_counts import _counting

PEOPLE = CANONICAL_TABLES["person"]
STUDENT = (("role", "student"),)
COLUMNS = frozenset({"id", "school_id", "given_name", "family_name"})
NODE = JsonNode(
    (
        JsonField("hubId", "plain", "id"),
        JsonField("givenName", "plain", "given_name"),
        JsonField("familyName", "plain", "family_name"),
    )
)


@dataclass
class Setup:
    engine: Engine
    schools: list[str]  # with 5, 5, 2 and no students
    students: list[str]  # every student, in id order
    app_id: str
    masked_app_id: str  # granted the students' given names only
    ungranted: str  # a school with students that neither app was granted


@pytest.fixture
def setup(engine: Engine) -> Setup:
    with engine.begin() as conn:
        district = make_district(conn, source_name="pages", students=5)
        west = make_school(
            conn, source_id=district.source_id, district_id=district.district_id, name="West", students=2
        )
        empty = make_school(
            conn, source_id=district.source_id, district_id=district.district_id, name="East", students=0
        )
        with_rows = [*district.schools, west]
        north = district.schools[0].id
        make_person(
            conn,
            source_id=district.source_id,
            school_id=north,
            role="student",
            given_name="Gone",
            deleted=True,
        )
        ungranted = make_school(
            conn, source_id=district.source_id, district_id=district.district_id, name="Away", students=2
        )
        school_ids = [s.id for s in [*with_rows, empty]]
        app, _ = make_app(conn, name="pages", source_id=district.source_id, school_ids=school_ids)
        masked, _ = make_app(conn, name="pages-masked")
        grant(
            conn,
            masked.id,
            district.source_id,
            school_ids,
            ["students"],
            fields={"students": ["given_name"]},
        )
    # Not in id order (pages_by_school sorts them to bind): 5, 5 and 2 students, then none.
    schools = [s.id for s in with_rows] + [empty.id]
    students = sorted(pid for s in with_rows for pid in s.students)
    return Setup(engine, schools, students, app.id, masked.id, ungranted.id)


def _visible(engine: Engine, app_id: str) -> reads.RowFilter:
    with engine.connect() as conn:
        return AccessPolicy.load(conn, app_id).row_filter(PEOPLE, "students")


def _compare(
    s: Setup,
    visible: reads.RowFilter,
    schools: list[str],
    *,
    first: int,
    after_id: str | None = None,
    where: tuple[ColumnElement[bool], ...] = (),
    node: JsonNode | None = NODE,
) -> tuple[dict[str, tuple[list[reads.Record], bool]], list[str]]:
    """pages_by_school's pages (asserted equal to one `page` per school) and its statements."""
    with s.engine.connect() as conn:
        with _counting(s.engine) as statements:
            pages = reads.pages_by_school(
                conn,
                PEOPLE,
                visible,
                schools,
                first=first,
                after_id=after_id,
                where=where,
                key=STUDENT,
                columns=COLUMNS,
                node=node,
            )
        expected = {
            school: reads.page(
                conn,
                PEOPLE,
                visible,
                first=first,
                after_id=after_id,
                where=[PEOPLE.c.school_id == school, *where],
                columns=COLUMNS,
                node=node,
            )
            for school in schools
        }
        if node is not None:
            rendered = reads.json_pages_by_school(
                conn, PEOPLE, visible, schools, node, first=first, after_id=after_id, where=where, key=STUDENT
            )
    assert pages == expected
    assert list(pages) == schools
    if node is not None:
        _assert_rendered_alike(rendered, expected)
    return pages, statements


def _assert_rendered_alike(
    rendered: dict[str, reads.JsonPage], expected: dict[str, tuple[list[reads.Record], bool]]
) -> None:
    """json_pages_by_school: the same pages as JSON edges, with their cursor, flag and audit."""
    assert list(rendered) == list(expected)
    for school, (rows, more) in expected.items():
        page = rendered[school]
        assert orjson.loads(page.edges) == [{"node": orjson.loads(row["_node"])} for row in rows]
        assert (page.end_id, page.more, page.rows) == (rows[-1]["id"] if rows else None, more, len(rows))
        assert {role for _, role in page.kinds} == ({"student"} if rows else set())


@pytest.mark.parametrize("first", [1, 2, 5, 10])
@pytest.mark.parametrize("cursor", [None, 0, 4, -1])
@pytest.mark.parametrize("ranked", [False, True])
def test_pages_equal_a_page_per_school(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, first: int, cursor: int | None, ranked: bool
) -> None:
    """Sizes below and above a school's rows, no cursor and cursors at the first, a middle and
    the last student, a school without students; as arms, and ranked above the cap."""
    if ranked:
        monkeypatch.setattr(reads, "MOST_ARMS", len(setup.schools) - 1)
    visible = _visible(setup.engine, setup.app_id)
    after_id = None if cursor is None else setup.students[cursor]
    pages, statements = _compare(setup, visible, setup.schools, first=first, after_id=after_id)
    assert len(statements) == 1
    assert ("row_number()" in statements[0]) is ranked
    assert ("UNION ALL" in statements[0]) is not ranked
    assert pages[setup.schools[-1]] == ([], False)
    if cursor is None:
        assert [len(rows) for rows, _ in pages.values()] == [min(first, n) for n in (5, 5, 2, 0)]
        assert [more for _, more in pages.values()] == [first < n for n in (5, 5, 2, 0)]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_fewer_schools_than_the_cap(setup: Setup, count: int) -> None:
    """One school is one keyset page; more, one arm each (the statement cached per count)."""
    visible = _visible(setup.engine, setup.app_id)
    _, statements = _compare(setup, visible, setup.schools[:count], first=3, after_id=setup.students[2])
    assert ("UNION ALL" in statements[0]) is (count > 1)
    assert "row_number()" not in statements[0]
    shaped = {"after": True, "arms": count}
    assert reads._school_page(visible, STUDENT, COLUMNS, NODE, **shaped) is reads._school_page(
        visible, STUDENT, COLUMNS, NODE, **shaped
    )


def test_too_many_parameters_fall_back_to_ranking(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every arm repeats the policy's parameters: past the budget the ranked statement reads."""
    visible = _visible(setup.engine, setup.app_id)
    per_arm = reads._arm_parameters(visible, COLUMNS, NODE)
    assert reads._arms(visible, COLUMNS, NODE, 3) == 3
    assert reads._arms(visible, COLUMNS, NODE, reads.MOST_ARMS + 1) is None
    monkeypatch.setattr(reads, "MOST_PARAMETERS", 3 * per_arm - 1)
    assert reads._arms(visible, COLUMNS, NODE, 2) == 2
    assert reads._arms(visible, COLUMNS, NODE, 3) is None
    _, statements = _compare(setup, visible, setup.schools, first=2)
    assert "row_number()" in statements[0]


@pytest.mark.parametrize("ranked", [False, True])
def test_the_policy_filters_every_school(setup: Setup, monkeypatch: pytest.MonkeyPatch, ranked: bool) -> None:
    """An ungranted school's students and a deleted student stay out, whichever the statement."""
    if ranked:
        monkeypatch.setattr(reads, "MOST_ARMS", 1)
    visible = _visible(setup.engine, setup.app_id)
    pages, statements = _compare(setup, visible, [*setup.schools, setup.ungranted], first=10)
    assert ("row_number()" in statements[0]) is ranked
    assert pages[setup.ungranted] == ([], False)
    assert [len(rows) for rows, _ in pages.values()] == [5, 5, 2, 0, 0]


@pytest.mark.parametrize("ranked", [False, True])
def test_a_withheld_field_is_null_in_every_school(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, ranked: bool
) -> None:
    if ranked:
        monkeypatch.setattr(reads, "MOST_ARMS", 1)
    visible = _visible(setup.engine, setup.masked_app_id)
    pages, _ = _compare(setup, visible, setup.schools, first=10)
    rows = [row for school_rows, _ in pages.values() for row in school_rows]
    assert len(rows) == 12
    assert all(row["given_name"] and row["family_name"] is None for row in rows)
    assert all('"familyName":null' in row["_node"].replace(" ", "") for row in rows)


@pytest.mark.parametrize("ranked", [False, True])
def test_extra_clauses(setup: Setup, monkeypatch: pytest.MonkeyPatch, ranked: bool) -> None:
    """Clauses on what the app sees (the uncached path) cut every school's page alike."""
    if ranked:
        monkeypatch.setattr(reads, "MOST_ARMS", 1)
    visible = _visible(setup.engine, setup.app_id)
    pupils = (visible.column("given_name").like("%Pupil1") | visible.column("given_name").like("%Pupil3"),)
    pages, statements = _compare(setup, visible, setup.schools, first=1, where=pupils, node=None)
    assert ("row_number()" in statements[0]) is ranked
    one, statements = _compare(setup, visible, setup.schools[:1], first=1, where=pupils, node=None)
    assert one == {setup.schools[0]: pages[setup.schools[0]]}
    assert "UNION ALL" not in statements[0]
    assert [(len(rows), more) for rows, more in pages.values()] == [
        (1, True),
        (1, True),
        (1, False),
        (0, False),
    ]


@pytest.mark.parametrize("ranked", [False, True])
def test_pages_do_not_rely_on_the_order_rows_arrive_in(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, ranked: bool
) -> None:
    """The arms' UNION ALL has no outer ORDER BY (a compound's row order is undefined in SQL):
    rows that arrive in reverse still give each school's page in id order, with its cursor."""
    if ranked:
        monkeypatch.setattr(reads, "MOST_ARMS", len(setup.schools) - 1)
    visible = _visible(setup.engine, setup.app_id)
    expected, _ = _compare(setup, visible, setup.schools, first=3)
    fetched = reads._fetched
    monkeypatch.setattr(reads, "_fetched", lambda result: list(reversed(fetched(result))))
    with setup.engine.connect() as conn:
        pages = reads.pages_by_school(
            conn, PEOPLE, visible, setup.schools, first=3, key=STUDENT, columns=COLUMNS, node=NODE
        )
        rendered = reads.json_pages_by_school(
            conn, PEOPLE, visible, setup.schools, NODE, first=3, key=STUDENT
        )
    assert pages == expected
    _assert_rendered_alike(rendered, expected)


@pytest.mark.parametrize("count", [1, 3])
def test_json_pages_without_roles_differ_only_in_their_kinds(setup: Setup, count: int) -> None:
    """`roles` False (a caller whose audit names the data type itself): the same pages, the
    kinds' roles None; one school or several (one school's page fetches no school column)."""
    visible = _visible(setup.engine, setup.app_id)
    schools = setup.schools[:count]
    with setup.engine.connect() as conn:
        found = {
            roles: reads.json_pages_by_school(
                conn, PEOPLE, visible, schools, NODE, first=3, key=STUDENT, roles=roles
            )
            for roles in (True, False)
        }
    assert list(found[False]) == schools
    for school in schools:
        with_roles, without = found[True][school], found[False][school]
        assert (without.edges, without.end_id, without.more, without.rows) == (
            with_roles.edges,
            with_roles.end_id,
            with_roles.more,
            with_roles.rows,
        )
        assert without.kinds == {(source, None) for source, _ in with_roles.kinds}
        assert with_roles.rows > 0
        assert {role for _, role in with_roles.kinds} == {"student"}
