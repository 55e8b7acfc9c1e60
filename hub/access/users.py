"""Admin users: who may sign in to the admin UI, in which role, for which schools.

Roles:
- operator: runs the hub; sees and decides everything, manages apps and credentials.
- trust_admin: administers a trust or district organisation and every school under it.
- school_admin: administers one or more schools.

A user's organisations are hub ids of organisation records. Schools are per source in the
store, so a school fed by two sources has two records and an admin is given both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from hub.store import CANONICAL_TABLES
from hub.store.admin_models import ADMIN_USERS
from hub.store.columns import new_id, utcnow

_ORGS = CANONICAL_TABLES["organisation"]
_HASHER = PasswordHasher()
# Checked against when the e-mail is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a real password")

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


class Role(enum.StrEnum):
    OPERATOR = "operator"
    TRUST_ADMIN = "trust_admin"
    SCHOOL_ADMIN = "school_admin"


class UserError(ValueError):
    """A user that cannot be created as asked."""


class LoginError(Exception):
    """Wrong e-mail or password, or a locked account. One message for all: no account probing."""

    def __init__(self, locked: bool = False) -> None:
        super().__init__(
            "too many failed sign-ins; try again later" if locked else "wrong e-mail or password"
        )
        self.locked = locked


@dataclass(frozen=True)
class AdminUserRecord:
    id: str
    email: str
    name: str
    role: Role
    organisation_ids: tuple[str, ...]
    disabled_at: datetime | None

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR


def create_user(
    conn: Connection,
    email: str,
    password: str,
    role: Role | str,
    organisation_ids: list[str] | None = None,
    name: str = "",
) -> AdminUserRecord:
    """Create an admin; trust and school admins must name organisations of the matching kind."""
    email = email.strip().lower()
    role = Role(role)
    orgs = list(dict.fromkeys(organisation_ids or []))
    if "@" not in email:
        raise UserError("an admin needs an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if role is Role.OPERATOR and orgs:
        raise UserError("hub operators see every organisation; give them none")
    if role is not Role.OPERATOR:
        _check_organisations(conn, role, orgs)
    values: dict[str, Any] = {
        "id": new_id(),
        "email": email,
        "name": name.strip(),
        "password_hash": _HASHER.hash(password),
        "role": role.value,
        "organisation_ids": orgs,
        "failed_logins": 0,
        "locked_until": None,
        "created_at": utcnow(),
        "disabled_at": None,
    }
    try:
        with conn.begin_nested():
            conn.execute(ADMIN_USERS.insert().values(values))
    except IntegrityError as exc:
        raise UserError(f"an admin with e-mail {email} already exists") from exc
    return _record(values)


def authenticate(conn: Connection, email: str, password: str, now: datetime | None = None) -> AdminUserRecord:
    """The user with these credentials; counts failures and locks the account after too many."""
    now = now or utcnow()
    row = conn.execute(select(ADMIN_USERS).where(ADMIN_USERS.c.email == email.strip().lower())).first()
    if row is None or row.disabled_at is not None:
        _verify(_DUMMY_HASH, password)
        raise LoginError()
    if row.locked_until is not None and row.locked_until > now:
        raise LoginError(locked=True)
    if not _verify(row.password_hash, password):
        failures = row.failed_logins + 1
        locked_until = now + LOCKOUT if failures >= MAX_FAILED_LOGINS else None
        conn.execute(
            update(ADMIN_USERS)
            .where(ADMIN_USERS.c.id == row.id)
            .values(failed_logins=0 if locked_until else failures, locked_until=locked_until)
        )
        raise LoginError(locked=locked_until is not None)
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    if _HASHER.check_needs_rehash(row.password_hash):
        values["password_hash"] = _HASHER.hash(password)
    conn.execute(update(ADMIN_USERS).where(ADMIN_USERS.c.id == row.id).values(values))
    return _record(row._asdict())


def set_password(conn: Connection, user_id: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    conn.execute(
        update(ADMIN_USERS)
        .where(ADMIN_USERS.c.id == user_id)
        .values(password_hash=_HASHER.hash(password), failed_logins=0, locked_until=None)
    )


def disable_user(conn: Connection, user_id: str) -> None:
    """Stops the account at once: sessions reload the user on every request."""
    conn.execute(update(ADMIN_USERS).where(ADMIN_USERS.c.id == user_id).values(disabled_at=utcnow()))


def enable_user(conn: Connection, user_id: str) -> None:
    """Undo disable_user; failed-login counts start afresh."""
    conn.execute(
        update(ADMIN_USERS)
        .where(ADMIN_USERS.c.id == user_id)
        .values(disabled_at=None, failed_logins=0, locked_until=None)
    )


def get_user(conn: Connection, user_id: str) -> AdminUserRecord | None:
    row = conn.execute(select(ADMIN_USERS).where(ADMIN_USERS.c.id == user_id)).first()
    return _record(row._asdict()) if row else None


def find_user(conn: Connection, email: str) -> AdminUserRecord | None:
    row = conn.execute(select(ADMIN_USERS).where(ADMIN_USERS.c.email == email.strip().lower())).first()
    return _record(row._asdict()) if row else None


def list_users(conn: Connection) -> list[AdminUserRecord]:
    return [_record(r._asdict()) for r in conn.execute(select(ADMIN_USERS).order_by(ADMIN_USERS.c.email))]


def school_scope(conn: Connection, user: AdminUserRecord) -> frozenset[str] | None:
    """Hub ids of the schools this user administers; None means every school (operators)."""
    if user.is_operator:
        return None
    if user.role is Role.SCHOOL_ADMIN:
        return frozenset(user.organisation_ids)
    rows = conn.execute(
        select(_ORGS.c.id).where(
            _ORGS.c.parent_id.in_(user.organisation_ids),
            _ORGS.c.kind == "school",
            _ORGS.c.deleted_at.is_(None),
        )
    )
    return frozenset(r.id for r in rows)


def may_act_on(scope: frozenset[str] | None, school_ids: list[str] | tuple[str, ...]) -> bool:
    """Whether a user with this scope may see or decide for ALL these schools.

    All, not any: a request covering schools X and Y is for whoever administers both (their
    trust), never for X's admin alone, who would otherwise learn about or decide for Y.
    """
    return scope is None or (bool(school_ids) and set(school_ids) <= scope)


def _check_organisations(conn: Connection, role: Role, orgs: list[str]) -> None:
    if not orgs:
        raise UserError(f"a {role.value} needs at least one organisation")
    kinds = {r.id: r.kind for r in conn.execute(select(_ORGS.c.id, _ORGS.c.kind).where(_ORGS.c.id.in_(orgs)))}
    allowed = {"school"} if role is Role.SCHOOL_ADMIN else {"trust", "district"}
    bad = [o for o in orgs if kinds.get(o) not in allowed]
    if bad:
        raise UserError(f"not {' or '.join(sorted(allowed))} organisations: {', '.join(bad)}")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _record(values: dict[str, Any]) -> AdminUserRecord:
    return AdminUserRecord(
        id=values["id"],
        email=values["email"],
        name=values["name"],
        role=Role(values["role"]),
        organisation_ids=tuple(values["organisation_ids"] or ()),
        disabled_at=values["disabled_at"],
    )
