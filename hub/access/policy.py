"""THE access policy: the one place that decides which canonical rows, and which of their
fields, an app may read.

Every read of school data takes a `RowFilter` built here: a WHERE clause (granted source x
school x data type, narrowed by the grant's options) and a field mask applied in SQL (a CASE
that yields NULL for rows of schools that did not grant the field). Grants are read fresh, or
reused only while the app's grants version says they are unchanged (hub.access.policy_cache),
so a revocation bites on the app's next request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    case,
    exists,
    false,
    func,
    not_,
    null,
    or_,
    true,
)

from hub.access.grants import (
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    MARKING_PERIOD_KINDS,
    GrantOptions,
    GrantRecord,
    active_grants,
)
from hub.canonical import ENTITIES, ROLE_DATA_TYPES, EntitySpec
from hub.canonical.catalogue import DATA_TYPES
from hub.store import CANONICAL_TABLES
from hub.store.columns import utcnow
from hub.store.literal_in import in_literals
from hub.store.reads import RowFilter

# Data type → the person role it covers (people share one table, told apart by role).
PERSON_DATA_TYPES: dict[str, str] = {data_type: role for role, data_type in ROLE_DATA_TYPES.items()}
# Data type → the tables it grants. Courses and sessions come with classes.
DATA_TYPE_TABLES: dict[str, frozenset[str]] = {
    "students": frozenset({"people"}),
    "staff": frozenset({"people"}),
    "contacts": frozenset({"people"}),
    "classes": frozenset({"classes", "courses", "academic_sessions"}),
    "enrollments": frozenset({"enrollments"}),
}
# Every other data type grants its catalogue entities (attendance: marks and summaries …); contacts
# also grant how contacts relate to students and how to reach people.
DATA_TYPE_TABLES.update(
    {
        name: DATA_TYPE_TABLES.get(name, frozenset())
        | {e.table for e in data_type.entities if e.table != "people"}
        for name, data_type in DATA_TYPES.items()
    }
)
# Tables whose rows may have no school: a district's course catalogue and its school years.
DISTRICT_LEVEL_TABLES = frozenset({"courses", "academic_sessions"})
# Fields a data type implies, so never masked: a person's role is what its data type says.
ALWAYS_GRANTED: dict[str, frozenset[str]] = {"people": frozenset({"role"})}
_SPECS: dict[str, EntitySpec] = {spec.table: spec for spec in ENTITIES}
_SESSIONS = CANONICAL_TABLES["academic_session"]


def current_day() -> date:
    """The day policies are built for (one clock for fresh and kept policies)."""
    return utcnow().date()


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
    # "Today" for future-dated enrollments; fixed per request so every read of it agrees.
    today: date = field(default_factory=current_day)
    # (school hub id) → data types granted there, over all sources.
    _by_school: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_school: dict[str, set[str]] = defaultdict(set)
        for g in self.grants:
            by_school[g.school_id].update(g.data_types)
        object.__setattr__(self, "_by_school", {k: frozenset(v) for k, v in by_school.items()})

    @classmethod
    def load(cls, conn: Connection, app_id: str, today: date | None = None) -> AccessPolicy:
        return cls(app_id, tuple(active_grants(conn, app_id)), today or current_day())

    # --- questions about the grants -----------------------------------------------------------------

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

    def requests_per_minute(self) -> int:
        """The app's rate limit: the strictest `max_requests_per_minute` among its grants."""
        limits = [g.typed_options.max_requests_per_minute for g in self.grants]
        return min(limits) if limits else DEFAULT_MAX_REQUESTS_PER_MINUTE

    def logs_responses(self) -> bool:
        """Whether the app's responses are logged in full: asked for by any of its grants."""
        return any(g.typed_options.log_full_payloads for g in self.grants)

    def withheld_fields(
        self, data_type: str, source_id: str, school_id: str | None, table: str | None = None
    ) -> frozenset[str]:
        """Fields of `data_type`'s entity (or of its entity `table`) withheld from rows of this
        source and school."""
        grant = self._grant(source_id, school_id)
        if grant is None or data_type not in grant.data_types:
            return frozenset()
        spec = _SPECS[table] if table is not None else DATA_TYPES[data_type].entity
        always = ALWAYS_GRANTED.get(spec.table, frozenset())
        return frozenset(
            f for f in spec.field_names if f not in always and not grant.grants_field(data_type, f)
        )

    # --- row filters --------------------------------------------------------------------------------

    def row_filter(self, table: Table, data_type: str, *, include_deleted: bool = False) -> RowFilter:
        """Rows of `table` this app may read as `data_type`, masked to the granted fields.

        On the people table the data type also fixes the role (students → role student …).
        """
        return self.filter_for(table, [data_type], include_deleted=include_deleted)

    def people_filter(self, table: Table, *, include_deleted: bool = False) -> RowFilter:
        """People of any role whose data type is granted at their school."""
        return self.filter_for(table, list(PERSON_DATA_TYPES), include_deleted=include_deleted)

    def filter_for(
        self, table: Table, data_types: Sequence[str], *, include_deleted: bool = False
    ) -> RowFilter:
        """Rows of `table` readable as any of `data_types`; tombstones only if `include_deleted`."""
        where = self.in_scope(table, data_types)
        if not include_deleted:
            where = and_(where, table.c.deleted_at.is_(None))
        return RowFilter(table=table, where=where, exprs=self._masked(table, data_types))

    def in_scope(self, table: Table, data_types: Iterable[str]) -> ColumnElement[bool]:
        """Rows of `table` in this app's scope as any of `data_types`, tombstoned or not."""
        clauses = [self._data_type_scope(table, dt) for dt in data_types]
        return or_(false(), *clauses)

    def school_filter(self, organisations: Table) -> RowFilter:
        """A school's own organisation record: visible with any grant at that school."""
        per_source: dict[str, set[str]] = defaultdict(set)
        for g in self.grants:
            per_source[g.source_id].add(g.school_id)
        where = and_(
            _granted(organisations, organisations.c.id, per_source),
            organisations.c.kind == "school",
            organisations.c.deleted_at.is_(None),
        )
        return RowFilter(table=organisations, where=where)

    # --- snapshots, for the change feed ------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything that decides what this app sees, as JSON: the change feed stores it to
        compute what entered or left the app's scope since a cursor was issued."""
        # Enrollments begin and end, and marking periods start, by date: with either granted
        # (unless periods are always active) a new day can move rows in or out of scope.
        dated = any(
            "enrollments" in g.data_types
            or ("classes" in g.data_types and not g.typed_options.marking_periods_always_active)
            for g in self.grants
        )
        return {
            "grants": [
                {
                    "source_id": g.source_id,
                    "school_id": g.school_id,
                    "data_types": sorted(g.data_types),
                    "fields": None
                    if g.fields is None
                    else {k: sorted(v) for k, v in sorted(g.fields.items())},
                    "options": g.typed_options.stored(),
                }
                for g in sorted(self.grants, key=lambda g: (g.source_id, g.school_id))
            ],
            # Only when a row filter depends on the date is it part of the scope.
            "today": self.today.isoformat() if dated else None,
        }

    @cached_property
    def scope_key(self) -> bytes:
        """The snapshot and the day as canonical JSON bytes: equal keys, equal scopes. Computed
        once per policy, which the API keeps between requests (hub.access.policy_cache)."""
        return orjson.dumps(
            {"scope": self.snapshot(), "today": self.today.isoformat()}, option=orjson.OPT_SORT_KEYS
        )

    @classmethod
    def from_snapshot(cls, app_id: str, snapshot: dict[str, Any]) -> AccessPolicy:
        grants = tuple(
            GrantRecord(
                id="",
                app_id=app_id,
                source_id=g["source_id"],
                school_id=g["school_id"],
                data_types=tuple(g["data_types"]),
                options=dict(g["options"]),
                created_at=utcnow(),
                revoked_at=None,
                fields=None if g["fields"] is None else {k: tuple(v) for k, v in g["fields"].items()},
            )
            for g in snapshot["grants"]
        )
        today = date.fromisoformat(snapshot["today"]) if snapshot.get("today") else date.min
        return cls(app_id=app_id, grants=grants, today=today)

    def unchanged_since(self, earlier: AccessPolicy) -> AccessPolicy:
        """`earlier` cut down to the grants still in force unchanged (same data types, fields and
        options): rows under those were fully synced to the app and need no re-sending."""
        current = {_grant_key(g) for g in self.grants}
        kept = tuple(g for g in earlier.grants if _grant_key(g) in current)
        return AccessPolicy(app_id=self.app_id, grants=kept, today=earlier.today)

    def left_scope(
        self, table: Table, data_types: Sequence[str], earlier: Sequence[AccessPolicy], version: int
    ) -> RowFilter:
        """Rows that were in one of the `earlier` scopes and are not in this one: the app may hold
        them and must be told to delete them. Tombstones only if the app can't have seen them yet."""
        was = or_(false(), *(p.in_scope(table, data_types) for p in earlier))
        where = and_(
            was,
            not_in(self.in_scope(table, data_types)),
            or_(table.c.deleted_at.is_(None), table.c.change_version > version),
        )
        # Only ids and roles are read from these rows: mask everything else.
        exprs: dict[str, ColumnElement[Any]] = {
            name: null().cast(table.c[name].type)
            for name in _SPECS[table.name].field_names
            if name not in ALWAYS_GRANTED.get(table.name, frozenset())
        }
        return RowFilter(table=table, where=where, exprs=exprs)

    def entered_scope(
        self, table: Table, data_types: Sequence[str], synced: AccessPolicy, version: int
    ) -> RowFilter:
        """Live rows visible now, changed at or before `version`, that `synced` did not cover: the
        app has not got them (or not with today's fields) and must be sent them."""
        now = self.filter_for(table, data_types)
        where = and_(now.where, table.c.change_version <= version, not_in(synced.in_scope(table, data_types)))
        return RowFilter(table=table, where=where, exprs=now.exprs)

    # --- building clauses ---------------------------------------------------------------------------

    def _grant(self, source_id: str, school_id: str | None) -> GrantRecord | None:
        for g in self.grants:
            if g.source_id == source_id and g.school_id == school_id:
                return g
        return None

    def _data_type_scope(self, table: Table, data_type: str) -> ColumnElement[bool]:
        _check(table, data_type)
        grants = [g for g in self.grants if data_type in g.data_types]
        # Grants with the same source and the same effect of their options share one IN list.
        groups: dict[tuple[str, _Rules], set[str]] = defaultdict(set)
        for g in grants:
            groups[(g.source_id, _Rules.of(table, [g.typed_options]))].add(g.school_id)
        clauses: list[ColumnElement[bool]] = [
            and_(
                table.c.source_id == source_id,
                in_literals(table.c.school_id, schools),
                *self._option_clauses(table, rules),
            )
            for (source_id, rules), schools in sorted(groups.items())
        ]
        if table.name in DISTRICT_LEVEL_TABLES:
            by_source: dict[str, list[GrantOptions]] = defaultdict(list)
            for g in grants:
                by_source[g.source_id].append(g.typed_options)
            # Rows no school holds are governed by all of the source's grants: the strictest wins.
            clauses += [
                and_(
                    table.c.source_id == source_id,
                    table.c.school_id.is_(None),
                    *self._option_clauses(table, _Rules.of(table, options)),
                )
                for source_id, options in sorted(by_source.items())
                if not any(o.ignore_all_schools_records for o in options)
            ]
        clause = or_(false(), *clauses)
        if table.name == "people":
            clause = and_(clause, table.c.role == PERSON_DATA_TYPES[data_type])
        return clause

    def _option_clauses(self, table: Table, rules: _Rules) -> list[ColumnElement[bool]]:
        """The grant options as SQL on `table` (see GrantOptions for what each means)."""
        c = table.c
        clauses: list[ColumnElement[bool]] = []
        if table.name == "enrollments":
            if rules.primary_only:
                # Only the primary teacher's enrollment among staff; student enrollments all stay.
                clauses.append(or_(c.role == "student", c.primary.is_(true())))
            if not rules.future_active:
                clauses.append(or_(c.begin_date.is_(None), c.begin_date <= self.today))
            still_active = [c.end_date.is_(None), c.end_date >= self.today]
            if rules.endless_teachers:
                still_active.append(c.role != "student")
            if rules.grade_posting:
                still_active.append(self._grading_period_open(table))
            clauses.append(or_(*still_active))
        elif table.name == "academic_sessions" and not rules.periods_always_active:
            # A marking period is hidden until it starts; school years always show.
            clauses.append(
                or_(
                    c.kind.is_(None),
                    c.kind.not_in(MARKING_PERIOD_KINDS),
                    c.start_date.is_(None),
                    c.start_date <= self.today,
                )
            )
        elif table.name == "custom_fields" and rules.custom_narrowed:
            clauses.append(c.key.in_(rules.custom_keys))
        return clauses

    def _grading_period_open(self, enrollments: Table) -> ColumnElement[bool]:
        """The grading period an enrollment ended in is still open (its grades are being posted):
        one of the school's (or district's) grading periods began by then and ends today or later."""
        period = _SESSIONS.alias("grading_period")
        e = enrollments.c
        return exists().where(
            period.c.source_id == e.source_id,
            or_(period.c.school_id == e.school_id, period.c.school_id.is_(None)),
            period.c.kind == "grading_period",
            period.c.deleted_at.is_(None),
            period.c.start_date <= e.end_date,
            period.c.end_date >= self.today,
        )

    def _masked(self, table: Table, data_types: Sequence[str]) -> dict[str, ColumnElement[Any]]:
        """Expressions for the fields some grant withholds; other columns are read as they are."""
        # Every entity a data type grants is masked by its fields (a contact's relationships too);
        # courses and sessions, granted whole with classes, are not catalogue entities of it.
        masking = [dt for dt in data_types if table.name in {e.table for e in DATA_TYPES[dt].entities}]
        if not masking:
            return {}
        spec = _SPECS[table.name]
        always = ALWAYS_GRANTED.get(table.name, frozenset())
        exprs: dict[str, ColumnElement[Any]] = {}
        for name in spec.field_names:
            if name in always:
                continue
            granting: list[ColumnElement[bool]] = []
            everywhere = True
            for dt in masking:
                grants = [g for g in self.grants if dt in g.data_types]
                with_field = [g for g in grants if g.grants_field(dt, name)]
                everywhere = everywhere and len(with_field) == len(grants)
                if with_field:
                    per_source: dict[str, set[str]] = defaultdict(set)
                    for g in with_field:
                        per_source[g.source_id].add(g.school_id)
                    clause = _granted(table, table.c.school_id, per_source)
                    if table.name == "people":
                        clause = and_(table.c.role == PERSON_DATA_TYPES[dt], clause)
                    granting.append(clause)
            column = table.c[name]
            if everywhere:
                continue
            exprs[name] = (
                case((or_(*granting), column), else_=null()) if granting else null().cast(column.type)
            )
        return exprs


@dataclass(frozen=True, order=True)
class _Rules:
    """What a grant's options change on one table; grants with equal rules share a clause."""

    primary_only: bool = False
    future_active: bool = True
    endless_teachers: bool = False
    grade_posting: bool = False
    periods_always_active: bool = True
    custom_narrowed: bool = False
    custom_keys: tuple[str, ...] = ()

    @classmethod
    def of(cls, table: Table, options: Sequence[GrantOptions]) -> _Rules:
        """The rules on `table` of rows governed by all of `options` (the strictest of each)."""
        if table.name == "enrollments":
            return cls(
                primary_only=any(o.primary_enrollments_only for o in options),
                future_active=all(o.future_enrollments_active for o in options),
                endless_teachers=all(o.endless_teacher_enrollments for o in options),
                grade_posting=all(o.use_grade_posting_end_date for o in options),
            )
        if table.name == "academic_sessions":
            return cls(periods_always_active=all(o.marking_periods_always_active for o in options))
        narrowing = [set(o.custom_fields) for o in options if o.custom_fields]
        if table.name == "custom_fields" and narrowing:
            return cls(custom_narrowed=True, custom_keys=tuple(sorted(set.intersection(*narrowing))))
        return cls()


def _grant_key(g: GrantRecord) -> tuple[Any, ...]:
    fields = None if g.fields is None else tuple(sorted((k, tuple(sorted(v))) for k, v in g.fields.items()))
    options = orjson.dumps(g.typed_options.stored(), option=orjson.OPT_SORT_KEYS)
    return (g.source_id, g.school_id, tuple(sorted(g.data_types)), fields, options)


def not_in(clause: ColumnElement[bool]) -> ColumnElement[bool]:
    """NOT clause, treating NULL as false: `school_id IN (…)` is NULL for rows without a school."""
    return not_(func.coalesce(clause, false()))


def _check(table: Table, data_type: str) -> None:
    if data_type not in DATA_TYPES:
        raise ValueError(f"unknown data type {data_type!r}")
    if table.name not in DATA_TYPE_TABLES.get(data_type, frozenset()):
        raise ValueError(f"{data_type!r} does not scope {table.name}")


def _granted(
    table: Table, school_column: ColumnElement[str], per_source: dict[str, set[str]]
) -> ColumnElement[bool]:
    return or_(
        false(),
        *(
            and_(table.c.source_id == source_id, in_literals(school_column, schools))
            for source_id, schools in sorted(per_source.items())
        ),
    )
