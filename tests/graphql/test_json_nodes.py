"""Nodes rendered as JSON by the database (hub.store.json_nodes) equal the Python renderers of the
compiled path (hub.graphql.compiled.values) on SQLite and PostgreSQL, for awkward values too: text
JSON must escape, booleans stored as 0/1, dates, enum values this API doesn't know, nulls."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, insert, select

from hub.graphql.compiled.values import SCALARS, json_node
from hub.graphql.ids import NODE_TYPES, global_id
from hub.store import CANONICAL_TABLES
from hub.store.json_nodes import sqlite_global_id
from hub.store.sources import add_source

PEOPLE = CANONICAL_TABLES["person"]
ENROLLMENTS = CANONICAL_TABLES["enrollment"]
PERSON_FIELDS = [
    "__typename",
    "id",
    "hubId",
    "sourceRecordId",
    "role",
    "givenName",
    "familyName",
    "email",
    "enabled",
    "dateOfBirth",
    "gender",
]
ENROLLMENT_FIELDS = ["id", "role", "primary", "beginDate", "endDate"]
ODD_TEXT = ['Zoë "Q" O\'Brien\\', "tab\tnew\nline\u2028", "", None, "emoji 🎒 and \x01"]


def _rendered(engine: Engine, table: Any, type_name: str, fields: list[str]) -> list[tuple[Any, Any]]:
    """(JSON from the database, the Python renderers' dict) for every row of `table`."""
    node = json_node(type_name, [(f"k_{f}", f) for f in fields])
    assert node is not None
    renders = SCALARS[type_name]
    with engine.connect() as conn:
        rows = conn.execute(select(table, node.expression(lambda name: table.c[name]))).mappings().all()
    return [(orjson.loads(row["_node"]), {f"k_{f}": renders[f](dict(row)) for f in fields}) for row in rows]


def _insert(engine: Engine, table: Any, values: list[dict[str, Any]]) -> None:
    """Records of `table` with these values, and what every record carries besides."""
    with engine.begin() as conn:
        source = add_source(conn, "json", "oneroster", {"path": "/nowhere"})
        common = {"source_id": source, "updated_at": datetime(2026, 9, 1, tzinfo=UTC), "content_hash": "h"}
        conn.execute(
            insert(table),
            [
                {
                    "id": f"00000000-0000-0000-0000-{n:012d}",
                    "source_record_id": f"r'{n}",
                    "change_version": n + 1,
                }
                | common
                | v
                for n, v in enumerate(values)
            ],
        )


def test_people_render_alike(engine: Engine) -> None:
    _insert(
        engine,
        PEOPLE,
        [
            {
                "role": ["student", "staff", "contact"][n % 3],
                "given_name": ODD_TEXT[n % len(ODD_TEXT)],
                "family_name": ODD_TEXT[(n + 1) % len(ODD_TEXT)],
                "email": None,
                "enabled": [True, False, None][n % 3],
                "date_of_birth": [date(2011, 2, 3), None][n % 2],
                "gender": "x",
            }
            for n in range(10)
        ],
    )
    pairs = _rendered(engine, PEOPLE, "Person", PERSON_FIELDS)
    assert len(pairs) == 10
    for from_sql, from_python in pairs:
        # As bytes: true is not 1, and the keys come in the asked order.
        assert orjson.dumps(from_sql) == orjson.dumps(from_python)


def test_enrollments_render_alike_unknown_roles_too(engine: Engine) -> None:
    _insert(
        engine,
        ENROLLMENTS,
        [
            {
                "role": ["student", "teacher", "districtAdministrator", None][n % 4],
                "primary": [True, False, None][n % 3],
                "begin_date": date(2026, 9, 1),
                "end_date": [date(2027, 7, 1), None][n % 2],
            }
            for n in range(8)
        ],
    )
    pairs = _rendered(engine, ENROLLMENTS, "Enrollment", ENROLLMENT_FIELDS)
    assert {p[0]["k_role"] for p in pairs} == {"STUDENT", "TEACHER", "OTHER", None}
    for from_sql, from_python in pairs:
        assert orjson.dumps(from_sql) == orjson.dumps(from_python)


@pytest.mark.parametrize("type_name", NODE_TYPES)
def test_sqlites_global_id_function_is_the_apis(type_name: str) -> None:
    hub_id = "0b052b92-af1c-5cf5-bd55-075b645fe49b"
    assert sqlite_global_id(type_name, hub_id) == global_id(type_name, hub_id)


def test_lists_and_datetimes_are_left_to_python() -> None:
    assert json_node("Person", [("grades", "grades")]) is None
    assert json_node("Person", [("updatedAt", "updatedAt")]) is None
    assert json_node("Course", [("districtLevel", "districtLevel")]) is None
    assert json_node("Person", [("givenName", "givenName")]) is not None
