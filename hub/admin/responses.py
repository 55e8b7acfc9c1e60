"""The refusals admin API routes answer with, documented in the OpenAPI so clients can rely on
them (schemathesis holds every route to this list)."""

from __future__ import annotations

from typing import Any

from hub.admin.schemas import ErrorOut

Responses = dict[int | str, dict[str, Any]]

SIGNED_IN: Responses = {
    401: {"model": ErrorOut, "description": "Not signed in (or the session expired)."},
    403: {"model": ErrorOut, "description": "Wrong role, missing X-CSRF-Token, or app credentials sent."},
}
NOT_FOUND: Responses = {
    404: {"model": ErrorOut, "description": "No such record, or one outside the schools you administer."}
}
BAD_BODY: Responses = {400: {"model": ErrorOut, "description": "The body is not valid JSON."}}
CONFLICT: Responses = {
    **BAD_BODY,
    409: {"model": ErrorOut, "description": "The change cannot be made in the record's current state."},
}
THROTTLED: Responses = {
    429: {"model": ErrorOut, "description": "Too many failed sign-ins from this address."}
}
