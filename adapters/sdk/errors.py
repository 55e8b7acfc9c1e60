"""Errors an adapter raises. Each says whether retrying can help, so the engine knows what to do.

AdapterError
├── ConfigError            the source is configured wrongly (fix the config)
├── AuthError              credentials refused (fix the credentials)
├── RetryableError         transient: 429, 5xx, timeouts (retry after `retry_after` seconds)
├── SourceUnreachableError no connection at all (wrong URL, server down)
└── SourceContractError    the payload is not what the source promises (malformed, wrong shape)
"""

from __future__ import annotations


class AdapterError(Exception):
    """Base of every error an adapter raises; the message is shown to the operator as is."""

    retryable = False


class ConfigError(AdapterError):
    pass


class AuthError(AdapterError):
    pass


class RetryableError(AdapterError):
    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceUnreachableError(AdapterError):
    retryable = True


class SourceContractError(AdapterError):
    pass
