"""Compiled path vs resolvers: median of 20 runs of two roster queries (not a test; numbers for
docs/adr/0006-graphql-compiler.md).

    uv run python -m tests.graphql.measure_compiled            # SQLite
    SATCHEL_TEST_POSTGRES_URL=... uv run python -m tests.graphql.measure_compiled postgres
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date

from sqlalchemy import Engine, create_engine, text

from hub.access import AccessPolicy, grant, register_app
from hub.access.apps import get_app
from hub.graphql.execute import Operation, execute
from hub.store import make_engine
from hub.store.migrate import upgrade
from tests.factories import make_org, make_person, make_record, make_source
from tests.graphql.helpers import gid

RUNS = 20
STUDENTS, CLASSES, PER_CLASS = 1000, 40, 25

STUDENT_PAGE = """query ($school: ID!) { school(id: $school) { students(first: 1000) { edges { node {
  id hubId givenName familyName preferredName email username identifier grades dateOfBirth } } } } }"""
NESTED = """query ($school: ID!) { school(id: $school) { classes(first: 1000) { edges { node {
  id title enrollments { role primary person { id givenName familyName email } } } } } } }"""


def _engine(kind: str) -> Engine:
    if kind == "postgres":
        url = os.environ["SATCHEL_TEST_POSTGRES_URL"]
        schema = f"m_{uuid.uuid4().hex[:10]}"
        with create_engine(url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    else:
        engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/measure.db")
    upgrade(engine)
    return engine


def _dataset(engine: Engine) -> tuple[str, str]:
    with engine.begin() as conn:
        source = make_source(conn)
        district = make_org(conn, source_id=source, kind="district", name="D")
        school = make_org(conn, source_id=source, kind="school", name="S", parent_id=district)
        students = [
            make_person(conn, source_id=source, school_id=school, role="student", given_name=f"P{i}")
            for i in range(STUDENTS)
        ]
        for c in range(CLASSES):
            klass = make_record(
                conn, "class", source_id=source, school_id=school, title=f"C{c}", kind="scheduled"
            )
            for n in range(PER_CLASS):
                make_record(
                    conn, "enrollment", source_id=source, school_id=school, class_id=klass,
                    person_id=students[(c * PER_CLASS + n) % STUDENTS], role="student", primary=False,
                    begin_date=date(2020, 9, 1),
                )  # fmt: skip
        app, _ = register_app(conn, "Measure")
        # A field withheld, so masks are in play as in real grants.
        fields = {"students": ["given_name", "family_name", "preferred_name", "username", "grades", "email"]}
        grant(conn, app.id, source, [school], ["students", "classes", "enrollments"], {}, fields)
    return app.id, school


def _median_ms(engine: Engine, app_id: str, query: str, school: str, *, compiled: bool) -> float:
    times = []
    for _ in range(RUNS):
        with engine.connect() as conn:
            app = get_app(conn, app_id)
            assert app is not None
            started = time.perf_counter()
            policy = AccessPolicy.load(conn, app_id)
            outcome = execute(conn, app, policy, Operation(query, {"school": school}), compiled=compiled)
            times.append((time.perf_counter() - started) * 1000)
        assert "errors" not in outcome.payload, outcome.payload
    return statistics.median(times)


def main(kind: str) -> None:
    engine = _engine(kind)
    app_id, school = _dataset(engine)
    school_gid = gid("School", school)
    for name, query in (
        ("1,000 students x 10 fields", STUDENT_PAGE),
        ("classes > enrollments > person", NESTED),
    ):
        reference = _median_ms(engine, app_id, query, school_gid, compiled=False)
        fast = _median_ms(engine, app_id, query, school_gid, compiled=True)
        print(
            f"{kind:8} {name:32} resolvers {reference:7.1f} ms  compiled {fast:7.1f} ms  x{reference / fast:.1f}"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
