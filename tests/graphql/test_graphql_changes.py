"""The change feed: replaying `changes` reproduces exactly what a full read returns, through
random inserts, updates, tombstones, revocations and re-grants with other data types and fields."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from hub.access import AppRecord, grant, register_app, revoke
from hub.graphql.execute import Operation, run
from hub.store import CANONICAL_TABLES
from hub.store.canonical_writes import allocate_versions
from hub.store.columns import utcnow
from tests.factories import District, make_district, make_record

FIELDS = """
  ... on Person { hubId givenName email }
  ... on Class { hubId title }
  ... on Course { hubId title }
  ... on AcademicSession { hubId title }
  ... on Enrollment { hubId role }
"""
CHANGES = (
    "query ($after: String, $first: Int) { changes(after: $after, first: $first) { "
    "edges { cursor type hubId operation changeVersion node { " + FIELDS + " } } "
    "pageInfo { hasNextPage endCursor } } }"
)
FULL_READ = (
    "{ schools { edges { node { "
    + " ".join(
        f"{name}(first: 1000) {{ edges {{ node {{ ... on Node {{ {FIELDS} }} }} }} }}"
        for name in ("students", "staff", "contacts", "classes", "courses", "sessions", "enrollments")
    )
    + " } } } }"
)


def full_read(engine: Engine, app: AppRecord) -> dict[str, dict[str, Any]]:
    body = run(engine, app, Operation(FULL_READ))
    found: dict[str, dict[str, Any]] = {}
    for school in body["data"]["schools"]["edges"]:
        for connection in school["node"].values():
            for edge in (connection or {"edges": []})["edges"]:
                found[edge["node"]["hubId"]] = edge["node"]
    return found


class Replica:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.cursor: str | None = None

    def sync(self, engine: Engine, app: AppRecord, page: int) -> None:
        while True:
            body = run(engine, app, Operation(CHANGES, {"after": self.cursor, "first": page}))
            assert "errors" not in body, body["errors"]
            changes = body["data"]["changes"]
            for edge in changes["edges"]:
                if edge["operation"] == "UPSERT":
                    self.rows[edge["hubId"]] = edge["node"]
                else:
                    self.rows.pop(edge["hubId"], None)
            self.cursor = changes["pageInfo"]["endCursor"]
            if not changes["pageInfo"]["hasNextPage"]:
                return


class Edits:
    def __init__(self, engine: Engine, district: District, rng: random.Random) -> None:
        self.engine, self.district, self.rng = engine, district, rng
        with engine.begin() as conn:
            top = max(
                conn.execute(select(func.max(t.c.change_version))).scalar_one() or 0
                for t in CANONICAL_TABLES.values()
            )
            allocate_versions(conn, top)  # later edits get versions above every existing row

    def _ids(self, entity: str) -> list[str]:
        table = CANONICAL_TABLES[entity]
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(table.c.id).where(table.c.deleted_at.is_(None))).scalars())

    def insert(self) -> None:
        school = self.rng.choice(self.district.schools)
        role = self.rng.choice(["student", "staff", "contact"])
        with self.engine.begin() as conn:
            version = allocate_versions(conn, 1)
            person = make_record(
                conn,
                "person",
                source_id=self.district.source_id,
                school_id=school.id,
                role=role,
                given_name=f"New{version}",
                email=f"n{version}@x.org",
                change_version=version,
            )
            if role == "student":
                make_record(
                    conn,
                    "enrollment",
                    source_id=self.district.source_id,
                    school_id=school.id,
                    person_id=person,
                    class_id=school.classes[0],
                    role="student",
                    change_version=allocate_versions(conn, 1),
                )

    def update(self, entity: str) -> None:
        table = CANONICAL_TABLES[entity]
        ids = self._ids(entity)
        if not ids:
            return
        column = {"person": "given_name", "class": "title", "course": "title", "enrollment": "role"}[entity]
        with self.engine.begin() as conn:
            version = allocate_versions(conn, 1)
            value = "aide" if entity == "enrollment" else f"Edited{version}"
            conn.execute(
                update(table)
                .where(table.c.id == self.rng.choice(ids))
                .values({column: value, "change_version": version, "updated_at": utcnow()})
            )

    def tombstone(self, entity: str) -> None:
        table = CANONICAL_TABLES[entity]
        ids = self._ids(entity)
        if not ids:
            return
        with self.engine.begin() as conn:
            version = allocate_versions(conn, 1)
            conn.execute(
                update(table)
                .where(table.c.id == self.rng.choice(ids))
                .values(deleted_at=utcnow(), change_version=version, updated_at=utcnow())
            )


def _regrant(engine: Engine, app: AppRecord, district: District, rng: random.Random) -> None:
    school = rng.choice(district.schools)
    types = rng.sample(["students", "staff", "contacts", "classes", "enrollments"], rng.randint(1, 5))
    fields = {"students": ["given_name"]} if "students" in types and rng.random() < 0.5 else None
    options = {"future_enrollments_active": True} if rng.random() < 0.3 else {}
    with engine.begin() as conn:
        grant(conn, app.id, district.source_id, [school.id], types, options=options, fields=fields)


@pytest.mark.parametrize("seed", [1, 2])
def test_replaying_changes_reproduces_a_full_read(sqlite_engine: Engine, seed: int) -> None:
    engine, rng = sqlite_engine, random.Random(seed)
    with engine.begin() as conn:
        district = make_district(conn, students=4)
        app, _ = register_app(conn, "Replica")
        grant(
            conn, app.id, district.source_id, [district.schools[0].id], ["students", "classes", "enrollments"]
        )
    edits = Edits(engine, district, rng)
    replica = Replica()

    for step in range(25):
        action = rng.random()
        if action < 0.25:
            edits.insert()
        elif action < 0.5:
            edits.update(rng.choice(["person", "class", "course", "enrollment"]))
        elif action < 0.65:
            edits.tombstone(rng.choice(["person", "class", "enrollment"]))
        elif action < 0.75:
            with engine.begin() as conn:
                revoke(conn, app.id, school_ids=[rng.choice(district.schools).id])
        elif action < 0.9:
            _regrant(engine, app, district, rng)
        if step % 3 == 2 or action >= 0.9:
            replica.sync(engine, app, page=rng.choice([1, 3, 50]))
            assert replica.rows == full_read(engine, app), f"step {step}"

    replica.sync(engine, app, page=7)
    assert replica.rows == full_read(engine, app)
    fresh = Replica()
    fresh.sync(engine, app, page=1000)
    assert fresh.rows == replica.rows


def test_revocation_emits_deletes_and_a_new_grant_upserts_old_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        district = make_district(conn)
        app, _ = register_app(conn, "Replica")
        grant(conn, app.id, district.source_id, [s.id for s in district.schools], ["students"])
    north, south = district.schools
    replica = Replica()
    replica.sync(engine, app, page=100)
    assert set(replica.rows) == {*north.students, *south.students}

    with engine.begin() as conn:
        revoke(conn, app.id, school_ids=[south.id])
    body = run(engine, app, Operation(CHANGES, {"after": replica.cursor, "first": 100}))
    edges = body["data"]["changes"]["edges"]
    assert {e["hubId"] for e in edges} == set(south.students)
    assert {e["operation"] for e in edges} == {"DELETE"}
    assert all(e["node"] is None for e in edges)

    replica.sync(engine, app, page=100)
    with engine.begin() as conn:
        grant(conn, app.id, district.source_id, [north.id], ["students", "staff"])
    replica.sync(engine, app, page=100)
    assert set(replica.rows) == {*north.students, *north.staff}


def test_a_cursor_from_another_app_or_of_other_types_is_refused(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    with engine.begin() as conn:
        district = make_district(conn)
        a, _ = register_app(conn, "A")
        b, _ = register_app(conn, "B")
        grant(conn, a.id, district.source_id, [district.schools[0].id], ["students"])
        grant(conn, b.id, district.source_id, [district.schools[1].id], ["students"])
    cursor = run(engine, a, Operation(CHANGES))["data"]["changes"]["pageInfo"]["endCursor"]
    # Scopes are looked up per app: B cannot make the feed compare against A's scope.
    stolen = run(engine, b, Operation(CHANGES, {"after": cursor}))
    assert stolen["errors"][0]["extensions"]["code"] == "BAD_ARGUMENT"
    other_types = run(
        engine,
        a,
        Operation(
            "query ($a: String) { changes(after: $a, types: [STAFF]) { edges { id } } }", {"a": cursor}
        ),
    )
    assert other_types["errors"][0]["extensions"]["code"] == "BAD_ARGUMENT"
