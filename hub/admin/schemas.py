"""Shapes of the JSON admin API (and the data the HTML pages render)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, RootModel

from hub.access.apps import AppDetails, DataTypeRequest
from hub.access.requests import GrantOptions


class ErrorOut(BaseModel):
    """Every refusal: what went wrong, in words an admin can act on."""

    detail: str


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: str
    organisation_ids: list[str]
    disabled: bool = False


class LoginOut(BaseModel):
    csrf_token: str
    user: UserOut


class UserIn(BaseModel):
    email: str = Field(max_length=320)
    name: str = Field(default="", max_length=200)
    password: str = Field(min_length=10, max_length=1000)
    role: str = Field(pattern="^(operator|trust_admin|school_admin)$")
    organisation_ids: list[str] = Field(default_factory=list)


class OrgRef(BaseModel):
    id: str
    name: str
    kind: str


class AppOut(BaseModel):
    id: str
    name: str
    client_id: str
    enabled: bool
    details: AppDetails
    declaration: dict[str, DataTypeRequest]
    declaration_version: int


class AppCreated(AppOut):
    client_secret: str = Field(description="Shown once; the hub keeps only a hash.")


class AppIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    details: AppDetails = Field(default_factory=AppDetails)
    declaration: dict[str, DataTypeRequest] = Field(default_factory=dict)


class RotatedSecret(BaseModel):
    client_secret: str
    old_secret_valid_until: datetime


class RotateIn(BaseModel):
    grace_hours: float = Field(default=24, ge=0, le=24 * 30)


class AccessRequestIn(BaseModel):
    source_id: str
    organisation_id: str


class FieldOut(BaseModel):
    name: str
    description: str
    sensitive: bool
    required: bool
    granted: bool


class PermissionOut(BaseModel):
    data_type: str
    description: str
    reason: str
    fields: list[FieldOut]
    actions: dict[str, bool]


class RequestSummary(BaseModel):
    id: str
    app_id: str
    app_name: str
    source_id: str
    source_name: str
    organisation: OrgRef
    schools: list[OrgRef]
    status: str
    needs_review: bool
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None


class RequestDetail(RequestSummary):
    app: AppOut
    permissions: list[PermissionOut]
    options: GrantOptions
    approved_fields: dict[str, list[str]] | None
    approved_school_ids: list[str] | None
    note: str | None


class ApproveIn(BaseModel):
    optional_fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Per data type, the optional fields to grant; others stay off."
    )
    school_ids: list[str] | None = Field(default=None, description="A subset of the request's schools.")
    options: GrantOptions | None = None


class RejectIn(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class Receipt(BaseModel):
    """Who approved which scope, when: what a school keeps as proof of its decision."""

    request_id: str
    app_name: str
    client_id: str
    source_name: str
    schools: list[OrgRef]
    fields: dict[str, list[str]]
    options: GrantOptions
    declaration_version: int | None
    approved_by: str
    approved_at: datetime


class SourceOut(BaseModel):
    id: str
    name: str
    adapter: str
    last_sync_at: datetime | None
    last_sync_status: str | None


class RunOut(BaseModel):
    id: str
    mode: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    totals: dict[str, int]
    error: str | None
    quarantined: int


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    app_id: str | None
    source_id: str | None
    school_ids: list[str]
    detail: dict[str, Any]


class AppDetailsIn(AppDetails):
    pass


class DeclarationIn(RootModel[dict[str, DataTypeRequest]]):
    """Per data type: required and optional catalogue fields, the reason, and actions (read)."""
