"""Access: apps, grants, OAuth 2 tokens and THE policy deciding which rows an app may read."""

from hub.access.apps import AppRecord, DuplicateAppError, find_app, list_apps, register_app, verify_client
from hub.access.grants import GrantError, GrantRecord, active_grants, grant, list_grants, revoke
from hub.access.policy import AccessPolicy, ScopeError
from hub.access.tokens import (
    ExpiredTokenError,
    IssuedToken,
    MalformedTokenError,
    MissingTokenError,
    TokenError,
    UnknownTokenError,
    authenticate_bearer,
    issue_token,
)

__all__ = [
    "AccessPolicy",
    "AppRecord",
    "DuplicateAppError",
    "ExpiredTokenError",
    "GrantError",
    "GrantRecord",
    "IssuedToken",
    "MalformedTokenError",
    "MissingTokenError",
    "ScopeError",
    "TokenError",
    "UnknownTokenError",
    "active_grants",
    "authenticate_bearer",
    "find_app",
    "grant",
    "issue_token",
    "list_apps",
    "list_grants",
    "register_app",
    "revoke",
    "verify_client",
]
