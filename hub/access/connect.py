"""Connect by link: a vendor sends a school a link; its admin signs in, sees what the app asks
for, and approves or declines in one step. The app is sent back to a redirect URI it registered,
with its `state` and either a one-time code or `error=access_denied` (OAuth 2's authorization-code
shape, RFC 6749 §4.1), and exchanges the code at /oauth/token to learn which schools connected.

    link ──check_link──► consent page ──approve──► request_access + requests.approve ──► code
                              └──────decline──► audit only ──► error=access_denied

Approval goes through hub/access/requests.py, so grants, receipts and the audit log are the same
as for a request decided in the admin pages. Every refusal before the redirect URI is known to be
registered is a page, never a redirect: that is what keeps the link from being an open redirect.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Connection, select, update

from hub.access import audit
from hub.access import requests as access_requests
from hub.access.apps import AppRecord, find_app, get_profile, is_registered_redirect_uri
from hub.access.requests import PermissionRow, Status
from hub.access.users import AdminUserRecord, Role
from hub.store import CANONICAL_TABLES
from hub.store.admin_models import ACCESS_REQUESTS
from hub.store.connect_models import CONNECT_CODES
from hub.store.models import SOURCES

_ORGS = CANONICAL_TABLES["organisation"]
# Long enough to finish a redirect and a server-side exchange, short enough that a leaked code
# (browser history, logs) is useless: RFC 6749 §4.1.2 recommends at most 10 minutes.
CODE_TTL = timedelta(minutes=10)
MAX_STATE_LENGTH = 500


class ConnectError(Exception):
    """A link that cannot go ahead. `reason` picks the explanation page; nothing redirects."""

    reason = "invalid_link"
    title = "This connect link cannot be used"


class InvalidClientError(ConnectError):
    reason, title = "invalid_client", "Unknown app"


class InvalidRedirectError(ConnectError):
    reason, title = "invalid_redirect_uri", "This link does not go back to a registered address"


class MissingStateError(ConnectError):
    reason, title = "missing_state", "This link is incomplete"


class AppNotLiveError(ConnectError):
    reason, title = "app_not_live", "This app is not live yet"


class NotPermittedError(ConnectError):
    reason, title = "not_permitted", "Your account cannot connect apps"


class UnknownSchoolError(ConnectError):
    reason, title = "unknown_school", "You do not administer this school"


class AlreadyConnectedError(ConnectError):
    reason, title = "already_connected", "Already connected"


class ChoiceError(ConnectError):
    """The admin's choice on the consent form cannot be applied (shown on the form again)."""

    reason, title = "bad_choice", "Check your choice"


@dataclass(frozen=True)
class ConnectLink:
    """A checked link: a live app, one of its registered redirect URIs, and the app's state."""

    app: AppRecord
    redirect_uri: str
    state: str
    school: str | None

    def query(self) -> dict[str, str]:
        params = {"client_id": self.app.client_id, "redirect_uri": self.redirect_uri, "state": self.state}
        return {**params, **({"school": self.school} if self.school else {})}


@dataclass(frozen=True)
class SchoolChoice:
    id: str
    name: str
    connected: bool


@dataclass(frozen=True)
class Target:
    """One access request the consent approves: a school, or a trust's schools, in one source."""

    source_id: str
    source_name: str
    organisation_id: str
    organisation_name: str
    organisation_kind: str
    schools: tuple[SchoolChoice, ...]


@dataclass(frozen=True)
class Consent:
    """What the consent page shows."""

    link: ConnectLink
    permissions: list[PermissionRow]
    targets: list[Target]


@dataclass(frozen=True)
class CodeRecord:
    code_hash: str
    app_id: str
    redirect_uri: str
    admin_user_id: str
    school_ids: tuple[str, ...]
    request_ids: tuple[str, ...]
    expires_at: datetime


def check_link(
    conn: Connection, client_id: str | None, redirect_uri: str | None, state: str | None, school: str | None
) -> ConnectLink:
    """The link's app and redirect URI, checked in the order that keeps redirects safe: until the
    client and its exact redirect URI check out there is nowhere we may send anyone."""
    app = find_app(conn, client_id) if client_id else None
    if app is None or app.client_id != client_id or not app.enabled:
        raise InvalidClientError("No app has this client id, or it has been disabled.")
    if not redirect_uri or not is_registered_redirect_uri(conn, app.id, redirect_uri):
        raise InvalidRedirectError(f"{app.name} has not registered the address this link would return to.")
    if not state or len(state) > MAX_STATE_LENGTH:
        # The app's CSRF protection for its callback (RFC 6749 §10.12); without it, no redirect.
        raise MissingStateError(f"The link from {app.name} has no state parameter.")
    if not get_profile(conn, app.id).details.live:
        raise AppNotLiveError(f"{app.name} is still in development and cannot be connected yet.")
    return ConnectLink(app=app, redirect_uri=redirect_uri, state=state, school=school or None)


def consent(conn: Connection, link: ConnectLink, user: AdminUserRecord) -> Consent:
    """The permissions table and the admin's schools; raises if there is nothing left to connect."""
    found = targets(conn, link, user)
    if all(s.connected for t in found for s in t.schools):
        raise AlreadyConnectedError(f"{link.app.name} is already connected to your schools.")
    declaration = get_profile(conn, link.app.id).declaration
    # Optional fields start off: a consent by link is a new decision, even if a trust-wide
    # request for some other schools was approved with more.
    return Consent(link=link, permissions=access_requests.permissions(declaration, None), targets=found)


def targets(conn: Connection, link: ConnectLink, user: AdminUserRecord) -> list[Target]:
    """The schools (per source) this admin may connect, marking those already connected."""
    if user.role is Role.OPERATOR:
        # Hub operators run the hub; connecting an app is a school's decision about its data.
        raise NotPermittedError("Connecting an app needs a school or trust admin account.")
    orgs = conn.execute(
        select(_ORGS.c.id, _ORGS.c.name, _ORGS.c.kind, _ORGS.c.source_id).where(
            _ORGS.c.id.in_(list(user.organisation_ids)), _ORGS.c.deleted_at.is_(None)
        )
    ).all()
    found: list[Target] = []
    for org in sorted(orgs, key=lambda o: (o.name or "", o.id)):
        schools = _schools_of(conn, org.id, org.kind)
        if link.school:
            schools = [s for s in schools if link.school in (s.id, s.source_record_id)]
        if not schools:
            continue
        connected = _connected(conn, link.app.id, org.source_id)
        found.append(
            Target(
                source_id=org.source_id,
                source_name=_source_name(conn, org.source_id),
                organisation_id=org.id,
                organisation_name=org.name or org.id,
                organisation_kind=org.kind,
                schools=tuple(SchoolChoice(s.id, s.name or s.id, s.id in connected) for s in schools),
            )
        )
    if not found:
        if link.school:
            raise UnknownSchoolError(f"The link names a school ({link.school}) you do not administer.")
        raise NotPermittedError("Your account administers no schools.")
    return found


def approve(
    conn: Connection,
    link: ConnectLink,
    user: AdminUserRecord,
    *,
    school_ids: list[str],
    optional_fields: dict[str, list[str]],
    now: datetime,
) -> str:
    """Create and approve the access requests for the chosen schools; returns the one-time code."""
    chosen = set(school_ids)
    open_schools = {s.id for t in targets(conn, link, user) for s in t.schools if not s.connected}
    if not chosen or not chosen <= open_schools:
        raise ChoiceError("Choose at least one of your schools that is not connected yet.")
    connected: list[str] = []
    request_ids: list[str] = []
    for target in targets(conn, link, user):
        picked = [s.id for s in target.schools if s.id in chosen]
        if not picked:
            continue
        req = access_requests.request_access(conn, link.app.id, target.source_id, target.organisation_id)
        # Re-approving replaces a request's schools, so keep the ones approved before.
        kept = list(req.approved_school_ids or ()) if req.status is Status.APPROVED else []
        access_requests.approve(
            conn, req.id, user.email, optional_fields=optional_fields, school_ids=[*kept, *picked]
        )
        connected += picked
        request_ids.append(req.id)
    audit.record(
        conn,
        user.email,
        "connect.approved",
        app_id=link.app.id,
        school_ids=connected,
        detail={"redirect_uri": link.redirect_uri, "request_ids": request_ids},
        at=now,
    )
    return _issue_code(conn, link, user.id, connected, request_ids, now)


def decline(conn: Connection, link: ConnectLink, user: AdminUserRecord) -> None:
    """Nothing is granted and no request is filed; the refusal is on record for the admin's schools."""
    schools = [s.id for t in targets(conn, link, user) for s in t.schools]
    audit.record(
        conn,
        user.email,
        "connect.declined",
        app_id=link.app.id,
        school_ids=schools,
        detail={"redirect_uri": link.redirect_uri},
    )


def outcome_url(redirect_uri: str, **params: str) -> str:
    """The registered URI with the outcome appended to any query it already has."""
    parts = urlsplit(redirect_uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- codes ------------------------------------------------------------------------------------


def hash_code(code: str) -> str:
    # 256 random bits: a fast hash suffices, nothing to brute-force; only the hash is stored.
    return hashlib.sha256(code.encode()).hexdigest()


def find_code(conn: Connection, app_id: str, code: str, now: datetime) -> CodeRecord | None:
    """The unused, unexpired code issued to this app, or None (all answered invalid_grant)."""
    row = conn.execute(
        select(CONNECT_CODES).where(
            CONNECT_CODES.c.code_hash == hash_code(code),
            CONNECT_CODES.c.app_id == app_id,
            CONNECT_CODES.c.used_at.is_(None),
            CONNECT_CODES.c.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    return CodeRecord(
        code_hash=row.code_hash,
        app_id=row.app_id,
        redirect_uri=row.redirect_uri,
        admin_user_id=row.admin_user_id,
        school_ids=tuple(row.school_ids or ()),
        request_ids=tuple(row.request_ids or ()),
        expires_at=row.expires_at,
    )


def use_code(conn: Connection, code_hash: str, now: datetime) -> bool:
    """Mark the code used; False if another exchange got there first (the UPDATE is the lock)."""
    result = conn.execute(
        update(CONNECT_CODES)
        .where(CONNECT_CODES.c.code_hash == code_hash, CONNECT_CODES.c.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


def connected_schools(conn: Connection, school_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """What the code exchange confirms: each connected school with its source."""
    rows = conn.execute(
        select(
            _ORGS.c.id,
            _ORGS.c.name,
            _ORGS.c.source_record_id,
            SOURCES.c.id.label("source_id"),
            SOURCES.c.name.label("source_name"),
        )
        .join(SOURCES, SOURCES.c.id == _ORGS.c.source_id)
        .where(_ORGS.c.id.in_(list(school_ids)))
    ).all()
    by_id = {r.id: r for r in rows}
    return [
        {
            "id": i,
            "name": by_id[i].name,
            "source_record_id": by_id[i].source_record_id,
            "source": {"id": by_id[i].source_id, "name": by_id[i].source_name},
        }
        for i in school_ids
        if i in by_id
    ]


def _issue_code(
    conn: Connection,
    link: ConnectLink,
    user_id: str,
    school_ids: list[str],
    request_ids: list[str],
    now: datetime,
) -> str:
    code = secrets.token_urlsafe(32)
    conn.execute(
        CONNECT_CODES.insert().values(
            code_hash=hash_code(code),
            app_id=link.app.id,
            redirect_uri=link.redirect_uri,
            admin_user_id=user_id,
            school_ids=school_ids,
            request_ids=request_ids,
            created_at=now,
            expires_at=now + CODE_TTL,
            used_at=None,
        )
    )
    return code


def _schools_of(conn: Connection, org_id: str, kind: str) -> list[Any]:
    cols = (_ORGS.c.id, _ORGS.c.name, _ORGS.c.source_record_id)
    live = _ORGS.c.deleted_at.is_(None)
    if kind == "school":
        return list(conn.execute(select(*cols).where(_ORGS.c.id == org_id, live)))
    rows = conn.execute(select(*cols).where(_ORGS.c.parent_id == org_id, _ORGS.c.kind == "school", live))
    return sorted(rows, key=lambda r: (r.name or "", r.id))


def _connected(conn: Connection, app_id: str, source_id: str) -> set[str]:
    """Schools with a current approval for this app in this source, whoever approved it (the
    school itself, or its trust for all its schools)."""
    ids = conn.execute(
        select(ACCESS_REQUESTS.c.id).where(
            ACCESS_REQUESTS.c.app_id == app_id,
            ACCESS_REQUESTS.c.source_id == source_id,
            ACCESS_REQUESTS.c.status == Status.APPROVED.value,
        )
    ).scalars()
    connected: set[str] = set()
    for request_id in ids:
        req = access_requests.get_request(conn, request_id)
        # An app that since declared more needs a fresh decision: not "connected" for that.
        if not access_requests.needs_review(conn, req):
            connected.update(req.approved_school_ids or ())
    return connected


def _source_name(conn: Connection, source_id: str) -> str:
    name = conn.execute(select(SOURCES.c.name).where(SOURCES.c.id == source_id)).scalar()
    return str(name) if name is not None else source_id
