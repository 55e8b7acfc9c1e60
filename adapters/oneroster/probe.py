"""Which OneRoster a server speaks, found without credentials.

An unauthenticated `GET …/orgs?limit=1` under each version's base path tells: a OneRoster endpoint
that exists answers 401/403 (or 200 with an `orgs` list, if open); a path that does not exist
answers 404. The challenge scheme breaks a tie for servers that answer 401 everywhere:
`Bearer` is 1.2 (OAuth 2), `OAuth` is 1.1 (OAuth 1.0a).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx

from adapters.oneroster.versions import API_PATHS, VERSIONS, Version
from adapters.sdk import RetryableError, SourceContractError, SourceUnreachableError
from adapters.sdk.http import check_address

_SCHEMES: dict[Version, str] = {"1.1": "oauth", "1.2": "bearer"}


@dataclass(frozen=True)
class Probe:
    version: Version
    url: str
    answer: str  # what the server said, for messages: "HTTP 404", "HTTP 200, not JSON" …
    speaks: bool  # answered like a OneRoster endpoint of this version
    scheme: str | None = None  # the 401 challenge's scheme, lower-cased

    @property
    def consistent(self) -> bool:
        """False when the server challenged with the other version's auth scheme."""
        return self.scheme is None or self.scheme == _SCHEMES[self.version]


async def probe(server_root: str, version: Version, transport: httpx.AsyncBaseTransport | None) -> Probe:
    url = f"{server_root}{API_PATHS[version]}/orgs"
    if transport is None:
        await check_address(httpx.URL(url))  # the SSRF guard every source request gets
    try:
        async with httpx.AsyncClient(transport=transport, timeout=10.0, follow_redirects=False) as http:
            response = await http.get(url, params={"limit": 1})
    except httpx.TimeoutException as exc:
        raise RetryableError(f"timed out waiting for {url}") from exc
    except httpx.TransportError as exc:
        raise SourceUnreachableError(f"cannot reach {url}: {exc or type(exc).__name__}") from exc
    status = response.status_code
    if status in (401, 403):
        challenge = response.headers.get("WWW-Authenticate", "").strip()
        scheme = challenge.split(" ", 1)[0].lower() if challenge else None
        return Probe(version, url, f"HTTP {status}", True, scheme)
    if status == 200:
        try:
            body = json.loads(response.content)
        except ValueError:
            return Probe(version, url, "HTTP 200, but not JSON", False)
        if isinstance(body, dict) and isinstance(body.get("orgs"), list):
            return Probe(version, url, "HTTP 200 with an orgs list", True)
        return Probe(version, url, "HTTP 200, but no orgs list", False)
    return Probe(version, url, f"HTTP {status}", False)


async def probe_all(server_root: str, transport: httpx.AsyncBaseTransport | None) -> list[Probe]:
    return [await probe(server_root, version, transport) for version in VERSIONS]


def choose(probes: list[Probe]) -> Version | None:
    """The version to talk: 1.2 before 1.1, unless the auth challenge says otherwise."""
    speaking = [p for p in probes if p.speaks]
    consistent = [p for p in speaking if p.consistent]
    chosen = (consistent or speaking)[:1]
    return chosen[0].version if chosen else None


def not_oneroster(server_root: str, probes: list[Probe]) -> str:
    tried = "; ".join(f"{p.url} → {p.answer}" for p in probes)
    versions = " or ".join(p.version for p in probes)
    return f"{server_root} answered, but not like a OneRoster {versions} API ({tried}); check the base URL"


async def detect_version(server_root: str, transport: httpx.AsyncBaseTransport | None) -> Version:
    probes = await probe_all(server_root, transport)
    version = choose(probes)
    if version is None:
        raise SourceContractError(not_oneroster(server_root, probes))
    return version
