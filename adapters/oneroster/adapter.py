"""The OneRoster 1.1 REST adapter: config, capabilities, the connection check and the streams."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from adapters.oneroster import bulk
from adapters.oneroster.client import OneRosterClient
from adapters.oneroster.mapping import ROW_MAPPERS, to_canonical
from adapters.sdk import (
    AuthError,
    Capabilities,
    CheckResult,
    DeletionDetection,
    MappedPage,
    Page,
    RateLimiter,
    RetryableError,
    SourceAdapter,
    SourceContractError,
    SourceUnreachableError,
    Stream,
)
from hub.canonical import ENTITIES_BY_NAME

# (endpoint, response key, canonical entity), in dependency order.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("orgs", "orgs", "organisation"),
    ("academicSessions", "academicSessions", "academic_session"),
    ("courses", "courses", "course"),
    ("classes", "classes", "class"),
    ("users", "users", "person"),
    ("enrollments", "enrollments", "enrollment"),
)


class OneRosterConfig(BaseModel):
    """A OneRoster source: 1.1 REST signed with OAuth 1.0a (HMAC-SHA1), or a CSV bulk set (zip or folder)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        default=None,
        description="REST: server root (https://sis.example.org) or the full …/ims/oneroster/v1p1 URL",
    )
    path: str | None = Field(default=None, description="CSV bulk: a .zip or a folder holding manifest.csv")
    client_id: str | None = Field(default=None, min_length=1, description="REST: OAuth 1.0a consumer key")
    client_secret: SecretStr | None = Field(default=None, description="REST: OAuth 1.0a consumer secret")
    version: Literal["1.0", "1.1", "1.2"] | None = Field(
        default=None, description="REST: 1.1. CSV: 1.0, 1.1 or 1.2; detected from the manifest when unset"
    )
    page_size: int = Field(
        default=100, ge=1, le=10_000, description="REST: records asked for per request (limit)"
    )
    rate_limit_per_minute: int = Field(default=600, ge=1)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _one_binding(self) -> OneRosterConfig:
        if (self.base_url is None) == (self.path is None):
            raise ValueError("give exactly one of base_url (REST) or path (CSV bulk)")
        if self.base_url is not None:
            if self.client_id is None or self.client_secret is None:
                raise ValueError("REST needs client_id and client_secret")
            if self.version not in (None, "1.1"):
                raise ValueError(f"OneRoster {self.version} over REST is not supported yet; 1.1 is")
        return self


class OneRosterStream(Stream):
    incremental = True  # every 1.1 collection accepts filter=dateLastModified>'…'

    def __init__(self, client: OneRosterClient, endpoint: str, key: str, entity: str) -> None:
        self.name = endpoint
        self.entity = ENTITIES_BY_NAME[entity]
        self._client = client
        self._key = key
        self._row = ROW_MAPPERS[entity]

    def read(self, since: datetime | None) -> AsyncIterator[Page]:
        return self._client.pages(self.name, self._key, since)

    def to_canonical(self, page: Page) -> MappedPage:
        return to_canonical(self.entity, page, self._row)


class OneRosterAdapter(SourceAdapter):
    name = "oneroster"
    config_model = OneRosterConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        entities=tuple(entity for _, _, entity in ENDPOINTS),
        incremental_entities=tuple(entity for _, _, entity in ENDPOINTS),
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
        if config.base_url is None or config.client_id is None or config.client_secret is None:
            return  # a CSV bulk source: no HTTP client
        self.client = OneRosterClient(
            config.base_url,
            config.client_id,
            config.client_secret.get_secret_value(),
            page_size=config.page_size,
            limiter=RateLimiter(config.rate_limit_per_minute),
            transport=transport,
        )

    def streams(self) -> Sequence[Stream]:
        if self.bulk_path is not None:
            return bulk.bulk_streams(self.bulk_path, version=self.settings.version)
        return [OneRosterStream(self.client, *endpoint) for endpoint in ENDPOINTS]

    async def check(self) -> CheckResult:
        if self.bulk_path is not None:
            return bulk.check(self.bulk_path, version=self.settings.version)
        url = f"{self.client.root}/orgs"
        try:
            # No retries: the operator is waiting for an answer.
            async with self.client.http(max_retries=0) as http:
                body, response = await http.get_json("orgs", {"limit": 1})
        except AuthError as exc:
            return CheckResult(
                False, f"OneRoster refused the credentials at {url}: check the client id and secret. ({exc})"
            )
        except SourceUnreachableError as exc:
            return CheckResult(False, f"cannot reach {self.client.root}: check the base URL. ({exc})")
        except RetryableError as exc:
            return CheckResult(
                False, f"{self.client.root} is not answering properly; try again later. ({exc})"
            )
        except SourceContractError as exc:
            return CheckResult(False, f"{url} answered, but not like a OneRoster 1.1 API. ({exc})")
        if not isinstance(body, dict) or not isinstance(body.get("orgs"), list):
            return CheckResult(
                False, f"{url} answered, but not like a OneRoster 1.1 API: the response has no 'orgs' list."
            )
        total = response.headers.get("X-Total-Count")
        return CheckResult(
            True,
            f"connected to OneRoster 1.1 at {self.client.root}"
            + (f"; {total} organisations" if total is not None else ""),
            details={"orgs": int(total) if total and total.isdigit() else None},
        )
