"""Which documents the compiled path answers, as a plan: a tree of the fields asked, per type.

Compiled: queries (no fragments, no directives, no repeated response keys) whose root fields are
`schools` and `school(id:)`, and below them school connections (students, staff, contacts,
classes, enrollments), their edges and page info, the scalars of School, Person, Class,
Enrollment, Course and AcademicSession, and the edges person → enrollments, person → contacts,
class → enrollments, class → course, class → sessions, enrollment → person and enrollment →
class. Anything else — `node`, `changes`, `viewer`, the courses and sessions connections of a
school, the school-life and personal-detail fields, fragments, introspection — has no plan and is
executed by the resolvers as before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)

from hub.graphql.compiled.values import BASE_COLUMNS, SCALARS, Render, Row, field_columns, json_node
from hub.graphql.pagination import encode_cursor
from hub.store.json_nodes import COLUMN as JSON_COLUMN
from hub.store.json_nodes import JsonNode

_COMMON = frozenset({"__typename", "id", "hubId", "sourceRecordId", "updatedAt", "deletedAt"})
_CONNECTIONS = ("PersonConnection", "ClassConnection", "EnrollmentConnection")
# Type → the fields the compiled path can answer on it.
SUPPORTED: dict[str, frozenset[str]] = {
    "Query": frozenset({"__typename", "schools", "school"}),
    "SchoolConnection": frozenset({"__typename", "edges", "pageInfo"}),
    "SchoolEdge": frozenset({"__typename", "cursor", "node"}),
    "School": frozenset(
        {"__typename", "id", "hubId", "sourceRecordId", "sourceId", "name", "identifier"}
        | {"students", "staff", "contacts", "classes", "enrollments"}
    ),
    **{name: frozenset({"__typename", "edges", "pageInfo"}) for name in _CONNECTIONS},
    **{
        name.replace("Connection", "Edge"): frozenset({"__typename", "cursor", "node"})
        for name in _CONNECTIONS
    },
    "PageInfo": frozenset({"__typename", "hasNextPage", "endCursor"}),
    "Person": _COMMON
    | {"role", "roleDetail", "givenName", "middleName", "familyName", "preferredName", "username"}
    | {"email", "phone", "sms", "identifier", "grades", "enabled", "dateOfBirth", "gender", "enrollments"}
    | {"contacts"},
    "Class": _COMMON
    | {"title", "code", "kind", "room", "periods", "grades", "subjects", "enrollments", "course", "sessions"},
    "Enrollment": _COMMON | {"role", "primary", "beginDate", "endDate", "person", "class"},
    "Course": _COMMON | {"title", "code", "grades", "subjects", "districtLevel"},
    "AcademicSession": _COMMON | {"kind", "title", "startDate", "endDate", "schoolYear", "districtLevel"},
}


@dataclass(frozen=True)
class Field:
    """One asked-for field: `key` in the response, `name` in the schema, and what is under it."""

    key: str
    name: str
    node: FieldNode
    definition: GraphQLField | None  # None for __typename
    children: Selection | None


@dataclass(frozen=True)
class Selection:
    type_name: str
    fields: tuple[Field, ...]
    # The columns to read for the rows this selection renders (a connection's: its nodes'); None
    # for every column.
    columns: frozenset[str] | None = None
    # On a node type: (response key, how to render it from the row — None for an edge, field).
    renders: tuple[tuple[str, Render | None, Field], ...] = ()
    scalars_only: bool = False
    # On an edge type whose node renders from its row alone: (response key, render) for the
    # whole edge, so a page of such edges is one comprehension (no per-edge calls or paths).
    edge_renders: tuple[tuple[str, Render], ...] | None = None
    # On a node type of scalars only: the node as a JSON object the database renders into each
    # row it reads (hub.store.json_nodes), spliced into the response as it is. None where a
    # field has no SQL rendering, or where the rows are shared with another selection.
    json: JsonNode | None = None
    # On a node type whose edges are all references to one node the database renders (TO_ONE):
    # (response key, field, the referring column) per edge. A list of such nodes is rendered in
    # one loop, each edge looked up by id (hub.graphql.compiled.run._Runner.nodes).
    lookups: tuple[tuple[str, Field, str], ...] | None = None
    # On a node type with `lookups` whose scalars all come before its edges: the node as text, the
    # database rendering the scalars and each edge appended to them (run._Runner.spliced_lists).
    spliced: Spliced | None = None


@dataclass(frozen=True)
class Spliced:
    """A node rendered as text with no Python object per row: `json` (its scalars, rendered by the
    database) with each of `edges` — (response key, field, referring column), in order —
    appended as the JSON of the node it refers to, looked up by id."""

    json: JsonNode
    edges: tuple[tuple[str, Field, str], ...]


# Edges to the one record a row's column refers to, which the edge reads only where the column is
# set (class → course reads for every row, so it is not one).
TO_ONE: dict[tuple[str, str], str] = {
    ("Enrollment", "person"): "person_id",
    ("Enrollment", "class"): "class_id",
}


@dataclass(frozen=True)
class Plan:
    operation: OperationDefinitionNode
    root: Selection


def plan_document(schema: GraphQLSchema, document: DocumentNode) -> dict[str | None, Plan | None]:
    """A plan per operation (keyed by name; a lone operation also under None)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != len(document.definitions):
        return {}  # fragment definitions: not compiled
    plans: dict[str | None, Plan | None] = {}
    for op in operations:
        plan = _plan(schema, op)
        plans[op.name.value if op.name else None] = plan
    if len(operations) == 1 and operations[0].name is not None:
        plans[None] = plans[operations[0].name.value]
    return plans


def _plan(schema: GraphQLSchema, op: OperationDefinitionNode) -> Plan | None:
    if op.operation is not OperationType.QUERY or op.directives or schema.query_type is None:
        return None
    root = _selection(schema.query_type, op.selection_set)
    return None if root is None else Plan(operation=op, root=root)


def _selection(parent: GraphQLObjectType, selection_set: SelectionSetNode | None) -> Selection | None:
    if selection_set is None or parent.name not in SUPPORTED:
        return None
    fields: list[Field] = []
    keys: set[str] = set()
    for node in selection_set.selections:
        if not isinstance(node, FieldNode) or node.directives:
            return None
        name = node.name.value
        key = node.alias.value if node.alias else name
        if name not in SUPPORTED[parent.name] or key in keys:
            return None  # unsupported, or two fields merged under one key
        keys.add(key)
        definition = parent.fields.get(name) if name != "__typename" else None
        children: Selection | None = None
        if definition is not None:
            named = get_named_type(definition.type)
            if isinstance(named, GraphQLObjectType):
                children = _selection(named, node.selection_set)
                if children is None:
                    return None
        fields.append(Field(key=key, name=name, node=node, definition=definition, children=children))
    fields = _shared_loads(_one_read_each(fields))
    renders = _renders(parent.name, fields)
    scalars_only = bool(renders) and all(render is not None for _, render, _ in renders)
    json = json_node(parent.name, [(f.key, f.name) for f in fields]) if scalars_only else None
    lookups = _lookups(parent.name, renders)
    return Selection(
        type_name=parent.name,
        fields=tuple(fields),
        # A node the database renders needs only what the audit reads besides.
        columns=BASE_COLUMNS.get(parent.name) if json is not None else _columns(parent.name, fields),
        renders=renders,
        scalars_only=scalars_only,
        edge_renders=_edge_renders(parent.name, fields),
        json=json,
        lookups=lookups,
        spliced=_spliced(parent.name, renders, lookups),
    )


def _lookups(
    type_name: str, renders: tuple[tuple[str, Render | None, Field], ...]
) -> tuple[tuple[str, Field, str], ...] | None:
    edges = [f for _, render, f in renders if render is None]
    if not renders or not all(
        (type_name, f.name) in TO_ONE and f.children is not None and f.children.json is not None
        for f in edges
    ):
        return None
    return tuple((f.key, f, TO_ONE[(type_name, f.name)]) for f in edges)


def _spliced(
    type_name: str,
    renders: tuple[tuple[str, Render | None, Field], ...],
    lookups: tuple[tuple[str, Field, str], ...] | None,
) -> Spliced | None:
    """`Spliced` for a node with `lookups` whose edges all follow its scalars (so appending them
    keeps the selection's order) and whose scalars the database renders."""
    scalars = [f for _, render, f in renders if render is not None]
    if not lookups or not scalars or any(render is None for _, render, _ in renders[: len(scalars)]):
        return None
    json = json_node(type_name, [(f.key, f.name) for f in scalars])
    return None if json is None else Spliced(json, lookups)


def connection_json(selection: Selection | None) -> JsonNode | None:
    """What a connection's rows are read with: its one `edges { node }`'s JSON, if any."""
    edges = _one_edges(selection)
    nodes = [f.children for f in edges.fields if f.name == "node"] if edges else []
    return nodes[0].json if len(nodes) == 1 and nodes[0] is not None else None


def json_edges(selection: Selection | None) -> JsonNode | None:
    """The node JSON of a connection whose one `edges` asks for its `node` alone: the database
    renders each node and the edges are joined into one JSON array (reads.json_pages_by_school),
    with no row handled one by one in Python."""
    edges = _one_edges(selection)
    if edges is None or [f.name for f in edges.fields] != ["node"]:
        return None
    return connection_json(selection)


def _one_edges(selection: Selection | None) -> Selection | None:
    """The selection of a connection's `edges`, when it asks for them once."""
    edges = [f.children for f in selection.fields if f.name == "edges"] if selection else []
    return edges[0] if len(edges) == 1 else None


def _one_read_each(fields: list[Field]) -> list[Field]:
    """Rows read once for two fields (aliases of one edge, two `edges` or `node` of a page) can
    carry one selection's JSON only: render such nodes from their rows instead."""
    repeated = {name for name, n in Counter(f.name for f in fields).items() if n > 1}
    return [
        replace(f, children=_rendered_from_rows(f.children))
        if f.name in repeated and f.children is not None
        else f
        for f in fields
    ]


def _rendered_from_rows(selection: Selection, *, below: bool = False) -> Selection:
    """`selection` with no JSON read for it or for any node below it. Below its nodes the rows
    are shared too: a batch reads an edge once by its name, however each alias asks it, so
    those edges (`below`) read every column, for whichever alias renders them."""
    fields = [
        f
        if f.children is None
        else replace(
            f, children=_rendered_from_rows(f.children, below=below or f.name not in ("edges", "node"))
        )
        for f in selection.fields
    ]
    renders = _renders(selection.type_name, fields)
    lookups = _lookups(selection.type_name, renders)
    return replace(
        selection,
        fields=tuple(fields),
        columns=None if below else _columns(selection.type_name, fields),
        renders=renders,
        json=None,
        edge_renders=_edge_renders(selection.type_name, fields),
        lookups=lookups,
        spliced=_spliced(selection.type_name, renders, lookups),
    )


def _renders(type_name: str, fields: list[Field]) -> tuple[tuple[str, Render | None, Field], ...]:
    scalars = SCALARS.get(type_name, {})
    return tuple((f.key, scalars.get(f.name), f) for f in fields) if scalars else ()


def _edge_renders(type_name: str, fields: list[Field]) -> tuple[tuple[str, Render], ...] | None:
    """An edge of scalars-only nodes rendered straight from its row (cursor, node, typename)."""
    if not type_name.endswith("Edge"):
        return None
    out: list[tuple[str, Render]] = []
    for f in fields:
        if f.name == "__typename":
            out.append((f.key, _constant(type_name)))
        elif f.name == "cursor":
            out.append((f.key, _cursor))
        elif f.children is not None and f.children.scalars_only:
            out.append((f.key, _scalars_node(f.children)))
        else:
            return None
    return tuple(out)


def _constant(value: str) -> Render:
    return lambda _: value


def _cursor(row: Row) -> str:
    return encode_cursor(row["id"])


def _scalars_node(selection: Selection) -> Render:
    if selection.json is not None:
        return rendered_json
    renders = [(key, render) for key, render, _ in selection.renders if render is not None]
    return lambda row: {key: render(row) for key, render in renders}


def rendered_json(row: Row) -> orjson.Fragment:
    """The node the database rendered into `row`, spliced into the response unparsed."""
    return orjson.Fragment(row[JSON_COLUMN])


def _shared_loads(fields: list[Field]) -> list[Field]:
    """A nested edge asked under several aliases is loaded once per batch (as the resolvers do):
    each alias reads the columns all of them need."""
    union: dict[str, frozenset[str] | None] = {}
    for f in fields:
        if f.children is not None and f.name in union:
            before, now = union[f.name], f.children.columns
            union[f.name] = None if before is None or now is None else before | now
        elif f.children is not None:
            union[f.name] = f.children.columns
    return [
        f
        if f.children is None or f.children.columns == union[f.name]
        else replace(f, children=replace(f.children, columns=union[f.name]))
        for f in fields
    ]


def _columns(type_name: str, fields: list[Field]) -> frozenset[str] | None:
    if type_name in BASE_COLUMNS:
        return BASE_COLUMNS[type_name].union(*(field_columns(type_name, f.name) for f in fields))
    if type_name.endswith(("Connection", "Edge")):
        below = [f.children.columns for f in fields if f.children is not None and f.name != "pageInfo"]
        if any(c is None for c in below):
            return None
        return frozenset().union(*(c for c in below if c is not None))
    return None
