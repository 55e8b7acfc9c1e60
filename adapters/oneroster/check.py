"""The REST connection check (`satchel sources test`): one answer that says exactly what is wrong.

It tells apart: unreachable, not OneRoster at all, the other OneRoster version, refused
credentials, a missing scope, and a server without demographics or without a gradebook. Nothing is retried: the
operator is waiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.oneroster.client import OneRosterClient
from adapters.oneroster.gradebook import GRADEBOOK_HINT
from adapters.oneroster.oauth2 import ScopeError
from adapters.oneroster.probe import detect_version, not_oneroster, probe, probe_all
from adapters.oneroster.streams import DEMOGRAPHICS_HINT
from adapters.oneroster.versions import API_PATHS, Version
from adapters.sdk import (
    AdapterError,
    AuthError,
    CheckResult,
    ConfigError,
    RetryableError,
    SourceContractError,
    SourceUnreachableError,
)

if TYPE_CHECKING:
    from adapters.oneroster.adapter import OneRosterAdapter


async def check_rest(adapter: OneRosterAdapter) -> CheckResult:
    server = adapter.server_root
    detected = adapter.version is None
    try:
        version = adapter.version or await detect_version(server, adapter.transport)
        client = adapter.client_for(version)
        body, response = await _get(client, "orgs")
    except ScopeError as exc:
        return CheckResult(False, str(exc))
    except AuthError as exc:
        return CheckResult(
            False, f"OneRoster refused the credentials at {server}: check the client id and secret. ({exc})"
        )
    except SourceUnreachableError as exc:
        return CheckResult(False, f"cannot reach {server}: check the base URL. ({exc})")
    except RetryableError as exc:
        return CheckResult(False, f"{server} is not answering properly; try again later. ({exc})")
    except (SourceContractError, ConfigError) as exc:
        if detected:
            return CheckResult(False, str(exc))  # detection already explains what each path said
        return await _explain_wrong_path(adapter, version, exc)
    if not isinstance(body, dict) or not isinstance(body.get("orgs"), list):
        return CheckResult(
            False,
            f"{client.root}/orgs answered, but not like a OneRoster {version} API: "
            "the response has no 'orgs' list.",
        )
    total = response.headers.get("X-Total-Count")
    message = f"connected to OneRoster {version} at {client.root}" + (
        f"; {total} organisations" if total is not None else ""
    )
    if detected:
        message += f" (detected; set version {version} to skip detection)"
    details: dict[str, Any] = {"version": version, "orgs": int(total) if total and total.isdigit() else None}
    if adapter.settings.demographics:
        problem = await _demographics_problem(client)
        if problem:
            return CheckResult(False, f"{message}, but {problem}", details)
    if adapter.settings.gradebook:
        problem = await _gradebook_problem(client)
        if problem:
            return CheckResult(False, f"{message}, but {problem}", details)
    return CheckResult(True, message, details)


async def _get(client: OneRosterClient, collection: str) -> tuple[Any, Any]:
    async with client.http(max_retries=0) as http:
        return await http.get_json(client.url_for(collection), {"limit": 1})


async def _explain_wrong_path(
    adapter: OneRosterAdapter, version: Version, error: AdapterError
) -> CheckResult:
    """The configured version's path failed: is it the other version, or not OneRoster at all?"""
    server = adapter.server_root
    other: Version = "1.1" if version == "1.2" else "1.2"
    try:
        mine, theirs = (
            await probe(server, version, adapter.transport),
            await probe(server, other, adapter.transport),
        )
    except AdapterError:
        return CheckResult(False, f"{server} answered, but not like a OneRoster {version} API. ({error})")
    if theirs.speaks and theirs.consistent and not (mine.speaks and mine.consistent):
        return CheckResult(
            False,
            f"this server speaks OneRoster {other} at {server}{API_PATHS[other]}, not {version} at "
            f"{server}{API_PATHS[version]}; set version {other}",
        )
    if not mine.speaks:
        probes = await probe_all(server, adapter.transport)
        return CheckResult(False, not_oneroster(server, probes))
    return CheckResult(False, f"{server} answered, but not like a OneRoster {version} API. ({error})")


async def _demographics_problem(client: OneRosterClient) -> str | None:
    try:
        await _get(client, "demographics")
    except ScopeError as exc:
        return f"demographics are refused: {exc} — {DEMOGRAPHICS_HINT}"
    except SourceContractError as exc:
        return f"it serves no demographics ({exc}) — {DEMOGRAPHICS_HINT}"
    except AdapterError as exc:
        return f"reading demographics failed: {exc}"
    return None


async def _gradebook_problem(client: OneRosterClient) -> str | None:
    try:
        await _get(client, "lineItems")
    except ScopeError as exc:
        return f"the gradebook is refused: {exc} — {GRADEBOOK_HINT}"
    except SourceContractError as exc:
        return f"it serves no gradebook ({exc}) — {GRADEBOOK_HINT}"
    except AdapterError as exc:
        return f"reading the gradebook failed: {exc}"
    return None
