"""The OneRoster adapter: config, capabilities, the connection check and the streams.

REST 1.1 (OAuth 1.0a) and 1.2 (OAuth 2 client credentials), the version configured, named by the
base URL's path, or detected; or a CSV bulk set (`bulk/`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from adapters.oneroster import bulk
from adapters.oneroster.check import check_rest
from adapters.oneroster.client import OneRosterClient
from adapters.oneroster.gradebook import LineItemsStream, Lookups, ResultsStream
from adapters.oneroster.probe import detect_version
from adapters.oneroster.streams import DemographicsStream, OneRosterStream, People, UsersStream
from adapters.oneroster.versions import ENDPOINTS, Version, default_scopes, split_base_url
from adapters.sdk import (
    Capabilities,
    CheckResult,
    DeletionDetection,
    RateLimiter,
    SourceAdapter,
    Stream,
)


class OneRosterConfig(BaseModel):
    """A OneRoster source: REST 1.1 (OAuth 1.0a) or 1.2 (OAuth 2), or a CSV bulk set (zip or folder)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        default=None,
        description="REST: server root (https://sis.example.org), or the full …/ims/oneroster/v1p1 or "
        "…/ims/oneroster/rostering/v1p2 URL (which also fixes the version)",
    )
    path: str | None = Field(default=None, description="CSV bulk: a .zip or a folder holding manifest.csv")
    client_id: str | None = Field(
        default=None,
        min_length=1,
        description="REST: OAuth 1.0a consumer key (1.1) or OAuth 2 client id (1.2)",
    )
    client_secret: SecretStr | None = Field(default=None, description="REST: the matching secret")
    version: Literal["1.0", "1.1", "1.2"] | None = Field(
        default=None,
        description="REST: 1.1 or 1.2; detected by probing the server (1.2 first) when unset. "
        "CSV: 1.0, 1.1 or 1.2; detected from the manifest when unset",
    )
    token_url: str | None = Field(
        default=None, description="REST 1.2: the OAuth 2 token endpoint; default {server root}/token"
    )
    scopes: list[str] | None = Field(
        default=None,
        description="REST 1.2: scopes to request; default roster-core.readonly, plus "
        "roster-demographics.readonly when demographics are read and gradebook.readonly when the "
        "gradebook is",
    )
    demographics: bool = Field(
        default=True,
        description="REST: read /demographics: people's birth date and sex, and the demographics "
        "entity (sex, ethnicity from the race flags, country of birth)",
    )
    gradebook: bool = Field(
        default=True,
        description="REST: read the gradebook (categories, lineItems, results) as assignments and results",
    )
    page_size: int = Field(
        default=100, ge=1, le=10_000, description="REST: records asked for per request (limit)"
    )
    rate_limit_per_minute: int = Field(default=600, ge=1)

    @field_validator("base_url", "token_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _one_binding(self) -> OneRosterConfig:
        if (self.base_url is None) == (self.path is None):
            raise ValueError("give exactly one of base_url (REST) or path (CSV bulk)")
        if self.base_url is None:
            if self.token_url is not None or self.scopes is not None:
                raise ValueError("token_url and scopes are REST settings; a CSV set has no auth")
            return self
        if self.client_id is None or self.client_secret is None:
            raise ValueError("REST needs client_id and client_secret")
        if self.version == "1.0":
            raise ValueError("OneRoster 1.0 over REST is not supported; 1.1 and 1.2 are")
        _, named = split_base_url(self.base_url)
        if named is not None and self.version is not None and named != self.version:
            raise ValueError(f"base_url is a OneRoster {named} URL but version is {self.version}")
        if (named or self.version) == "1.1" and (self.token_url is not None or self.scopes is not None):
            raise ValueError(
                "token_url and scopes are for OneRoster 1.2 (OAuth 2); 1.1 signs requests with OAuth 1.0a"
            )
        return self

    @property
    def rest_version(self) -> Version | None:
        """The REST version fixed by config or by the base URL's path; None means detect."""
        if self.base_url is None:
            return None
        _, named = split_base_url(self.base_url)
        return named or (self.version if self.version in ("1.1", "1.2") else None)


# Every entity the REST binding reads, and every one it reads incrementally.
ENTITIES = (*(entity for _, _, entity in ENDPOINTS), "demographics", "assignment", "assignment_result")


class OneRosterAdapter(SourceAdapter):
    name = "oneroster"
    config_model = OneRosterConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        entities=ENTITIES,
        incremental_entities=ENTITIES,
        # A delta read reports deletions as status "tobedeleted"; a full read also shows absences.
        deletion_detection=(DeletionDetection.STATUS_FLAG, DeletionDetection.FULL_READ),
        rate_limit_per_minute=600,
    )

    def __init__(self, config: BaseModel, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        if not isinstance(config, OneRosterConfig):
            raise TypeError("OneRosterAdapter needs a OneRosterConfig")
        self.settings = config
        self.bulk_path = Path(config.path) if config.path else None
        self.server_root = split_base_url(config.base_url)[0] if config.base_url else ""
        self.version: Version | None = config.rest_version
        self._limiter = RateLimiter(config.rate_limit_per_minute)  # one budget for every stream
        self._clients: dict[Version, OneRosterClient] = {}

    def client_for(self, version: Version) -> OneRosterClient:
        """One client per version, kept for the adapter's life: a 1.2 token is fetched once per run."""
        if version not in self._clients:
            settings = self.settings
            if settings.client_id is None or settings.client_secret is None:
                raise TypeError("a CSV bulk source has no REST client")
            scopes = settings.scopes
            self._clients[version] = OneRosterClient(
                self.server_root,
                settings.client_id,
                settings.client_secret.get_secret_value(),
                version=version,
                token_url=settings.token_url,
                scopes=scopes
                if scopes is not None
                else default_scopes(demographics=settings.demographics, gradebook=settings.gradebook),
                page_size=settings.page_size,
                limiter=self._limiter,
                transport=self.transport,
            )
        return self._clients[version]

    async def connect(self) -> OneRosterClient:
        """The client for the server's version, probing once when it is not configured."""
        if self.version is None:
            self.version = await detect_version(self.server_root, self.transport)
        return self.client_for(self.version)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.open_clients.aclose()

    def streams(self) -> Sequence[Stream]:
        if self.bulk_path is not None:
            return bulk.bulk_streams(self.bulk_path, version=self.settings.version)
        people = People()  # what the users stream saw, for the demographics stream
        streams: list[Stream] = [
            UsersStream(self.connect, demographics=self.settings.demographics, people=people)
            if endpoint == "users"
            else OneRosterStream(self.connect, endpoint, key, entity)
            for endpoint, key, entity in ENDPOINTS
        ]
        if self.settings.demographics:
            streams.append(DemographicsStream(people, self.settings.page_size))
        if self.settings.gradebook:
            lookups = Lookups(self.connect)  # shared, so a run reads each lookup once
            streams += [LineItemsStream(self.connect, lookups), ResultsStream(self.connect, lookups)]
        return streams

    async def check(self) -> CheckResult:
        if self.bulk_path is not None:
            return bulk.check(self.bulk_path, version=self.settings.version)
        return await check_rest(self)
