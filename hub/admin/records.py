"""Records a school keeps: approval receipts and "what data does this app use" exports."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Connection

from hub.access import audit
from hub.access.apps import get_app
from hub.access.grants import list_grants
from hub.access.requests import Status
from hub.admin.schemas import Receipt
from hub.admin.session import Viewer
from hub.admin.views import NotFoundError, org_refs, source_name, visible_request
from hub.canonical.catalogue import DATA_TYPES

CSV_COLUMNS = (
    "app",
    "client_id",
    "source",
    "school_id",
    "school",
    "data_type",
    "field",
    "sensitive",
    "granted_at",
    "access_count",
)


def receipt(conn: Connection, viewer: Viewer, request_id: str) -> Receipt:
    """The last approval of a request, as the audit log recorded it."""
    req = visible_request(conn, viewer, request_id)
    app = get_app(conn, req.app_id)
    if app is None:
        raise NotFoundError(req.app_id)
    approvals = [
        e
        for e in audit.list_events(conn, app_id=req.app_id, action_prefix="request.approved", limit=10_000)
        if e.detail.get("request_id") == req.id
    ]
    if req.status is not Status.APPROVED or not approvals:
        raise NotFoundError(f"request {request_id} is not approved")
    event = approvals[0]  # newest first
    return Receipt(
        request_id=req.id,
        app_name=app.name,
        client_id=app.client_id,
        source_name=source_name(conn, req.source_id),
        schools=org_refs(conn, event.school_ids),
        fields=event.detail.get("fields", {}),
        options=event.detail.get("options", {}),
        declaration_version=event.detail.get("declaration_version"),
        approved_by=event.actor,
        approved_at=event.at,
    )


def data_use_csv(conn: Connection, viewer: Viewer, app_id: str) -> str:
    """One row per source x school x data type x field the app may read now.

    access_count is how many of the app's API requests returned that school's records of that
    data type (a school record belongs to one source, so this is per source too); it is the same
    on every field row of the data type, as the request log does not break reads down by field.
    """
    app = get_app(conn, app_id)
    if app is None:
        raise NotFoundError(app_id)
    grants = [g for g in list_grants(conn, app_id) if viewer.may_act_on([g.school_id])]
    schools = {o.id: o.name for o in org_refs(conn, sorted({g.school_id for g in grants}))}
    names = {sid: source_name(conn, sid) for sid in {g.source_id for g in grants}}
    counts = audit.api_access_counts(conn, app_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for g in grants:
        masks = g.fields or {}
        for data_type in g.data_types:
            catalogue = DATA_TYPES[data_type]
            # No mask for a data type means every field (Grant.fields semantics).
            for name in masks.get(data_type, catalogue.field_names):
                writer.writerow(
                    (
                        app.name,
                        app.client_id,
                        names[g.source_id],
                        g.school_id,
                        schools.get(g.school_id, g.school_id),
                        data_type,
                        name,
                        "yes" if name in catalogue.sensitive_fields else "no",
                        g.created_at.isoformat(),
                        counts[g.school_id, data_type],
                    )
                )
    return out.getvalue()
