from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI, Response

from adapters.sdk import SourceHttpClient
from adapters.sdk.payloads import MAX_BODY_BYTES, capture_payloads


def test_responses_are_captured_only_inside_a_capture_scope() -> None:
    app = FastAPI()

    @app.get("/small")
    def small() -> Response:
        return Response('{"ok": true}', media_type="application/json")

    @app.get("/huge")
    def huge() -> Response:
        return Response("x" * (MAX_BODY_BYTES + 10), media_type="text/plain")

    async def run() -> None:
        async with SourceHttpClient("http://sim", transport=httpx.ASGITransport(app=app)) as http:
            await http.get("/small")  # outside: not kept
            with capture_payloads() as log:
                await asyncio.gather(http.get("/small"), http.get("/huge"))
            await http.get("/small")
        by_url = {p.url: p for p in log.payloads}
        assert set(by_url) == {"http://sim/small", "http://sim/huge"}
        assert by_url["http://sim/small"].body == '{"ok": true}'
        assert not by_url["http://sim/small"].truncated
        assert by_url["http://sim/huge"].truncated
        assert len(by_url["http://sim/huge"].body) == MAX_BODY_BYTES

    asyncio.run(run())
