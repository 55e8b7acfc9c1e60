"""The served queries, each as the GraphQL request(s) an app sends and the floor request(s) for the
same rows. A workload call returns how many rows it fetched, and raises on any error, so a wrong
answer can never pass for a fast one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

MAX_PAGE = 1000  # hub.graphql.pagination.MAX_PAGE: the largest page a connection serves

STUDENT_FIELDS = (
    "hubId givenName familyName middleName preferredName username email identifier enabled dateOfBirth gender"
)
STUDENTS = (
    "query Students($schools: Int!, $first: Int!, $schoolAfter: String) { schools(first: $schools, after: $schoolAfter) "
    "{ edges { node { students(first: $first) { edges { node { " + STUDENT_FIELDS + " } } "
    "pageInfo { hasNextPage endCursor } } } } } }"
)
ENROLLMENTS = (
    "query Enrollments($schoolAfter: String, $after: String, $first: Int!) { schools(first: 1, after: $schoolAfter) "
    "{ edges { cursor node { enrollments(first: $first, after: $after) { edges { node { "
    "hubId sourceRecordId role primary beginDate endDate } } pageInfo { hasNextPage endCursor } } } } } }"
)
NESTED = (
    "query Nested($classes: Int!) { schools(first: 1) { edges { node { classes(first: $classes) { edges { node { "
    "hubId title code enrollments { hubId role person { hubId givenName familyName role } } } } } } } } }"
)
SCHOOL_CURSORS = "query Schools { schools(first: 1000) { edges { cursor node { hubId } } } }"


class WorkloadError(RuntimeError):
    pass


@dataclass(frozen=True)
class Target:
    """Where a workload sends its requests: the hub (GraphQL + token) or a floor serialiser."""

    kind: str  # "hub", "orjson" or "sqljson"
    token: str = ""

    async def ask(
        self, client: httpx.AsyncClient, name: str, query: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        if self.kind == "hub":
            response = await client.post(
                "/graphql",
                content=orjson.dumps({"query": query, "variables": variables}),
                headers={"authorization": f"Bearer {self.token}", "content-type": "application/json"},
            )
        else:
            response = await client.post(f"/floor/{name}/{self.kind}", content=orjson.dumps(variables))
        if response.status_code != 200:
            raise WorkloadError(f"{self.kind} {name}: HTTP {response.status_code}: {response.text[:300]}")
        body: dict[str, Any] = orjson.loads(response.content)
        if body.get("errors"):
            raise WorkloadError(f"{self.kind} {name}: {body['errors'][:2]}")
        return body


def _school_edges(body: dict[str, Any]) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = body["data"]["schools"]["edges"]
    return edges


async def students_page(
    client: httpx.AsyncClient, target: Target, schools: int, first: int, school_after: str | None = None
) -> int:
    variables = {"schools": schools, "first": first, "schoolAfter": school_after}
    body = await target.ask(client, "students", STUDENTS, variables)
    return sum(len(e["node"]["students"]["edges"]) for e in _school_edges(body))


async def enrollments_walk(client: httpx.AsyncClient, target: Target, rows: int) -> int:
    """Page through schools' enrollments at the largest page size until `rows` are fetched."""
    fetched, school_after, after = 0, None, None
    while fetched < rows:
        variables = {"schoolAfter": school_after, "after": after, "first": min(MAX_PAGE, rows - fetched)}
        edges = _school_edges(await target.ask(client, "enrollments", ENROLLMENTS, variables))
        if not edges:
            break
        page = edges[0]["node"]["enrollments"]
        fetched += len(page["edges"])
        if page["pageInfo"]["hasNextPage"]:
            after = page["pageInfo"]["endCursor"]
        else:
            school_after, after = edges[0]["cursor"], None
    return fetched


async def nested(client: httpx.AsyncClient, target: Target, classes: int) -> int:
    body = await target.ask(client, "nested", NESTED, {"classes": classes})
    class_edges = [c for e in _school_edges(body) for c in e["node"]["classes"]["edges"]]
    return len(class_edges) + sum(len(c["node"]["enrollments"]) for c in class_edges)


async def school_cursors(client: httpx.AsyncClient, target: Target) -> list[str | None]:
    """`after` values that select each school in turn with `schools(first: 1, after: …)`."""
    if target.kind == "hub":
        edges = _school_edges(await target.ask(client, "schools", SCHOOL_CURSORS, {}))
        return [None, *(e["cursor"] for e in edges[:-1])]
    edges = _school_edges(await target.ask(client, "schools", "", {}))
    return [None, *(e["cursor"] for e in edges[:-1])]
