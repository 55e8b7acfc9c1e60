"""Every node type: its table and builder (for `node(id:)` and the change feed), and for the
school-life and detail types the data type whose row filter reads them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from hub.graphql.loading import Build
from hub.graphql.types import BUILDERS as ROSTER_BUILDERS
from hub.graphql.types_details import DETAIL_NODES
from hub.graphql.types_life import LIFE_NODES

# Type name → (table, data type, builder), for the types one data type grants alone.
SCOPED_NODES: dict[str, tuple[Table, str, Build[Any]]] = {**LIFE_NODES, **DETAIL_NODES}
BUILDERS: dict[str, tuple[Table, Build[Any]]] = {
    **ROSTER_BUILDERS,
    **{name: (table, build) for name, (table, _, build) in SCOPED_NODES.items()},
}
