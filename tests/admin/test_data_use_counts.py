"""The "what data does this app use" CSV counts the app's reads from the API request log."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Connection, Engine

from hub.access import requests as rq
from tests.admin.conftest import World
from tests.admin.test_admin_security import login
from tests.factories import ApiClient, make_app, make_token

STUDENTS = "{ schools { edges { node { students { edges { node { givenName } } } } } } }"
CLASSES = "{ schools { edges { node { classes { edges { node { title } } } } } } }"


def _counts(client: ApiClient, headers: dict[str, str], app_id: str) -> dict[tuple[str, str], set[str]]:
    response = client.get(f"/admin/api/apps/{app_id}/data-use.csv", headers=headers)
    assert response.status_code == 200, response.text
    out: dict[tuple[str, str], set[str]] = {}
    for row in csv.DictReader(io.StringIO(response.text)):
        out.setdefault((row["school_id"], row["data_type"]), set()).add(row["access_count"])
    return out


def _grant_both_schools(conn: Connection, world: World) -> None:
    """The app's request approved for north and for south, one grant each."""
    for school in (world.north, world.south):
        req = rq.request_access(conn, world.app.id, world.district.source_id, school)
        rq.approve(conn, req.id, "district@sis.example", school_ids=[school])


def test_access_count_is_the_number_of_requests_that_read_each_school_and_data_type(
    engine: Engine, world: World, client: ApiClient
) -> None:
    with engine.begin() as conn:
        _grant_both_schools(conn, world)
        token = make_token(conn, world.app.id)
        # Another app's reads of the same schools never count for this one.
        other, _ = make_app(
            conn,
            name="Other",
            source_id=world.district.source_id,
            school_ids=[world.north],
            data_types=["students"],
        )
        other_token = make_token(conn, other.id)
    district = login(client, "district@sis.example")
    assert set().union(*_counts(client, district, world.app.id).values()) == {"0"}

    for _ in range(3):
        assert "errors" not in client.graphql(STUDENTS, token).json()
    assert "errors" not in client.graphql(CLASSES, token).json()
    assert "errors" not in client.graphql(STUDENTS, other_token).json()

    counts = _counts(client, district, world.app.id)
    for school in (world.north, world.south):
        # Every field row of a data type carries the data type's count.
        assert counts[school, "students"] == {"3"}
        assert counts[school, "classes"] == {"1"}
    # A school admin's export counts only their own school's rows.
    north = _counts(client, login(client, "north@sis.example"), world.app.id)
    assert set(north) == {(world.north, "students"), (world.north, "classes")}
    assert north[world.north, "students"] == {"3"}


def test_one_request_counts_only_the_pairs_it_returned(
    engine: Engine, world: World, client: ApiClient
) -> None:
    """Students of north and classes of south in one request: neither north's classes nor
    south's students were read, so neither counts."""
    with engine.begin() as conn:
        _grant_both_schools(conn, world)
        token = make_token(conn, world.app.id)
    query = (
        f'{{ n: school(id: "{world.north}") {{ students {{ edges {{ node {{ givenName }} }} }} }}'
        f' s: school(id: "{world.south}") {{ classes {{ edges {{ node {{ title }} }} }} }} }}'
    )
    body = client.graphql(query, token).json()
    assert "errors" not in body, body
    assert body["data"]["n"]["students"]["edges"]
    assert body["data"]["s"]["classes"]["edges"]

    counts = _counts(client, login(client, "district@sis.example"), world.app.id)
    assert counts[world.north, "students"] == {"1"}
    assert counts[world.south, "classes"] == {"1"}
    assert counts[world.north, "classes"] == {"0"}
    assert counts[world.south, "students"] == {"0"}
