"""Tables of the GraphQL API: the request audit log, the change feed's scope snapshots, and the
full responses of apps whose grants ask for them to be logged."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.columns import utcnow
from hub.store.models import Base


class ApiRequest(Base):
    """One GraphQL request: who asked, what it touched, what came back (never the data itself)."""

    __tablename__ = "api_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    operation: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int] = mapped_column(Integer)
    error_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    schools: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [school, data type] pairs whose records came back; null on rows logged before it existed.
    reads: Mapped[list[list[str]] | None] = mapped_column(JSON)
    # GraphQL type → the fields selected on it; GraphQL type → rows returned.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class FeedScope(Base):
    """What an app could see when a change-feed cursor was issued, keyed by a hash of it."""

    __tablename__ = "feed_scopes"

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiResponsePayload(Base):
    """A whole GraphQL response to an app, kept for troubleshooting when one of its grants sets
    `log_full_payloads`; the daily maintenance purges it after `payload_retention_days` (7)."""

    __tablename__ = "api_response_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    operation: Mapped[str | None] = mapped_column(String(200))
    request: Mapped[str] = mapped_column(Text)  # the query and variables, as sent
    body: Mapped[str] = mapped_column(Text)  # the response, as sent


API_REQUESTS = cast(Table, ApiRequest.__table__)
API_RESPONSE_PAYLOADS = cast(Table, ApiResponsePayload.__table__)
FEED_SCOPES = cast(Table, FeedScope.__table__)
