"""Executing a plan: the same reads, batches and checks as the resolvers (hub.graphql.types),
with rows rendered straight into the response instead of through objects and per-field calls.

Every read goes through the same functions and the same policy filters as the resolvers, and in
the same batches (one statement per level per batch of parents), so `ctx` ends up recording the
same rows, schools and withheld fields for the audit and `extensions.withheld`. Errors are raised
where the resolvers raise them, in the same (depth-first) order. A case the plan cannot answer
exactly — an error on a non-null field, or arguments that fail to coerce — raises NotCompiled
before anything is returned, and the request is executed by the resolvers instead.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSchema, located_error
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy import Table

from hub.access.policy import PERSON_DATA_TYPES
from hub.graphql.compiled.plan import (
    Field,
    Plan,
    Selection,
    Spliced,
    connection_json,
    json_edges,
    rendered_json,
)
from hub.graphql.compiled.values import BASE_COLUMNS, Row
from hub.graphql.context import Batch, Context
from hub.graphql.enums import EnrollmentRole, to_enum
from hub.graphql.errors import ApiError
from hub.graphql.ids import parse_global_id
from hub.graphql.loading import PageArgs, page_arguments
from hub.graphql.pagination import decode_cursor, encode_cursor, page_size
from hub.graphql.types import (
    CLASSES,
    COURSES,
    ENROLLMENTS,
    ORGANISATIONS,
    PEOPLE,
    RECORDED,
    ROSTER_CONNECTIONS,
    SESSIONS,
    roster_listing,
)
from hub.store import reads
from hub.store.json_nodes import COLUMN as JSON_COLUMN
from hub.store.json_nodes import JsonNode

Path = tuple[str | int, ...]
Node = dict[str, Any] | orjson.Fragment  # a JSON object built here, or rendered by the database


class NotCompiledError(Exception):
    """This request is for the resolvers after all (nothing of it has been returned)."""


@dataclass(slots=True)
class Item:
    """A row as a node of a type, with the batch it was read in (nested reads batch on it)."""

    type_name: str
    row: Row
    batch: Batch


@dataclass
class Outcome:
    data: dict[str, Any]
    errors: list[GraphQLError]


def run_plan(schema: GraphQLSchema, ctx: Context, plan: Plan, variables: dict[str, Any] | None) -> Outcome:
    coerced = get_variable_values(schema, plan.operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        raise NotCompiledError("variables do not coerce")
    return _Runner(ctx, coerced).root(plan.root)


class _Runner:
    def __init__(self, ctx: Context, variables: Any) -> None:
        self.ctx = ctx
        self.variables = variables
        self.errors: list[GraphQLError] = []

    def args(self, field: Field) -> dict[str, Any]:
        assert field.definition is not None
        try:
            return get_argument_values(field.definition, field.node, self.variables)
        except GraphQLError as exc:
            raise NotCompiledError("arguments do not coerce") from exc

    def fail(self, exc: ApiError, field: Field, path: Path) -> None:
        self.errors.append(located_error(exc, [field.node], list(path)))

    # --- Query --------------------------------------------------------------------------------------

    def root(self, selection: Selection) -> Outcome:
        data: dict[str, Any] = {}
        for field in selection.fields:
            path: Path = (field.key,)
            if field.name == "__typename":
                data[field.key] = "Query"
            elif field.name == "schools":
                data[field.key] = self.schools(field, path)
            else:
                data[field.key] = self.school(field, path)
        return Outcome(data=data, errors=self.errors)

    def schools(self, field: Field, path: Path) -> dict[str, Any]:
        args = self.args(field)
        try:
            size, after_id = page_size(args["first"]), decode_cursor(args["after"])
        except ApiError as exc:
            raise NotCompiledError("an error on a non-null field") from exc
        visible = self.ctx.filters.school_filter(ORGANISATIONS)
        node = connection_json(field.children)
        rows, more = reads.page(
            self.ctx.conn, ORGANISATIONS, visible, first=size, after_id=after_id, node=node
        )
        return self.connection(field, path, self.items("School", rows), more)

    def school(self, field: Field, path: Path) -> Node | None:
        hub_id = str(self.args(field)["id"])
        try:
            type_name, hub_id = parse_global_id(hub_id)
        except Exception:
            type_name = "School"
        if type_name != "School":
            return None
        visible = self.ctx.filters.school_filter(ORGANISATIONS)
        rows = reads.by_ids(self.ctx.conn, ORGANISATIONS, visible, {hub_id}, node=_json(field))
        found = self.items("School", list(rows.values()))
        return self.node(field.children, found[0], path) if found else None

    # --- nodes and connections ------------------------------------------------------------------------

    def items(self, type_name: str, rows: list[Row]) -> list[Item]:
        self.record(type_name, rows)
        batch = Batch(rows)
        return [Item(type_name, row, batch) for row in rows]

    def record(self, type_name: str, rows: list[Row]) -> None:
        data_type, masked = RECORDED[type_name]
        self.ctx.record(type_name, data_type, rows, masked=masked)

    def connection(
        self, field: Field, path: Path, items: list[Item] | reads.JsonPage, more: bool = False
    ) -> dict[str, Any]:
        """The connection of `items`, or of a page the database rendered whole (`json_edges`),
        whose edges are spliced in as they are."""
        assert field.children is not None
        if isinstance(items, reads.JsonPage):
            last, more = items.end_id, items.more
        else:
            last = items[-1].row["id"] if items else None
        out: dict[str, Any] = {}
        for part in field.children.fields:
            if part.name == "__typename":
                out[part.key] = field.children.type_name
            elif part.name == "pageInfo":
                end = encode_cursor(last) if last is not None else None
                out[part.key] = self.page_info(part.children, more, end)
            elif isinstance(items, reads.JsonPage):
                out[part.key] = orjson.Fragment(items.edges)
            else:
                out[part.key] = self.edges(part.children, items, (*path, part.key))
        return out

    def edges(self, selection: Selection | None, items: list[Item], path: Path) -> list[dict[str, Any]]:
        assert selection is not None
        flat = selection.edge_renders
        if flat is not None:
            # Nodes of scalars only: nothing below can fail, so no paths are built.
            return [{key: render(item.row) for key, render in flat} for item in items]
        return [self.edge(selection, item, (*path, n)) for n, item in enumerate(items)]

    @staticmethod
    def page_info(selection: Selection | None, more: bool, end: str | None) -> dict[str, Any]:
        assert selection is not None
        values = {"__typename": "PageInfo", "hasNextPage": more, "endCursor": end}
        return {f.key: values[f.name] for f in selection.fields}

    def edge(self, selection: Selection, item: Item, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for part in selection.fields:
            if part.name == "__typename":
                out[part.key] = selection.type_name
            elif part.name == "cursor":
                out[part.key] = encode_cursor(item.row["id"])
            else:
                out[part.key] = self.node(part.children, item, (*path, part.key))
        return out

    def node(self, selection: Selection | None, item: Item, path: Path) -> Node:
        assert selection is not None
        row = item.row
        if selection.json is not None:
            return rendered_json(row)
        if selection.scalars_only:
            return {key: render(row) for key, render, _ in selection.renders}  # type: ignore[misc]
        out: dict[str, Any] = {}
        for key, render, field in selection.renders:
            if render is not None:
                out[key] = render(row)
            else:
                out[key] = self.edge_field(field, item, (*path, key))
        return out

    def nodes(self, selection: Selection | None, items: list[Item], path: Path) -> list[Node]:
        """Sibling nodes (of one batch) at path + their index, in order."""
        assert selection is not None
        if selection.json is not None:
            return [rendered_json(item.row) for item in items]
        if selection.lookups is None:
            return [self.node(selection, item, (*path, n)) for n, item in enumerate(items)]
        # Edges to one node the database rendered (an enrollment's person): looked up by id in the
        # batch's rendered nodes instead of a call per row. They are read where the edge's own path
        # reads them (at the first row that refers to one), and a row whose node is missing takes
        # that path, for its error.
        keys = [key for key, _, _ in selection.renders]
        scalars = [(key, render) for key, render, _ in selection.renders if render is not None]
        rendered: dict[str, dict[str, orjson.Fragment]] = {}
        out: list[Node] = []
        for n, item in enumerate(items):
            row = item.row
            node: dict[str, Any] = dict.fromkeys(keys)  # the selection's order; edges null so far
            for key, render in scalars:
                node[key] = render(row)
            for key, field, column in selection.lookups:
                ref = row[column]
                if not ref:
                    continue  # null, as the edge answers without reading
                found = rendered.get(key)
                if found is None:
                    found = rendered[key] = self.rendered_references(field, item)
                value = found.get(ref)
                node[key] = value if value is not None else self.edge_field(field, item, (*path, n, key))
            out.append(node)
        return out

    # --- edges below a node ---------------------------------------------------------------------------

    def granting(self, batch: Batch, data_type: str) -> list[Row]:
        """The batch's rows whose school granted `data_type`. A batch spans the schools of a page,
        while an edge that needs a scope is read only below rows where it is granted (as the
        resolvers, whose batches are one school's, read it): nothing else is loaded or audited."""
        return [row for row in batch.rows if self.ctx.policy.allows(data_type, row.get("school_id"))]

    def edge_field(self, field: Field, item: Item, path: Path) -> Any:
        resolve = _EDGES[(item.type_name, field.name)]
        try:
            return resolve(self, field, item, path)
        except ApiError as exc:
            self.fail(exc, field, path)
            return None

    def school_connection(self, field: Field, item: Item, path: Path) -> dict[str, Any]:
        """A school's roster connection, read for every school of the page in one statement."""
        data_type = ROSTER_CONNECTIONS[field.name][1]
        school = item.row["id"]
        self.ctx.require(data_type, school)
        pages = item.batch.once(f"connection:{field.key}", lambda: self.school_pages(field, item.batch))
        found = pages[school]
        if isinstance(found, ApiError):
            raise found
        if isinstance(found, reads.JsonPage):
            return self.connection(field, path, found)
        items, more = found
        return self.connection(field, path, items, more)

    def school_pages(
        self, field: Field, batch: Batch
    ) -> dict[str, tuple[list[Item], bool] | reads.JsonPage | ApiError]:
        """The connection's page at each school of `batch` that granted its data type, as items of
        one batch (so the level below is one statement too); the arguments' error, if any, at each
        (the resolvers raise it per school, after the scope)."""
        table, data_type = ROSTER_CONNECTIONS[field.name]
        schools = [row["id"] for row in batch.rows if self.ctx.policy.allows(data_type, row["id"])]
        a = self.args(field)
        args = PageArgs(a["first"], a["after"], a.get("updatedSince"), a["includeDeleted"])
        try:
            size, after_id, clauses = page_arguments(table, args)
        except ApiError as exc:
            return dict.fromkeys(schools, exc)
        extra: dict[str, Any] = {}
        if field.name == "classes":
            extra["session_id"] = a.get("sessionId")
        if field.name == "enrollments":
            extra["role"], extra["class_id"] = _role(a.get("role")), a.get("classId")
        listing = roster_listing(self.ctx, field.name, args, **extra)
        type_name = _NODE_TYPES[field.name]
        where = [*listing.where, *clauses]
        # A person's role is fixed by the data type: its index finds the candidates.
        key = (("role", PERSON_DATA_TYPES[data_type]),) if table is PEOPLE else ()
        node = json_edges(field.children)
        recorded, masked = RECORDED[type_name]
        if node is not None:
            found = reads.json_pages_by_school(
                self.ctx.conn,
                table,
                listing.visible,
                schools,
                node,
                first=size,
                after_id=after_id,
                where=where,
                key=key,
                roles=recorded is None,  # the audit needs a row's role only to name its data type
            )
            kinds = {(s, source, role) for s, page in found.items() for source, role in page.kinds}
            rows = sum(page.rows for page in found.values())
            self.ctx.record_kinds(type_name, recorded, rows, kinds, masked=masked)
            return dict(found)
        pages = reads.pages_by_school(
            self.ctx.conn,
            table,
            listing.visible,
            schools,
            first=size,
            after_id=after_id,
            where=where,
            key=key,
            columns=_columns(type_name, field.children),
            node=connection_json(field.children),
        )
        items = self.items(type_name, [r for rows, _ in pages.values() for r in rows])
        split = _split(items, [len(rows) for rows, _ in pages.values()])
        return {school: (page, more) for (school, (_, more)), page in zip(pages.items(), split, strict=True)}

    def enrollments(self, field: Field, item: Item, path: Path) -> list[Node] | orjson.Fragment:
        """Person → enrollments (by person_id) and class → enrollments (by class_id)."""
        self.ctx.require("enrollments", item.row["school_id"])
        column = "person_id" if item.type_name == "Person" else "class_id"
        assert field.children is not None
        spliced = field.children.spliced
        if spliced is not None:
            lists = item.batch.once("enrollments", lambda: self.spliced_lists(item.batch, column, spliced))
            return lists.render(self, item.row["id"], path)

        def load() -> dict[str, list[Item]]:
            visible = self.ctx.filters.row_filter(ENROLLMENTS, "enrollments")
            columns = _columns("Enrollment", field.children)
            parents = self.granting(item.batch, "enrollments")
            ids = {row["id"] for row in parents}
            groups = reads.grouped_by(
                self.ctx.conn, ENROLLMENTS, visible, column, ids, columns, node=_json(field)
            )
            flat = self.items("Enrollment", [row for rows in groups.values() for row in rows])
            return dict(zip(groups, _split(flat, [len(rows) for rows in groups.values()]), strict=True))

        groups = item.batch.once("enrollments", load)
        return self.nodes(field.children, groups.get(item.row["id"], []), path)

    def spliced_lists(self, batch: Batch, column: str, spliced: Spliced) -> SplicedLists:
        """What `load` in `enrollments` reads for the batch (the same filter, parents, statement
        and audit), each row's node rendered as text and grouped by `column`."""
        visible = self.ctx.filters.row_filter(ENROLLMENTS, "enrollments")
        ids = {row["id"] for row in self.granting(batch, "enrollments")}
        names, rows = reads.rows_with(
            self.ctx.conn, ENROLLMENTS, visible, column, ids, _SPLICED_ENROLLMENT, spliced.json
        )
        lists = SplicedLists()
        at = {name: n for n, name in enumerate(names)}
        self.record_tuples("Enrollment", at, rows)
        if not rows:
            return lists
        edges = [self.spliced_edge(key, field, rows, at[by]) for key, field, by in spliced.edges]
        node, group, role, school = at[JSON_COLUMN], at[column], at["role"], at["school_id"]
        texts_of = lists.texts
        for row in rows:
            texts = texts_of[row[group]]
            text = row[node]
            for prefix, index, found, key, field in edges:
                ref = row[index]
                value = found.get(ref) if ref else "null"  # null, unread, where there is no reference
                if value is None:
                    value = "null"
                    referring = {"role": row[role], "school_id": row[school]}
                    lists.missing[row[group]].append((len(texts), key, field, referring))
                text = text[:-1] + prefix + value + "}"
            texts.append(text)
        return lists

    def spliced_edge(
        self, key: str, field: Field, rows: Sequence[Any], index: int
    ) -> tuple[str, int, dict[str, str], str, Field]:
        """(`,"key":`, the referring column's index, the referred nodes' JSON by id, key, field)."""
        refs = {row[index] for row in rows}
        # Read as the edge reads them: at the first row that refers to one, so never if none does.
        found = self.references(field, refs - {None}) if any(refs) else {}
        return f",{orjson.dumps(key).decode()}:", index, found, key, field

    def references(self, field: Field, ids: set[str]) -> dict[str, str]:
        """The JSON the database renders for the records an edge (plan.TO_ONE) refers to, by id:
        read and audited as `referenced` reads them, from the driver's tuples (a dict per record
        cost ~1 ms of a nested page's ~400 people)."""
        table, type_name, data_type, _ = _TO_ONE[field.name]
        visible = self.referenced_filter(table, data_type)
        columns = _columns(type_name, field.children)
        names, rows = reads.rows_by_ids(self.ctx.conn, table, visible, ids, columns, _json(field))
        at = {name: n for n, name in enumerate(names)}
        self.record_tuples(type_name, at, rows)
        if not rows:
            return {}
        return dict(zip(map(itemgetter(at["id"]), rows), map(itemgetter(at[JSON_COLUMN]), rows), strict=True))

    def record_tuples(self, type_name: str, at: dict[str, int], rows: Sequence[Sequence[Any]]) -> None:
        """`record` for rows read as tuples, `at` naming their columns' positions."""
        data_type, masked = RECORDED[type_name]
        self.ctx.record_tuples(type_name, data_type, at, rows, masked=masked)

    def missing_reference(self, field: Field, row: Row, path: Path) -> None:
        """An enrollment's edge whose record is not among those visible: as the resolver, the
        scope named by what the enrollment says must have been granted (else FORBIDDEN_SCOPE)."""
        try:
            _require_referenced(self.ctx, field.name, row)
        except ApiError as exc:
            self.fail(exc, field, path)

    def person(self, field: Field, item: Item, path: Path) -> Node | None:
        row = item.row
        if not row["person_id"]:
            return None
        person = self.to_one(field, item).get(row["person_id"])
        if person is None:
            _require_referenced(self.ctx, field.name, row)
            return None
        return self.node(field.children, person, path)

    def klass(self, field: Field, item: Item, path: Path) -> Node | None:
        row = item.row
        if not row["class_id"]:
            return None
        klass = self.to_one(field, item).get(row["class_id"])
        if klass is None:
            _require_referenced(self.ctx, field.name, row)
            return None
        return self.node(field.children, klass, path)

    def to_one(self, field: Field, item: Item) -> dict[str, Item]:
        """The records an enrollment edge (plan.TO_ONE) refers to, read for the batch."""
        return self.referenced(field, item, *_TO_ONE[field.name])

    def rendered_references(self, field: Field, item: Item) -> dict[str, orjson.Fragment]:
        """`to_one`'s records as the JSON the database rendered, by id (once per batch: a
        person is referred to by each of their enrollments)."""
        return item.batch.once(
            f"{field.name}:json",
            lambda: {hub_id: rendered_json(found.row) for hub_id, found in self.to_one(field, item).items()},
        )

    def contacts(self, field: Field, item: Item, path: Path) -> list[Node]:
        """A student's contacts, in the order the student's record lists them."""
        self.ctx.require("contacts", item.row["school_id"])
        found = self.referenced(field, item, PEOPLE, "Person", "contacts", "agent_ids", scoped=True)
        return self.nodes(
            field.children, [found[i] for i in _listed(item.row["agent_ids"]) if i in found], path
        )

    def course(self, field: Field, item: Item, path: Path) -> Node | None:
        found = self.referenced(field, item, COURSES, "Course", "classes", "course_id")
        course = found.get(item.row["course_id"]) if item.row["course_id"] else None
        return None if course is None else self.node(field.children, course, path)

    def sessions(self, field: Field, item: Item, path: Path) -> list[Node]:
        found = self.referenced(field, item, SESSIONS, "AcademicSession", "classes", "session_ids")
        return self.nodes(
            field.children, [found[i] for i in _listed(item.row["session_ids"]) if i in found], path
        )

    def referenced(
        self,
        field: Field,
        item: Item,
        table: Table,
        type_name: str,
        data_type: str | None,
        column: str,
        *,
        scoped: bool = False,
    ) -> dict[str, Item]:
        """The records the batch's `column` refers to (an id, or a list of ids for `*_ids`), in one
        statement per batch through the resolvers' filter (`data_type` None: people of every
        role), cached on the batch under the same name as the resolvers' (hub.graphql.types), so
        an edge asked twice is read once. `scoped`: only from rows whose school granted
        `data_type` (the edge needs the scope)."""

        def load() -> dict[str, Item]:
            rows = item.batch.rows
            if data_type is not None and scoped:
                rows = self.granting(item.batch, data_type)
            if column.endswith("_ids"):
                ids = {v for row in rows for v in row[column] or ()}
            else:
                ids = {row[column] for row in rows if row[column] is not None}
            found = self.read_referenced(field, table, type_name, data_type, ids)
            batch = Batch(found)
            return {row["id"]: Item(type_name, row, batch) for row in found}

        loaded: dict[str, Item] = item.batch.once(field.name, load)
        return loaded

    def read_referenced(
        self, field: Field, table: Table, type_name: str, data_type: str | None, ids: set[str]
    ) -> list[Row]:
        """The visible records among `ids`, read through the resolvers' filter for `data_type`
        (None: people of every role) and recorded for the audit."""
        visible = self.referenced_filter(table, data_type)
        columns = _columns(type_name, field.children)
        rows = list(reads.by_ids(self.ctx.conn, table, visible, ids, columns, node=_json(field)).values())
        self.record(type_name, rows)
        return rows

    def referenced_filter(self, table: Table, data_type: str | None) -> reads.RowFilter:
        """The resolvers' filter for records an edge refers to (`data_type` None: people of every
        role)."""
        filters = self.ctx.filters
        return filters.people_filter(table) if data_type is None else filters.row_filter(table, data_type)


@dataclass
class SplicedLists:
    """Lists of nodes read for a batch (`_Runner.spliced_lists`), by parent: each node as text
    (the database's JSON with each edge's appended), and the edges whose record is not visible."""

    texts: dict[str, list[str]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    # Parent → (index in its list, response key, edge, the enrollment's role and school).
    missing: dict[str, list[tuple[int, str, Field, Row]]] = dataclasses.field(
        default_factory=lambda: defaultdict(list)
    )

    def render(self, runner: _Runner, parent_id: str, path: Path) -> orjson.Fragment:
        """The parent's list as one JSON array; a missing reference's error at its path."""
        for n, key, edge, referring in self.missing.get(parent_id, ()):
            runner.missing_reference(edge, referring, (*path, n, key))
        return orjson.Fragment("[" + ",".join(self.texts.get(parent_id, ())) + "]")


def _require_referenced(ctx: Context, edge: str, row: Row) -> None:
    """FORBIDDEN_SCOPE, as the resolvers raise it, where an enrollment's person (`edge`) or class
    is not visible: the scope is named from what the enrollment says."""
    if edge == "class":
        ctx.require("classes", row["school_id"])
        return
    student = to_enum(EnrollmentRole, row["role"]) is EnrollmentRole.STUDENT
    ctx.require("students" if student else "staff", row["school_id"])


# What a spliced enrollment is read with: the base columns but its id, which its rendered node
# carries already (~2,000 values fewer to fetch in a nested page of 100 classes).
_SPLICED_ENROLLMENT = BASE_COLUMNS["Enrollment"] - {"id"}
# An edge of plan.TO_ONE → what `referenced` reads it with (table, type, data type, column).
_TO_ONE: dict[str, tuple[Table, str, str | None, str]] = {
    "person": (PEOPLE, "Person", None, "person_id"),
    "class": (CLASSES, "Class", "classes", "class_id"),
}
_NODE_TYPES = {"students": "Person", "staff": "Person", "contacts": "Person"}
_NODE_TYPES.update({"classes": "Class", "enrollments": "Enrollment"})


def _json(field: Field) -> JsonNode | None:
    """The JSON the database renders for the nodes `field` reads (hub.store.json_nodes), if any."""
    return field.children.json if field.children is not None else None


def _columns(type_name: str, selection: Selection | None) -> frozenset[str] | None:
    """What to read for rows rendered by `selection`: its columns and the type's base columns."""
    if selection is None or selection.columns is None:
        return None
    return selection.columns | BASE_COLUMNS[type_name]


def _split(items: list[Item], sizes: list[int]) -> list[list[Item]]:
    """`items` cut into consecutive runs of `sizes`."""
    out, start = [], 0
    for size in sizes:
        out.append(items[start : start + size])
        start += size
    return out


def _listed(values: Any) -> list[str]:
    return list(values or ())


def _role(value: Any) -> EnrollmentRole | None:
    if value is None or isinstance(value, EnrollmentRole):
        return value
    return EnrollmentRole(value)


_Resolve = Callable[[_Runner, Field, Item, Path], Any]
_EDGES: dict[tuple[str, str], _Resolve] = {
    **{("School", name): _Runner.school_connection for name in ("students", "staff", "contacts", "classes")},
    ("School", "enrollments"): _Runner.school_connection,
    ("Person", "enrollments"): _Runner.enrollments,
    ("Class", "enrollments"): _Runner.enrollments,
    ("Enrollment", "person"): _Runner.person,
    ("Enrollment", "class"): _Runner.klass,
    ("Person", "contacts"): _Runner.contacts,
    ("Class", "course"): _Runner.course,
    ("Class", "sessions"): _Runner.sessions,
}
