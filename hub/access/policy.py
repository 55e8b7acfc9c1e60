"""THE access policy: the one place that decides which canonical rows an app may read.

Every read of school data takes a clause built here. Grants are read per request, so a
revocation bites on the app's next request without any cache to invalidate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Connection, Table, and_, false, or_

from hub.access.grants import GrantRecord, active_grants
from hub.canonical import ROLE_DATA_TYPES
from hub.canonical.catalogue import DATA_TYPES
from hub.store.reads import RowFilter

# Data type → the person role it covers (people share one table, told apart by role).
PERSON_DATA_TYPES: dict[str, str] = {data_type: role for role, data_type in ROLE_DATA_TYPES.items()}


class ScopeError(Exception):
    """The school did not grant the data type needed for what was asked."""

    code = "FORBIDDEN_SCOPE"

    def __init__(self, data_type: str, school_id: str | None) -> None:
        where = f"school {school_id}" if school_id else "this school"
        super().__init__(f"not granted: the {data_type!r} scope at {where}")
        self.data_type = data_type
        self.school_id = school_id


@dataclass(frozen=True)
class AccessPolicy:
    app_id: str
    grants: tuple[GrantRecord, ...]
    # (school hub id) → data types granted there, over all sources.
    _by_school: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_school: dict[str, set[str]] = defaultdict(set)
        for g in self.grants:
            by_school[g.school_id].update(g.data_types)
        object.__setattr__(self, "_by_school", {k: frozenset(v) for k, v in by_school.items()})

    @classmethod
    def load(cls, conn: Connection, app_id: str) -> AccessPolicy:
        return cls(app_id=app_id, grants=tuple(active_grants(conn, app_id)))

    def schools(self) -> set[str]:
        """Hub ids of the schools with any grant for this app."""
        return set(self._by_school)

    def data_types(self, school_id: str) -> frozenset[str]:
        return self._by_school.get(school_id, frozenset())

    def allows(self, data_type: str, school_id: str | None) -> bool:
        return school_id is not None and data_type in self.data_types(school_id)

    def require(self, data_type: str, school_id: str | None) -> None:
        if not self.allows(data_type, school_id):
            raise ScopeError(data_type, school_id)

    def row_filter(self, table: Table, data_type: str) -> RowFilter:
        """Rows of `table` this app may read as `data_type`: granted source x school, not deleted.

        On the people table the data type also fixes the role (students → role student …).
        """
        if data_type not in DATA_TYPES:
            raise ValueError(f"unknown data type {data_type!r}")
        per_source: dict[str, set[str]] = defaultdict(set)
        for g in self.grants:
            if data_type in g.data_types:
                per_source[g.source_id].add(g.school_id)
        clause = self._scoped(table, table.c.school_id, per_source)
        if table.name == "people":
            if data_type not in PERSON_DATA_TYPES:
                raise ValueError(f"{data_type!r} does not scope people")
            clause = and_(clause, table.c.role == PERSON_DATA_TYPES[data_type])
        return RowFilter(clause)

    def people_filter(self, table: Table) -> RowFilter:
        """People of any role whose data type is granted at their school."""
        return RowFilter(or_(*(self.row_filter(table, dt) for dt in PERSON_DATA_TYPES)))

    def school_filter(self, organisations: Table) -> RowFilter:
        """A school's own organisation record: visible with any grant at that school."""
        per_source: dict[str, set[str]] = defaultdict(set)
        for g in self.grants:
            per_source[g.source_id].add(g.school_id)
        return RowFilter(
            and_(
                self._scoped(organisations, organisations.c.id, per_source), organisations.c.kind == "school"
            )
        )

    @staticmethod
    def _scoped(
        table: Table, school_column: ColumnElement[str], per_source: dict[str, set[str]]
    ) -> ColumnElement[bool]:
        if not per_source:
            return false()
        granted = or_(
            *(
                and_(table.c.source_id == source_id, school_column.in_(sorted(schools)))
                for source_id, schools in sorted(per_source.items())
            )
        )
        return and_(granted, table.c.deleted_at.is_(None))
