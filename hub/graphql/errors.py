"""Errors the API answers with, each carrying `extensions.code`; anything else is masked.

ApiError
├── UnauthenticatedError   UNAUTHENTICATED   no / malformed / unknown / expired token (HTTP 401)
├── ForbiddenScopeError    FORBIDDEN_SCOPE   the school did not grant the data type asked for
├── BadArgumentError       BAD_ARGUMENT      e.g. a cursor that is not ours, a negative page size
└── LimitExceededError     LIMIT_EXCEEDED    e.g. a page larger than MAX_PAGE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from graphql import GraphQLError
from strawberry.extensions import MaskErrors


class ApiError(Exception):
    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        # graphql-core copies a dict `extensions` of the original error onto the GraphQLError.
        self.extensions: dict[str, Any] = {"code": self.code, **details}


class UnauthenticatedError(ApiError):
    code = "UNAUTHENTICATED"


class ForbiddenScopeError(ApiError):
    code = "FORBIDDEN_SCOPE"

    def __init__(self, data_type: str, school_id: str | None) -> None:
        at = f" at school {school_id}" if school_id else ""
        super().__init__(f"the {data_type!r} scope was not granted{at}", scope=data_type, schoolId=school_id)


class BadArgumentError(ApiError):
    code = "BAD_ARGUMENT"


class LimitExceededError(ApiError):
    code = "LIMIT_EXCEEDED"


def is_unexpected(error: GraphQLError) -> bool:
    """Resolver failures that are not ours are masked; syntax and validation errors are kept."""
    return error.original_error is not None and not isinstance(error.original_error, ApiError)


class MaskUnexpectedErrors(MaskErrors):
    """strawberry's MaskErrors, letting ApiErrors through and tagging masked ones INTERNAL."""

    def __init__(self, should_mask_error: Callable[[GraphQLError], bool] = is_unexpected) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL"}
        return masked
