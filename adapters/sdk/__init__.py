"""The adapter SDK: what an adapter implements and the helpers it uses."""

from adapters.sdk.contract import (
    Capabilities,
    CheckResult,
    DeletionDetection,
    MappedPage,
    Page,
    Reject,
    SourceAdapter,
    Stream,
)
from adapters.sdk.errors import (
    AdapterError,
    AuthError,
    ConfigError,
    RetryableError,
    SourceContractError,
    SourceUnreachableError,
)
from adapters.sdk.http import OpenClients, SourceHttpClient, gather_requests
from adapters.sdk.ratelimit import RateLimiter

__all__ = [
    "AdapterError",
    "AuthError",
    "Capabilities",
    "CheckResult",
    "ConfigError",
    "DeletionDetection",
    "MappedPage",
    "OpenClients",
    "Page",
    "RateLimiter",
    "Reject",
    "RetryableError",
    "SourceAdapter",
    "SourceContractError",
    "SourceHttpClient",
    "SourceUnreachableError",
    "Stream",
    "gather_requests",
]
