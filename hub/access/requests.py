"""Access requests: an app asks a school (or a trust/district for its schools) for data from a
source, and an admin approves, rejects, defers or later revokes it.

    pending ──approve──► approved ──revoke──► revoked ──approve──► approved
       │                    ▲  (the app declares more: "for review"; grants keep the old scope
       └──reject──► rejected┘   until an admin approves again)

"Decide later" leaves a request pending. Approving writes grants (hub/access/grants.py) with the
required fields plus the optional ones the admin ticked; the policy enforces them and the grant
options. Every decision is audited in the same transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from hub.access import audit
from hub.access.apps import ACTIONS, SUPPORTED_ACTIONS, DataTypeRequest, get_profile
from hub.access.grants import GrantOptions as GrantOptions  # re-exported: the admin API's body
from hub.access.grants import grant, revoke
from hub.canonical.catalogue import DATA_TYPES
from hub.store import CANONICAL_TABLES
from hub.store.admin_models import ACCESS_REQUESTS
from hub.store.columns import new_id, utcnow
from hub.store.models import GRANTS

_ORGS = CANONICAL_TABLES["organisation"]


class Status(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


class RequestError(ValueError):
    """A request or decision that cannot be made as asked (HTTP 400/409 at the API)."""


@dataclass(frozen=True)
class AccessRequestRecord:
    id: str
    app_id: str
    source_id: str
    organisation_id: str
    school_ids: tuple[str, ...]
    status: Status
    approved_fields: dict[str, list[str]] | None
    approved_school_ids: tuple[str, ...] | None
    options: GrantOptions
    approved_version: int | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    note: str | None


@dataclass(frozen=True)
class FieldRow:
    name: str
    description: str
    sensitive: bool
    required: bool
    granted: bool


@dataclass(frozen=True)
class PermissionRow:
    """One data type in the permissions table a school admin decides on."""

    data_type: str
    description: str
    reason: str
    fields: tuple[FieldRow, ...]
    actions: dict[str, bool]  # action → requested and allowed (✓) or not (✗)


def request_access(
    conn: Connection, app_id: str, source_id: str, organisation_id: str
) -> AccessRequestRecord:
    """Ask a school, or a trust/district for all its schools in this source. Asking again while a
    request is open returns that request."""
    if not get_profile(conn, app_id).declaration:
        raise RequestError("declare which data the app needs before requesting access")
    org = conn.execute(
        select(_ORGS.c.id, _ORGS.c.kind).where(
            _ORGS.c.id == organisation_id, _ORGS.c.source_id == source_id, _ORGS.c.deleted_at.is_(None)
        )
    ).first()
    if org is None:
        raise RequestError(f"no organisation {organisation_id} in source {source_id}")
    if org.kind == "school":
        schools = [org.id]
    elif org.kind in ("trust", "district"):
        schools = sorted(
            r.id
            for r in conn.execute(
                select(_ORGS.c.id).where(
                    _ORGS.c.parent_id == org.id, _ORGS.c.kind == "school", _ORGS.c.deleted_at.is_(None)
                )
            )
        )
        if not schools:
            raise RequestError(f"{org.kind} {organisation_id} has no schools in this source")
    else:
        raise RequestError(f"requests go to a school, trust or district, not a {org.kind}")
    existing = conn.execute(
        select(ACCESS_REQUESTS).where(
            ACCESS_REQUESTS.c.app_id == app_id,
            ACCESS_REQUESTS.c.source_id == source_id,
            ACCESS_REQUESTS.c.organisation_id == organisation_id,
            ACCESS_REQUESTS.c.status.in_([Status.PENDING, Status.APPROVED]),
        )
    ).first()
    if existing is not None:
        return _record(existing._asdict())
    values: dict[str, Any] = {
        "id": new_id(),
        "app_id": app_id,
        "source_id": source_id,
        "organisation_id": organisation_id,
        "school_ids": schools,
        "status": Status.PENDING.value,
        "options": {},
        "created_at": utcnow(),
    }
    conn.execute(ACCESS_REQUESTS.insert().values(values))
    audit.record(
        conn, f"app:{app_id}", "request.created", app_id=app_id, source_id=source_id, school_ids=schools
    )
    return get_request(conn, values["id"])


def get_request(conn: Connection, request_id: str) -> AccessRequestRecord:
    row = conn.execute(select(ACCESS_REQUESTS).where(ACCESS_REQUESTS.c.id == request_id)).first()
    if row is None:
        raise LookupError(f"no access request {request_id}")
    return _record(row._asdict())


def list_requests(
    conn: Connection, *, status: Status | None = None, app_id: str | None = None
) -> list[AccessRequestRecord]:
    """Newest first; callers filter to what the viewer administers (users.may_act_on)."""
    query = select(ACCESS_REQUESTS).order_by(ACCESS_REQUESTS.c.created_at.desc())
    if status is not None:
        query = query.where(ACCESS_REQUESTS.c.status == status.value)
    if app_id is not None:
        query = query.where(ACCESS_REQUESTS.c.app_id == app_id)
    return [_record(r._asdict()) for r in conn.execute(query)]


def needs_review(conn: Connection, req: AccessRequestRecord) -> bool:
    """An approved request whose app has since changed what it declares."""
    if req.status is not Status.APPROVED or req.approved_version is None:
        return False
    return get_profile(conn, req.app_id).declaration_version > req.approved_version


def approve(
    conn: Connection,
    request_id: str,
    actor: str,
    *,
    optional_fields: dict[str, list[str]] | None = None,
    school_ids: list[str] | None = None,
    options: GrantOptions | None = None,
) -> AccessRequestRecord:
    """Grant the declared required fields plus the ticked optional ones, at the chosen schools
    (default: all the request covers). Re-approving replaces the scope; schools dropped from an
    earlier approval lose their grants."""
    req = get_request(conn, request_id)
    profile = get_profile(conn, req.app_id)
    fields = granted_fields(profile.declaration, optional_fields or {})
    schools = list(dict.fromkeys(school_ids)) if school_ids else list(req.school_ids)
    outside = [s for s in schools if s not in req.school_ids]
    if outside:
        raise RequestError(f"not covered by this request: {', '.join(outside)}")
    opts = options or req.options
    grant(conn, req.app_id, req.source_id, schools, list(fields), options=opts, fields=fields)
    dropped = [s for s in (req.approved_school_ids or ()) if s not in schools]
    if dropped and req.status is Status.APPROVED:
        revoke(conn, req.app_id, req.source_id, dropped)
    now = utcnow()
    _update(
        conn,
        request_id,
        status=Status.APPROVED.value,
        approved_fields=fields,
        approved_school_ids=schools,
        options=opts.stored(),
        approved_version=profile.declaration_version,
        decided_at=now,
        decided_by=actor,
    )
    audit.record(
        conn,
        actor,
        "request.approved",
        app_id=req.app_id,
        source_id=req.source_id,
        school_ids=schools,
        detail={
            "request_id": request_id,
            "fields": fields,
            "options": opts.stored(),
            "declaration_version": profile.declaration_version,
            "previous_status": req.status.value,
        },
        at=now,
    )
    return get_request(conn, request_id)


def reject(conn: Connection, request_id: str, actor: str, note: str | None = None) -> AccessRequestRecord:
    req = get_request(conn, request_id)
    if req.status is not Status.PENDING:
        raise RequestError(
            f"only pending requests can be rejected; this one is {req.status.value} (revoke it)"
        )
    _update(conn, request_id, status=Status.REJECTED.value, decided_at=utcnow(), decided_by=actor, note=note)
    _audit(conn, actor, "request.rejected", req, {"note": note})
    return get_request(conn, request_id)


def defer(conn: Connection, request_id: str, actor: str) -> AccessRequestRecord:
    """ "Decide later": nothing changes, but the look is on record."""
    req = get_request(conn, request_id)
    _audit(conn, actor, "request.deferred", req, {})
    return req


def revoke_request(conn: Connection, request_id: str, actor: str) -> AccessRequestRecord:
    """Withdraw an approval; the grants end now, so the app's next request sees nothing here."""
    req = get_request(conn, request_id)
    if req.status is not Status.APPROVED:
        raise RequestError(f"only approved requests can be revoked; this one is {req.status.value}")
    count = revoke(conn, req.app_id, req.source_id, list(req.approved_school_ids or req.school_ids))
    _update(conn, request_id, status=Status.REVOKED.value, decided_at=utcnow(), decided_by=actor)
    _audit(conn, actor, "request.revoked", req, {"grants_revoked": count})
    return get_request(conn, request_id)


def set_options(conn: Connection, request_id: str, actor: str, options: GrantOptions) -> AccessRequestRecord:
    """Change the grant options of an approved request without re-deciding its fields."""
    req = get_request(conn, request_id)
    _update(conn, request_id, options=options.stored())
    if req.status is Status.APPROVED:
        conn.execute(
            update(GRANTS)
            .where(
                GRANTS.c.app_id == req.app_id,
                GRANTS.c.source_id == req.source_id,
                GRANTS.c.school_id.in_(list(req.approved_school_ids or ())),
                GRANTS.c.revoked_at.is_(None),
            )
            .values(options=options.stored())
        )
    _audit(conn, actor, "request.options_changed", req, {"options": options.stored()})
    return get_request(conn, request_id)


def granted_fields(
    declaration: dict[str, DataTypeRequest], optional_fields: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Required fields plus the ticked optional ones, per declared data type, catalogue order."""
    undeclared = [dt for dt in optional_fields if dt not in declaration]
    if undeclared:
        raise RequestError(f"not requested: {', '.join(undeclared)}")
    fields: dict[str, list[str]] = {}
    for data_type, wanted in declaration.items():
        ticked = set(optional_fields.get(data_type, ()))
        extra = ticked - set(wanted.optional)
        if extra:
            raise RequestError(
                f"{data_type}: not optional fields of this request: {', '.join(sorted(extra))}"
            )
        chosen = set(wanted.required) | ticked
        fields[data_type] = [f for f in DATA_TYPES[data_type].entity.field_names if f in chosen]
    return fields


def permissions(
    declaration: dict[str, DataTypeRequest], approved_fields: dict[str, list[str]] | None
) -> list[PermissionRow]:
    """The table a school decides on: data type x fields x actions, sensitive fields marked.

    `granted` shows the current approval, so optional fields start off on a new request."""
    rows = []
    for data_type, wanted in declaration.items():
        entity = DATA_TYPES[data_type].entity
        approved = set((approved_fields or {}).get(data_type, ()))
        requested = set(wanted.required) | set(wanted.optional)
        fields = tuple(
            FieldRow(
                name=f.name,
                description=f.description,
                sensitive=f.sensitive,
                required=f.name in wanted.required,
                granted=f.name in wanted.required or f.name in approved,
            )
            for f in entity.fields
            if f.name in requested
        )
        rows.append(
            PermissionRow(
                data_type=data_type,
                description=DATA_TYPES[data_type].description,
                reason=wanted.reason,
                fields=fields,
                actions={a: a in wanted.actions and a in SUPPORTED_ACTIONS for a in ACTIONS},
            )
        )
    return rows


def _update(conn: Connection, request_id: str, **values: Any) -> None:
    conn.execute(update(ACCESS_REQUESTS).where(ACCESS_REQUESTS.c.id == request_id).values(values))


def _audit(
    conn: Connection, actor: str, action: str, req: AccessRequestRecord, detail: dict[str, Any]
) -> None:
    audit.record(
        conn,
        actor,
        action,
        app_id=req.app_id,
        source_id=req.source_id,
        school_ids=req.school_ids,
        detail={"request_id": req.id, **detail},
    )


def _record(values: dict[str, Any]) -> AccessRequestRecord:
    approved_schools = values["approved_school_ids"]
    return AccessRequestRecord(
        id=values["id"],
        app_id=values["app_id"],
        source_id=values["source_id"],
        organisation_id=values["organisation_id"],
        school_ids=tuple(values["school_ids"] or ()),
        status=Status(values["status"]),
        approved_fields=values["approved_fields"],
        approved_school_ids=tuple(approved_schools) if approved_schools is not None else None,
        options=GrantOptions.from_stored(values["options"]),
        approved_version=values["approved_version"],
        created_at=values["created_at"],
        decided_at=values["decided_at"],
        decided_by=values["decided_by"],
        note=values["note"],
    )
