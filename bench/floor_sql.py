"""The GraphQL floor's queries: the same rows the hub serves, fetched by hand-written SQL on a raw
sqlite3 connection, serialised either by orjson or by SQLite itself (json_object/json_group_array).

Each function returns the response body, shaped like the GraphQL response it stands for (same
keys; cursors are bare hub ids; the GraphQL queries ask for `hubId` so the two carry the
same values). No access policy: the floor is the data alone."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

STUDENT_COLUMNS = {
    "hubId": "id",
    "givenName": "given_name",
    "familyName": "family_name",
    "middleName": "middle_name",
    "preferredName": "preferred_name",
    "username": "username",
    "email": "email",
    "identifier": "identifier",
    "enabled": "enabled",
    "dateOfBirth": "date_of_birth",
    "gender": "gender",
}
ENROLLMENT_COLUMNS = {
    "hubId": "id",
    "sourceRecordId": "source_record_id",
    "role": "role",
    "primary": '"primary"',
    "beginDate": "begin_date",
    "endDate": "end_date",
}
_BOOLEANS = {"enabled", "primary"}
_ENROLLMENT_ROLES = {"student": "STUDENT", "teacher": "TEACHER", "aide": "AIDE"}


def school_ids(conn: sqlite3.Connection, first: int, after: str | None) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM organisations WHERE kind = 'school' AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?",
        (after or "", first),
    )
    return [r[0] for r in rows]


def schools_orjson(conn: sqlite3.Connection) -> bytes:
    return orjson.dumps(
        {"data": {"schools": {"edges": [{"cursor": s} for s in school_ids(conn, 1000, None)]}}}
    )


# --- orjson ---------------------------------------------------------------------------------------


def _page(
    conn: sqlite3.Connection, sql: str, params: tuple[Any, ...], columns: dict[str, str], first: int
) -> dict[str, Any]:
    rows = conn.execute(sql, params).fetchall()
    keys = list(columns)
    nodes = [_node(keys, row) for row in rows[:first]]
    return {
        "edges": [{"node": n} for n in nodes],
        "pageInfo": {"hasNextPage": len(rows) > first, "endCursor": nodes[-1]["hubId"] if nodes else None},
    }


def _node(keys: list[str], row: tuple[Any, ...]) -> dict[str, Any]:
    node = dict(zip(keys, row, strict=True))
    for key in _BOOLEANS.intersection(node):
        node[key] = None if node[key] is None else bool(node[key])
    if "role" in node and node["role"] in _ENROLLMENT_ROLES:
        node["role"] = _ENROLLMENT_ROLES[node["role"]]
    return node


def students_sql(columns: dict[str, str]) -> str:
    selected = ", ".join(columns.values())
    return (
        f"SELECT {selected} FROM people WHERE school_id = ? AND role = 'student' AND deleted_at IS NULL "  # noqa: S608
        "AND id > ? ORDER BY id LIMIT ?"
    )


def enrollments_sql(columns: dict[str, str]) -> str:
    selected = ", ".join(columns.values())
    return (
        f"SELECT {selected} FROM enrollments WHERE school_id = ? AND deleted_at IS NULL "  # noqa: S608
        "AND id > ? ORDER BY id LIMIT ?"
    )


def students_orjson(
    conn: sqlite3.Connection, schools: int, first: int, school_after: str | None = None
) -> bytes:
    edges = [
        {
            "node": {
                "students": _page(
                    conn, students_sql(STUDENT_COLUMNS), (s, "", first + 1), STUDENT_COLUMNS, first
                )
            }
        }
        for s in school_ids(conn, schools, school_after)
    ]
    return orjson.dumps({"data": {"schools": {"edges": edges}}})


def enrollments_orjson(
    conn: sqlite3.Connection, school_after: str | None, after: str | None, first: int
) -> bytes:
    edges = [
        {
            "cursor": s,
            "node": {
                "enrollments": _page(
                    conn,
                    enrollments_sql(ENROLLMENT_COLUMNS),
                    (s, after or "", first + 1),
                    ENROLLMENT_COLUMNS,
                    first,
                )
            },
        }
        for s in school_ids(conn, 1, school_after)
    ]
    return orjson.dumps({"data": {"schools": {"edges": edges}}})


def nested_orjson(conn: sqlite3.Connection, classes: int) -> bytes:
    """One school's classes → their enrollments → each enrollment's person: three statements."""
    school = school_ids(conn, 1, None)
    out: list[dict[str, Any]] = []
    if school:
        class_rows = conn.execute(
            "SELECT id, title, code FROM classes WHERE school_id = ? AND deleted_at IS NULL ORDER BY id LIMIT ?",
            (school[0], classes),
        ).fetchall()
        ids = [r[0] for r in class_rows]
        marks = ",".join("?" * len(ids))
        enrollments = conn.execute(
            f"SELECT id, class_id, role, person_id FROM enrollments WHERE deleted_at IS NULL AND class_id IN ({marks}) ORDER BY id",  # noqa: S608
            ids,
        ).fetchall()
        person_ids = sorted({r[3] for r in enrollments})
        marks = ",".join("?" * len(person_ids))
        people = {
            r[0]: {"hubId": r[0], "givenName": r[1], "familyName": r[2], "role": r[3].upper()}
            for r in conn.execute(
                f"SELECT id, given_name, family_name, role FROM people WHERE deleted_at IS NULL AND id IN ({marks})",  # noqa: S608
                person_ids,
            )
        }
        by_class: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        for eid, class_id, role, person_id in enrollments:
            by_class[class_id].append(
                {"hubId": eid, "role": _ENROLLMENT_ROLES.get(role, role), "person": people.get(person_id)}
            )
        out = [
            {"node": {"hubId": cid, "title": title, "code": code, "enrollments": by_class[cid]}}
            for cid, title, code in class_rows
        ]
    return orjson.dumps({"data": {"schools": {"edges": [{"node": {"classes": {"edges": out}}}]}}})


# --- JSON built by SQLite -------------------------------------------------------------------------


def _json_page_sql(inner: str, columns: dict[str, str]) -> str:
    def value(key: str, column: str) -> str:
        name = column.strip('"')
        if key in _BOOLEANS:
            return f"json(CASE {column} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)"
        if key == "role" and name == "role":
            return "upper(role)"
        return column

    fields = ", ".join(f"'{k}', {value(k, c)}" for k, c in columns.items())
    return (
        f"WITH page AS (SELECT *, row_number() OVER (ORDER BY id) AS rn FROM ({inner})) "  # noqa: S608
        f"SELECT json_object('edges', json(coalesce(json_group_array(json_object('node', json_object({fields}))) "
        "FILTER (WHERE rn <= :first), '[]')), 'pageInfo', json_object("
        "'hasNextPage', json(CASE WHEN count(*) > :first THEN 'true' ELSE 'false' END), "
        "'endCursor', max(id) FILTER (WHERE rn <= :first))) FROM page"
    )


def _inner(sql: str) -> str:
    return (
        sql.replace("school_id = ?", "school_id = :school")
        .replace("id > ?", "id > :after")
        .replace("LIMIT ?", "LIMIT :first + 1")
    )


_STUDENTS_JSON = _json_page_sql(_inner(students_sql(STUDENT_COLUMNS)), STUDENT_COLUMNS)
_ENROLLMENTS_JSON = _json_page_sql(_inner(enrollments_sql(ENROLLMENT_COLUMNS)), ENROLLMENT_COLUMNS)


def students_sqljson(
    conn: sqlite3.Connection, schools: int, first: int, school_after: str | None = None
) -> bytes:
    pages = [
        conn.execute(_STUDENTS_JSON, {"school": s, "after": "", "first": first}).fetchone()[0]
        for s in school_ids(conn, schools, school_after)
    ]
    edges = ",".join('{"node":{"students":' + p + "}}" for p in pages)
    return ('{"data":{"schools":{"edges":[' + edges + "]}}}").encode()


def enrollments_sqljson(
    conn: sqlite3.Connection, school_after: str | None, after: str | None, first: int
) -> bytes:
    edges = [
        '{"cursor":"'
        + s
        + '","node":{"enrollments":'
        + conn.execute(_ENROLLMENTS_JSON, {"school": s, "after": after or "", "first": first}).fetchone()[0]
        + "}}"
        for s in school_ids(conn, 1, school_after)
    ]
    return ('{"data":{"schools":{"edges":[' + ",".join(edges) + "]}}}").encode()
