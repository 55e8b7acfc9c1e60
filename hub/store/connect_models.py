"""Tables behind "connect by link": the redirect URIs an app registered, and the one-time codes
the connect page hands back to them.

A table of URIs (not a column on app_profiles) so each URI is one exact string compared as a
whole, never a pattern, and adding one is an insert rather than a JSON rewrite.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.columns import utcnow
from hub.store.models import Base


class AppRedirectUri(Base):
    """A URI the connect page may send an admin back to, registered exactly by the vendor."""

    __tablename__ = "app_redirect_uris"

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    uri: Mapped[str] = mapped_column(String(2000), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConnectCode(Base):
    """An authorization code from an approved connection: only its hash is kept, it is good for
    one exchange at /oauth/token, and only until `expires_at`."""

    __tablename__ = "connect_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    admin_user_id: Mapped[str] = mapped_column(String(36))
    # Hub ids of the schools connected, and the access requests approved, by this consent.
    school_ids: Mapped[list[str]] = mapped_column(default=list)
    request_ids: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


APP_REDIRECT_URIS = cast(Table, AppRedirectUri.__table__)
CONNECT_CODES = cast(Table, ConnectCode.__table__)
