"""bench.execution measures, and bench.profile_graphql profiles, as the server executes: never
on a thread running an event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.execution import execution_times
from bench.profile_graphql import profile_query
from bench.workloads import NESTED


def test_execution_times_refuses_a_thread_with_a_running_loop(tmp_path: Path) -> None:
    async def on_the_loop() -> None:
        execution_times(tmp_path / "absent.db", NESTED, {"classes": 1}, 1)

    with pytest.raises(RuntimeError, match="outside an event loop"):
        asyncio.run(on_the_loop())


def test_profile_query_refuses_a_thread_with_a_running_loop(tmp_path: Path) -> None:
    async def on_the_loop() -> None:
        profile_query(tmp_path / "absent.db", NESTED, {"classes": 1})

    with pytest.raises(RuntimeError, match="outside an event loop"):
        asyncio.run(on_the_loop())
