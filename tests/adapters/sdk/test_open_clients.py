"""Closing an adapter closes every HTTP client its reads opened, even those of a read abandoned
mid-stream by an error (its async generator stays suspended inside `async with client`)."""

from __future__ import annotations

import asyncio

import pytest

from adapters.oneroster.adapter import OneRosterAdapter, OneRosterConfig
from adapters.oneroster.simulator import create_app
from adapters.sdk.simserver import BackgroundServer
from hub.synthetic import generate_district


class AbandonedReadError(Exception):
    pass


def test_closing_the_adapter_closes_the_clients_of_an_abandoned_read() -> None:
    district = generate_district(students=60, seed=5)
    with BackgroundServer(create_app(district, client_id="c", client_secret="s")) as server:
        config = OneRosterConfig.model_validate(
            {
                "base_url": server.url,
                "client_id": "c",
                "client_secret": "s",
                "page_size": 10,
                "version": "1.1",
            }
        )
        adapter = OneRosterAdapter(config)

        async def read_one_page_then_fail() -> None:
            stream = next(s for s in adapter.streams() if s.name == "users")
            pages = stream.read(None)
            try:
                async for _ in pages:
                    raise AbandonedReadError  # the engine stops reading on an error like this
            finally:
                tracked = adapter.client_for(adapter.version).open_clients
                assert len(tracked) == 1, "the suspended read still holds its client"
                clients = list(tracked._clients)
                await adapter.aclose()
                assert len(tracked) == 0
                assert all(c._client.is_closed for c in clients)

        with pytest.raises(AbandonedReadError):
            asyncio.run(read_one_page_then_fail())
