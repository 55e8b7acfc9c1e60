"""`extensions.withheld`: which asked-for fields came back null because a school did not grant
them, listed once per field (never per row), with the scope that would grant it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphql import DocumentNode, FieldNode, GraphQLSchema, TypeInfo, TypeInfoVisitor, Visitor, visit

from hub.graphql.context import Context
from hub.graphql.ids import global_id

# Canonical fields read through a GraphQL field of another name (references become edges).
GRAPHQL_FIELD = {
    "agent_ids": "contacts",
    "person_id": "person",
    "class_id": "class",
    "course_id": "course",
    "session_ids": "sessions",
    "student_id": "student",
    "contact_id": "contact",
    "staff_id": "staff",
    "session_id": "session",
    "assignment_id": "assignment",
}


def graphql_name(canonical: str) -> str:
    if canonical in GRAPHQL_FIELD:
        return GRAPHQL_FIELD[canonical]
    head, *rest = canonical.split("_")
    return head + "".join(part.title() for part in rest)


def selected_fields(schema: GraphQLSchema, document: DocumentNode) -> dict[str, set[str]]:
    """GraphQL type name → the fields the document selects on it (fragments included)."""
    type_info = TypeInfo(schema)
    found: dict[str, set[str]] = defaultdict(set)

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            if parent is not None:
                found[parent.name].add(node.name.value)

    visit(document, TypeInfoVisitor(type_info, Collect()))
    return found


def withheld(ctx: Context, selected: dict[str, set[str]]) -> list[dict[str, Any]]:
    entries = []
    for (type_name, canonical, data_type), schools in sorted(ctx.withheld.items()):
        name = graphql_name(canonical)
        if name in selected.get(type_name, ()) and schools:
            entries.append(
                {
                    "type": type_name,
                    "field": name,
                    "dataType": data_type,
                    "schools": sorted(global_id("School", s) for s in schools),
                }
            )
    return entries
