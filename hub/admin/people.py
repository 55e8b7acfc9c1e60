"""Managing admin accounts (hub operators only): create, disable, enable — each in the audit log.

Accounts are never deleted, so the audit log's actors stay meaningful; a disabled account
cannot sign in (password or single sign-on) and its open sessions stop at the next request.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.access import audit
from hub.access.users import AdminUserRecord, UserError, create_user, disable_user, enable_user, get_user
from hub.admin.schemas import OrgRef, UserIn
from hub.admin.session import Viewer
from hub.admin.views import NotFoundError
from hub.store import CANONICAL_TABLES

_ORGS = CANONICAL_TABLES["organisation"]
ADMIN_ORG_KINDS = ("district", "trust", "school")


def add_admin(conn: Connection, who: Viewer, body: UserIn) -> AdminUserRecord:
    user = create_user(conn, body.email, body.password, body.role, body.organisation_ids, body.name)
    audit.record(
        conn,
        who.actor,
        "user.created",
        detail={
            "user_id": user.id,
            "email": user.email,
            "role": user.role.value,
            "organisations": list(user.organisation_ids),
        },
    )
    return user


def set_enabled(conn: Connection, who: Viewer, user_id: str, enabled: bool) -> AdminUserRecord:
    user = get_user(conn, user_id)
    if user is None:
        raise NotFoundError(user_id)
    if user.id == who.user.id and not enabled:
        raise UserError("you cannot disable your own account; ask another hub operator")
    if enabled:
        enable_user(conn, user_id)
    else:
        disable_user(conn, user_id)
    audit.record(
        conn,
        who.actor,
        "user.enabled" if enabled else "user.disabled",
        detail={"user_id": user.id, "email": user.email},
    )
    found = get_user(conn, user_id)
    assert found is not None
    return found


def organisation_choices(conn: Connection) -> list[OrgRef]:
    """Organisations an admin can be given: trusts and districts (for trust admins) and schools."""
    rows = conn.execute(
        select(_ORGS.c.id, _ORGS.c.name, _ORGS.c.kind)
        .where(_ORGS.c.kind.in_(ADMIN_ORG_KINDS), _ORGS.c.deleted_at.is_(None))
        .order_by(_ORGS.c.kind, _ORGS.c.name)
    )
    return [OrgRef(id=r.id, name=r.name or r.id, kind=r.kind) for r in rows]
