"""Read models for the admin UI and API, always cut to what the viewer administers.

A request, event or source outside the viewer's schools is reported as not found, so an admin
of one school cannot even learn that another school's request exists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, select

from hub.access import requests as access_requests
from hub.access.apps import AppRecord, get_app, get_profile, list_apps
from hub.access.requests import AccessRequestRecord, Status
from hub.admin.schemas import (
    AppOut,
    FieldOut,
    OrgRef,
    PermissionOut,
    RequestDetail,
    RequestSummary,
    RunOut,
    SourceOut,
)
from hub.admin.session import Viewer
from hub.store import CANONICAL_TABLES, runs
from hub.store.models import SOURCES, SYNC_RUNS

_ORGS = CANONICAL_TABLES["organisation"]


class NotFoundError(LookupError):
    """Missing, or outside the viewer's schools: the same answer for both."""


def visible_request(conn: Connection, viewer: Viewer, request_id: str) -> AccessRequestRecord:
    try:
        req = access_requests.get_request(conn, request_id)
    except LookupError:
        raise NotFoundError(request_id) from None
    if not viewer.may_act_on(req.school_ids):
        raise NotFoundError(request_id)
    return req


def request_summaries(conn: Connection, viewer: Viewer, status: Status | None) -> list[RequestSummary]:
    reqs = [r for r in access_requests.list_requests(conn, status=status) if viewer.may_act_on(r.school_ids)]
    return [_summary(conn, r) for r in reqs]


def request_detail(conn: Connection, viewer: Viewer, request_id: str) -> RequestDetail:
    req = visible_request(conn, viewer, request_id)
    profile = get_profile(conn, req.app_id)
    rows = access_requests.permissions(profile.declaration, req.approved_fields)
    return RequestDetail(
        **_summary(conn, req).model_dump(),
        app=app_out(conn, _app(conn, req.app_id)),
        permissions=[
            PermissionOut(
                data_type=r.data_type,
                description=r.description,
                reason=r.reason,
                fields=[FieldOut(**f.__dict__) for f in r.fields],
                actions=r.actions,
            )
            for r in rows
        ],
        options=req.options,
        approved_fields=req.approved_fields,
        approved_school_ids=list(req.approved_school_ids) if req.approved_school_ids is not None else None,
        note=req.note,
    )


def app_out(conn: Connection, app: AppRecord) -> AppOut:
    profile = get_profile(conn, app.id)
    return AppOut(
        id=app.id,
        name=app.name,
        client_id=app.client_id,
        enabled=app.enabled,
        details=profile.details,
        declaration=profile.declaration,
        declaration_version=profile.declaration_version,
    )


def visible_apps(conn: Connection, viewer: Viewer) -> list[AppOut]:
    """Operators see every app; others the apps that asked one of their schools."""
    apps = list_apps(conn)
    if viewer.scope is not None:
        asked = {r.app_id for r in access_requests.list_requests(conn) if viewer.may_act_on(r.school_ids)}
        apps = [a for a in apps if a.id in asked]
    return [app_out(conn, a) for a in apps]


def sources(conn: Connection, viewer: Viewer) -> list[SourceOut]:
    """Sources with their last sync; a school admin sees the sources holding their schools."""
    out = []
    for src in conn.execute(_visible_sources(select(SOURCES), viewer).order_by(SOURCES.c.name)):
        last = conn.execute(
            select(
                SYNC_RUNS.c.status, func.coalesce(SYNC_RUNS.c.finished_at, SYNC_RUNS.c.started_at).label("at")
            )
            .where(SYNC_RUNS.c.source_id == src.id)
            .order_by(SYNC_RUNS.c.started_at.desc())
            .limit(1)
        ).first()
        out.append(
            SourceOut(
                id=src.id,
                name=src.name,
                adapter=src.adapter,
                last_sync_at=last.at if last else None,
                last_sync_status=last.status if last else None,
            )
        )
    return out


def org_refs(conn: Connection, ids: list[str] | tuple[str, ...]) -> list[OrgRef]:
    rows = {
        r.id: r
        for r in conn.execute(select(_ORGS.c.id, _ORGS.c.name, _ORGS.c.kind).where(_ORGS.c.id.in_(list(ids))))
    }
    return [
        OrgRef(id=i, name=rows[i].name or i, kind=rows[i].kind or "")
        if i in rows
        else OrgRef(id=i, name=i, kind="")
        for i in ids
    ]


def source_name(conn: Connection, source_id: str) -> str:
    name = conn.execute(select(SOURCES.c.name).where(SOURCES.c.id == source_id)).scalar()
    return str(name) if name is not None else source_id


def _summary(conn: Connection, req: AccessRequestRecord) -> RequestSummary:
    return RequestSummary(
        id=req.id,
        app_id=req.app_id,
        app_name=_app(conn, req.app_id).name,
        source_id=req.source_id,
        source_name=source_name(conn, req.source_id),
        organisation=org_refs(conn, [req.organisation_id])[0],
        schools=org_refs(conn, req.school_ids),
        status=req.status.value,
        needs_review=access_requests.needs_review(conn, req),
        created_at=req.created_at,
        decided_at=req.decided_at,
        decided_by=req.decided_by,
    )


def _app(conn: Connection, app_id: str) -> AppRecord:
    app = get_app(conn, app_id)
    if app is None:
        raise NotFoundError(app_id)
    return app


def require_visible_source(conn: Connection, viewer: Viewer, source_id: str) -> None:
    """NotFoundError unless the viewer can see the source (the one rule sources() lists by)."""
    query = _visible_sources(select(SOURCES.c.id).where(SOURCES.c.id == source_id), viewer)
    if conn.execute(query).first() is None:
        raise NotFoundError(source_id)


def _visible_sources(query: Select[Any], viewer: Viewer) -> Select[Any]:
    """The query narrowed to sources holding at least one of the viewer's schools."""
    if viewer.scope is None:
        return query
    holding = select(_ORGS.c.source_id).where(_ORGS.c.id.in_(sorted(viewer.scope)))
    return query.where(SOURCES.c.id.in_(holding))


def source_runs(conn: Connection, viewer: Viewer, source_id: str, limit: int) -> list[RunOut]:
    """A visible source's sync history, newest first; 404 for a source the viewer cannot see."""
    require_visible_source(conn, viewer, source_id)
    return [
        RunOut(
            id=r.id,
            mode=r.mode,
            status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            totals=r.counts.get("totals", {}),
            error=r.error,
            quarantined=len(runs.quarantined_for_run(conn, r.id)),
        )
        for r in runs.list_runs(conn, source_id, limit)
    ]
