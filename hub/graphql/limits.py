"""Query limits, checked before validation and execution: tokens, depth, aliases, page size and
cost (page sizes multiply down the tree: schools(first: 100) x students(first: 1000) = 100,000).

The walk expands fragments by arithmetic, not by copying: each fragment is measured once per
(fragment, open page size), so a document that spreads fragments into each other ("fragment
amplification") costs us linear time to measure and is refused on its expanded totals. Unknown
fields and fragments are skipped here; validation reports them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    parse,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from hub.graphql.pagination import MAX_PAGE

MAX_TOKENS = 5_000
MAX_DEPTH = 15
MAX_ALIASES = 30
MAX_COST = 200_000
# Items counted for a nested list without a page size (a class's enrollments, a person's
# contacts). These are bounded by the data, not the query, and load in one batched statement per
# level, so only page sizes multiply; depth bounds how many such levels a query can have.
LIST_ESTIMATE = 1


_WRAPPERS = ("Connection", "Edge", "PageInfo")


def limit_error(message: str, limit: str, maximum: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "LIMIT_EXCEEDED", "limit": limit, "max": maximum})


@dataclass(frozen=True)
class Measure:
    cost: int = 0
    aliases: int = 0
    depth: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(self.cost + other.cost, self.aliases + other.aliases, max(self.depth, other.depth))


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: dict[str, Any],
        school_count: int | None = None,
    ) -> None:
        self.schema = schema
        self.school_count = school_count
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[tuple[str, int | None], Measure] = {}
        self.visiting: set[str] = set()
        self.operation_defaults: dict[str, Any] = {}

    def operation(self, op: OperationDefinitionNode) -> Measure:
        self.operation_defaults = {
            v.variable.name.value: value_from_ast_untyped(v.default_value) if v.default_value else None
            for v in op.variable_definitions or ()
        }
        root = self.schema.get_root_type(op.operation)
        return self.selections(op.selection_set, root, None) if root else Measure()

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None, page: int | None
    ) -> Measure:
        """Cost per one instance of `parent`; `page` is the open page size of an enclosing connection."""
        total = Measure()
        if selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total = total + self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                total = total + self.selections(selection.selection_set, condition, page)
            elif isinstance(selection, FragmentSpreadNode):
                total = total + self.spread(selection.name.value, page)
            self.check(total)
        return total

    def spread(self, name: str, page: int | None) -> Measure:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.visiting:
            return Measure()
        key = (name, page)
        if key not in self.memo:
            self.visiting.add(name)
            condition = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = self.selections(fragment.selection_set, condition, page)
            self.visiting.discard(name)
        return self.memo[key]

    def field(
        self, node: FieldNode, parent: GraphQLObjectType | GraphQLInterfaceType, page: int | None
    ) -> Measure:
        aliases = 1 if node.alias else 0
        name = node.name.value
        if name.startswith("__"):
            return Measure(aliases=aliases)  # schema metadata: small and bounded
        definition = parent.fields.get(name)
        if definition is None:
            return Measure(aliases=aliases)
        nullable = get_nullable_type(definition.type)
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            return Measure(aliases=aliases, depth=1)
        factor, child_page = 1, page
        if isinstance(nullable, GraphQLList):
            factor, child_page = (page if page is not None else LIST_ESTIMATE), None
        if "first" in definition.args:
            child_page = self.first(node, definition.args["first"].default_value)
            if name == "schools" and parent is self.schema.query_type and self.school_count is not None:
                # `schools` never returns more than the schools the app holds grants at.
                child_page = min(child_page, self.school_count)
        inner = self.selections(node.selection_set, named, child_page)
        # Records count; the connection wrappers around them do not.
        own = 0 if named.name.endswith(_WRAPPERS) else 1
        return Measure(
            cost=factor * (own + inner.cost), aliases=aliases + inner.aliases, depth=1 + inner.depth
        )

    def first(self, node: FieldNode, default: Any) -> int:
        value: Any = default
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, VariableNode):
                var = argument.value.name.value
                value = self.variables.get(var, self.operation_defaults.get(var, default))
            else:
                value = value_from_ast_untyped(argument.value)
        if not isinstance(value, int):
            return MAX_PAGE if value is not None else 0
        if value > MAX_PAGE:
            raise limit_error(f"`first` may be at most {MAX_PAGE}", "page", MAX_PAGE)
        return max(value, 0)

    @staticmethod
    def check(total: Measure) -> None:
        if total.depth > MAX_DEPTH:
            raise limit_error(f"query depth exceeds {MAX_DEPTH}", "depth", MAX_DEPTH)
        if total.aliases > MAX_ALIASES:
            raise limit_error(f"query uses more than {MAX_ALIASES} aliases", "aliases", MAX_ALIASES)
        if total.cost > MAX_COST:
            raise limit_error(
                f"query cost exceeds {MAX_COST} (page sizes multiply: lower `first` on nested connections)",
                "cost",
                MAX_COST,
            )


def check_limits(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    school_count: int | None = None,
) -> list[GraphQLError]:
    walker = _Walker(schema, document, variables or {}, school_count)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    try:
        for op in operations:
            walker.check(walker.operation(op))
    except GraphQLError as error:
        return [error]
    return []


class QueryLimits(SchemaExtension):
    """Refuses over-limit documents with LIMIT_EXCEEDED before validation and execution."""

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.query is not None and ec.graphql_document is None:
            try:
                ec.graphql_document = parse(ec.query, max_tokens=MAX_TOKENS)
            except GraphQLSyntaxError as error:
                if "tokens" in error.message:
                    raise limit_error(
                        f"document has more than {MAX_TOKENS} tokens", "tokens", MAX_TOKENS
                    ) from None
                # Other syntax errors: strawberry parses again and reports them as usual.
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.graphql_document is not None:
            policy = getattr(ec.context, "policy", None)
            schools = len(policy.schools()) if policy is not None else None
            errors = check_limits(
                ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables, schools
            )
            if errors:
                # Setting errors skips validation, which is itself costly on amplified documents.
                ec.pre_execution_errors = errors
        yield
