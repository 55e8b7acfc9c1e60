"""A typed `@field(description=...)`: strawberry's own overload for it is untyped under mypy strict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

F = TypeVar("F", bound=Callable[..., Any])


def field(*, description: str | None = None, name: str | None = None) -> Callable[[F], F]:
    def decorate(resolver: F) -> F:
        return cast(F, strawberry.field(resolver, description=description, name=name))

    return decorate
