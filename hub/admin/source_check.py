"""The sources page's "Test connection": run the source adapter's own check and report its
message as it is (reachable? credentials accepted? the dialect it expects?).

The check makes live calls to the MIS with the source's stored credentials and changes nothing.
It is offered to whoever can see the source; a hard time limit keeps a hanging MIS from holding
the request.
"""

from __future__ import annotations

from datetime import datetime

import anyio
import anyio.to_thread
from pydantic import BaseModel
from sqlalchemy import Engine

from adapters.sdk import AdapterError, CheckResult, registry
from hub.admin import views
from hub.admin.session import Viewer
from hub.store.columns import utcnow
from hub.store.models import Source
from hub.store.sources import get_source_by_id

CHECK_TIMEOUT_SECONDS = 30.0


class ConnectionCheckOut(BaseModel):
    source_id: str
    source_name: str
    ok: bool
    message: str
    checked_at: datetime


async def check_source(engine: Engine, viewer: Viewer, source_id: str) -> ConnectionCheckOut:
    """Raises views.NotFoundError for a source the viewer cannot see."""
    source = await anyio.to_thread.run_sync(_visible_source, engine, viewer, source_id)
    result = await run_check(source, CHECK_TIMEOUT_SECONDS)
    return ConnectionCheckOut(
        source_id=source.id,
        source_name=source.name,
        ok=result.ok,
        message=result.message,
        checked_at=utcnow(),
    )


async def run_check(source: Source, timeout: float | None = None) -> CheckResult:
    """The source adapter's own check, as the admin UI and `satchel sources test` run it: an
    adapter that cannot be built or a check that raises is a failed result, not an error.
    With a timeout, a check still running after it fails with a message saying so."""
    try:
        adapter = registry.create(source.adapter, source.config)
    except AdapterError as exc:  # unknown adapter, or a config its schema refuses
        return CheckResult(ok=False, message=str(exc))
    try:
        with anyio.fail_after(timeout):
            return await adapter.check()
    except TimeoutError:
        if timeout is None:
            raise
        return CheckResult(
            ok=False, message=f"no answer within {timeout:.0f} s; the source may be down or unreachable"
        )
    except AdapterError as exc:
        return CheckResult(ok=False, message=str(exc))
    finally:
        await adapter.aclose()


def _visible_source(engine: Engine, viewer: Viewer, source_id: str) -> Source:
    with engine.connect() as conn:
        views.require_visible_source(conn, viewer, source_id)
        return get_source_by_id(conn, source_id)
