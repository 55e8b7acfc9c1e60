"""Grants: what a school allowed an app to read from a source, and their revocation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, and_, or_, select, update

from hub.canonical.catalogue import DATA_TYPES, validate_data_types
from hub.store import CANONICAL_TABLES
from hub.store.columns import new_id, utcnow
from hub.store.models import GRANTS, SOURCES

_ORGS = CANONICAL_TABLES["organisation"]


class GrantError(ValueError):
    """A grant that cannot be made: unknown source, school or data type."""


DEFAULT_MAX_REQUESTS_PER_MINUTE = 600
# Session kinds that are marking periods (Focus's term); a school year is always active.
MARKING_PERIOD_KINDS = ("semester", "term", "quarter", "grading_period")


class GrantOptions(BaseModel):
    """The options of a grant, after Focus's Third Party Systems screen: the one model admins set
    (validated strictly, unknown keys refused so a typo never silently means "default") and the
    policy enforces (hub/access/policy.py). Stored in Grant.options as its JSON dump.

    - primary_enrollments_only: staff enrollments are served only when `primary` is true (the
      class's primary teacher). Student enrollments are unaffected: in our canonical model a person
      belongs to one school, so Focus's other meaning (a student's primary school) always holds.
    - future_enrollments_active: enrollments whose begin date is in the future are served; when
      false (the default) they are hidden until that date.
    - endless_teacher_enrollments: a staff enrollment (any role but student) stays served after
      its end date; by default an enrollment leaves scope the day after it ends.
    - use_grade_posting_end_date: an enrollment that has ended stays served until the end of the
      grading period it ended in (the window in which its grades are still posted).
    - marking_periods_always_active: marking periods (semesters, terms, quarters, grading periods)
      are served before they start; by default one is hidden until its start date. Ended ones are
      always served, since grades refer to them.
    - ignore_all_schools_records: hide records without a school (district-level courses and
      sessions) from this source; when false they are served to apps holding the data type at
      any school of that source.
    - custom_fields: the custom-field keys served with the custom_fields data type; empty (the
      default) serves every key. To share none, do not grant the data type.
    - max_requests_per_minute: the app's rate limit (the strictest of its grants applies).
    - log_full_payloads: every GraphQL response to the app is logged, kept 7 days.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary_enrollments_only: bool = False
    future_enrollments_active: bool = False
    endless_teacher_enrollments: bool = False
    use_grade_posting_end_date: bool = False
    marking_periods_always_active: bool = False
    ignore_all_schools_records: bool = False
    custom_fields: list[str] = Field(default_factory=list, max_length=200)
    max_requests_per_minute: int = Field(default=DEFAULT_MAX_REQUESTS_PER_MINUTE, ge=1, le=100_000)
    log_full_payloads: bool = False

    @field_validator("custom_fields", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("a list of custom-field keys, not one string")
        if not isinstance(value, list | tuple):
            return value
        keys: list[str] = []
        for key in value:
            if not isinstance(key, str) or not key.strip():
                raise ValueError(f"custom-field keys are non-empty text, not {key!r}")
            keys.append(key.strip())
        return list(dict.fromkeys(keys))

    @classmethod
    def from_stored(cls, options: Mapping[str, Any] | None) -> GrantOptions:
        """Options as stored in a grant row or scope snapshot, possibly written by an older
        version: unknown keys (options since dropped) are ignored and null means the default.
        A value that is invalid raises GrantError rather than guessing, which could widen access."""
        return _from_stored(orjson.dumps(options or {}, option=orjson.OPT_SORT_KEYS))

    def stored(self) -> dict[str, Any]:
        """The JSON kept in Grant.options: every option, so what a grant means is on the row."""
        return self.model_dump(mode="json")


@lru_cache(maxsize=512)
def _from_stored(stored: bytes) -> GrantOptions:
    """GrantOptions.from_stored once per distinct stored JSON: an app granted 120 schools carries
    the same options on every grant, and each request reads them all (the model is frozen, so
    one instance is safely shared). An invalid value is not cached: it raises every time."""
    known = {k: v for k, v in orjson.loads(stored).items() if k in _OPTION_NAMES and v is not None}
    try:
        return GrantOptions.model_validate(known)
    except ValidationError as exc:
        raise GrantError(f"stored grant options are invalid: {describe(exc)}") from exc


_OPTION_NAMES = frozenset(GrantOptions.model_fields)


def parse_options(options: GrantOptions | Mapping[str, Any] | None) -> GrantOptions:
    """Options an admin or a script gave: validated strictly, errors as one clear GrantError."""
    if isinstance(options, GrantOptions):
        return options
    try:
        return GrantOptions.model_validate(dict(options or {}))
    except ValidationError as exc:
        raise GrantError(f"invalid grant options: {describe(exc)}") from exc


def describe(exc: ValidationError) -> str:
    """A pydantic error as one line naming each bad option: `custom_fields: …; max_…: …`."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors())


@dataclass(frozen=True)
class GrantRecord:
    id: str
    app_id: str
    source_id: str
    school_id: str
    data_types: tuple[str, ...]
    options: dict[str, Any]
    created_at: datetime
    revoked_at: datetime | None
    # Data type → granted canonical field names; None, or a data type absent, means every field.
    fields: dict[str, tuple[str, ...]] | None = None

    @cached_property
    def typed_options(self) -> GrantOptions:
        return GrantOptions.from_stored(self.options)

    def grants_field(self, data_type: str, field_name: str) -> bool:
        if data_type not in self.data_types:
            return False
        if self.fields is None or data_type not in self.fields:
            return True
        return field_name in self.fields[data_type]


def grant(
    conn: Connection,
    app_id: str,
    source_id: str,
    school_ids: list[str],
    data_types: list[str],
    options: GrantOptions | Mapping[str, Any] | None = None,
    fields: dict[str, list[str]] | None = None,
) -> list[GrantRecord]:
    """Grant `data_types` at each school; re-granting replaces an active grant's data types
    (and its fields and options when given).

    Schools may be named by hub id or by the source's own id; grants always store the hub id.
    `fields` narrows data types to some of their fields (data type → canonical field names).
    `options` are validated (GrantOptions) and stored whole.
    """
    try:
        types = validate_data_types(data_types)
    except ValueError as exc:
        raise GrantError(str(exc)) from exc
    if not types:
        raise GrantError("a grant needs at least one data type")
    if not school_ids:
        raise GrantError("a grant needs at least one school")
    _validate_fields(fields, types)
    stored_options = None if options is None else parse_options(options).stored()
    if conn.execute(select(SOURCES.c.id).where(SOURCES.c.id == source_id)).first() is None:
        raise GrantError(f"no source with id {source_id!r}")
    schools = _resolve_schools(conn, source_id, school_ids)

    existing = {
        row.school_id: row
        for row in conn.execute(select(GRANTS).where(_active(app_id, source_id, list(schools.values()))))
    }
    now = utcnow()
    for school_id in dict.fromkeys(schools.values()):
        if school_id in existing:
            values: dict[str, Any] = {"data_types": types}
            if stored_options is not None:
                values["options"] = stored_options
            if fields is not None:
                values["fields"] = fields
            conn.execute(update(GRANTS).where(GRANTS.c.id == existing[school_id].id).values(values))
        else:
            conn.execute(
                GRANTS.insert().values(
                    id=new_id(),
                    app_id=app_id,
                    source_id=source_id,
                    school_id=school_id,
                    data_types=types,
                    options=stored_options or GrantOptions().stored(),
                    fields=fields,
                    created_at=now,
                    revoked_at=None,
                )
            )
    return [
        g for g in active_grants(conn, app_id) if g.source_id == source_id and g.school_id in schools.values()
    ]


def revoke(
    conn: Connection,
    app_id: str,
    source_id: str | None = None,
    school_ids: list[str] | None = None,
) -> int:
    """Revoke the app's active grants (all, one source's, or some schools'); returns how many."""
    where = [GRANTS.c.app_id == app_id, GRANTS.c.revoked_at.is_(None)]
    if source_id is not None:
        where.append(GRANTS.c.source_id == source_id)
    if school_ids is not None:
        where.append(GRANTS.c.school_id.in_(school_ids))
    result = conn.execute(update(GRANTS).where(*where).values(revoked_at=utcnow()))
    return result.rowcount


def active_grants(conn: Connection, app_id: str) -> list[GrantRecord]:
    """The app's grants in force now, read fresh so a revocation bites on the next request."""
    rows = conn.execute(
        select(GRANTS)
        .where(GRANTS.c.app_id == app_id, GRANTS.c.revoked_at.is_(None))
        .order_by(GRANTS.c.source_id, GRANTS.c.school_id)
    )
    return [_record(row._asdict()) for row in rows]


def list_grants(conn: Connection, app_id: str, include_revoked: bool = False) -> list[GrantRecord]:
    if not include_revoked:
        return active_grants(conn, app_id)
    rows = conn.execute(select(GRANTS).where(GRANTS.c.app_id == app_id).order_by(GRANTS.c.created_at))
    return [_record(row._asdict()) for row in rows]


def _active(app_id: str, source_id: str, school_ids: list[str]) -> Any:
    return and_(
        GRANTS.c.app_id == app_id,
        GRANTS.c.source_id == source_id,
        GRANTS.c.school_id.in_(school_ids),
        GRANTS.c.revoked_at.is_(None),
    )


def _validate_fields(fields: dict[str, list[str]] | None, types: list[str]) -> None:
    for data_type, names in (fields or {}).items():
        if data_type not in types:
            raise GrantError(f"fields given for {data_type!r}, which is not granted")
        known = DATA_TYPES[data_type].field_names
        unknown = [n for n in names if n not in known]
        if unknown:
            raise GrantError(f"unknown {data_type} field(s): {', '.join(unknown)}")


def _resolve_schools(conn: Connection, source_id: str, school_ids: list[str]) -> dict[str, str]:
    """Map each given id (hub id or source record id) to the hub id of a school in that source."""
    rows = conn.execute(
        select(_ORGS.c.id, _ORGS.c.source_record_id, _ORGS.c.kind).where(
            _ORGS.c.source_id == source_id,
            _ORGS.c.deleted_at.is_(None),
            or_(_ORGS.c.id.in_(school_ids), _ORGS.c.source_record_id.in_(school_ids)),
        )
    ).all()
    found: dict[str, str] = {}
    not_schools: list[str] = []
    for row in rows:
        for given in (row.id, row.source_record_id):
            if given in school_ids:
                if row.kind == "school":
                    found[given] = row.id
                else:
                    not_schools.append(f"{given} ({row.kind})")
    if not_schools:
        raise GrantError(f"not schools: {', '.join(not_schools)}; grants are made per school")
    missing = [s for s in school_ids if s not in found]
    if missing:
        raise GrantError(f"no school {', '.join(missing)} in source {source_id}")
    return found


def _record(values: dict[str, Any]) -> GrantRecord:
    return GrantRecord(
        id=values["id"],
        app_id=values["app_id"],
        source_id=values["source_id"],
        school_id=values["school_id"],
        data_types=tuple(values["data_types"] or ()),
        options=dict(values["options"] or {}),
        created_at=values["created_at"],
        revoked_at=values["revoked_at"],
        fields=(
            None if values.get("fields") is None else {k: tuple(v) for k, v in dict(values["fields"]).items()}
        ),
    )
