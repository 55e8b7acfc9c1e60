"""Grants: what a school allowed an app to read from a source, and their revocation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from hub.canonical.catalogue import DATA_TYPES, validate_data_types
from hub.store import CANONICAL_TABLES
from hub.store.columns import new_id, utcnow
from hub.store.models import GRANTS, SOURCES

_ORGS = CANONICAL_TABLES["organisation"]


class GrantError(ValueError):
    """A grant that cannot be made: unknown source, school or data type."""


DEFAULT_MAX_REQUESTS_PER_MINUTE = 600


@dataclass(frozen=True)
class GrantOptions:
    """The options of a grant (Focus's Third Party Systems screen), typed. Unknown keys are kept
    in the grant's raw `options` but have no effect here.

    - primary_enrollments_only: staff enrollments are served only when `primary` is true (the
      class's primary teacher). Student enrollments are unaffected: in our canonical model a person
      belongs to one school, so Focus's other meaning (a student's primary school) always holds.
    - future_enrollments_active: enrollments whose begin date is in the future are served; when
      false (the default) they are hidden until that date.
    - ignore_all_schools_records: hide records without a school (district-level courses and
      sessions) from this source; when false they are served to apps holding the data type at
      any school of that source.
    - max_requests_per_minute: the app's rate limit (the strictest of its grants applies).
    """

    primary_enrollments_only: bool = False
    future_enrollments_active: bool = False
    ignore_all_schools_records: bool = False
    max_requests_per_minute: int = DEFAULT_MAX_REQUESTS_PER_MINUTE

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> GrantOptions:
        limit = options.get("max_requests_per_minute", DEFAULT_MAX_REQUESTS_PER_MINUTE)
        return cls(
            primary_enrollments_only=bool(options.get("primary_enrollments_only", False)),
            future_enrollments_active=bool(options.get("future_enrollments_active", False)),
            ignore_all_schools_records=bool(options.get("ignore_all_schools_records", False)),
            max_requests_per_minute=int(limit) if limit is not None else DEFAULT_MAX_REQUESTS_PER_MINUTE,
        )


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

    @property
    def typed_options(self) -> GrantOptions:
        return GrantOptions.parse(self.options)

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
    options: dict[str, Any] | None = None,
    fields: dict[str, list[str]] | None = None,
) -> list[GrantRecord]:
    """Grant `data_types` at each school; re-granting replaces an active grant's data types
    (and its fields and options when given).

    Schools may be named by hub id or by the source's own id; grants always store the hub id.
    `fields` narrows data types to some of their fields (data type → canonical field names).
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
            if options is not None:
                values["options"] = options
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
                    options=options or {},
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
