"""The Arbor adapter: config, capabilities, the connection check and the streams.

An Arbor site is one school. Its REST API (`/rest-v2/…`) takes HTTP Basic credentials of an API
user the school approved, lists references that must each be fetched, and publishes a changelog
of revisions per resource, which incremental reads follow (deletions included).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from adapters.arbor.client import ArborClient
from adapters.arbor.dialect import API_ROOT, RESOURCES
from adapters.arbor.streams import STREAMS, ArborStream
from adapters.sdk import (
    AdapterError,
    Capabilities,
    CheckResult,
    DeletionDetection,
    RateLimiter,
    SourceAdapter,
    SourceContractError,
    Stream,
)


class ArborConfig(BaseModel):
    """An Arbor school site, read as an approved API user."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="The site's root, e.g. https://api-sandbox.uk.arbor.sc")
    username: str = Field(min_length=1, description="The API user's username (HTTP Basic)")
    password: SecretStr = Field(description="The API user's password")
    page_size: int = Field(default=100, ge=1, le=1000, description="References asked for per list page")
    rate_limit_per_minute: int = Field(default=600, ge=1, description="Shared by every stream")
    max_concurrency: int = Field(
        default=8, ge=1, le=64, description="Objects fetched at once while resolving a page of references"
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class ArborAdapter(SourceAdapter):
    name = "arbor"
    config_model = ArborConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        entities=tuple(dict.fromkeys(s.entity for s in STREAMS)),
        incremental_entities=tuple(dict.fromkeys(s.entity for s in STREAMS if s.incremental)),
        # The changelog reports deletions; a full read (and the always-full behaviour stream) also
        # shows them by absence.
        deletion_detection=(DeletionDetection.CHANGELOG, DeletionDetection.FULL_READ),
        rate_limit_per_minute=600,
    )

    def __init__(self, config: BaseModel, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(config, transport=transport)
        if not isinstance(config, ArborConfig):
            raise TypeError("ArborAdapter needs an ArborConfig")
        self.settings = config
        # One limiter for the adapter's life: every stream's requests count against one budget.
        self.limiter = RateLimiter(config.rate_limit_per_minute)
        self.client = ArborClient(
            config.base_url,
            config.username,
            config.password.get_secret_value(),
            page_size=config.page_size,
            max_concurrency=config.max_concurrency,
            limiter=self.limiter,
            transport=transport,
        )
        self._school_id: str | None = None

    async def school_id(self) -> str:
        """The site's school (read once): every record of the site belongs to it."""
        if self._school_id is None:
            async with self.client.http() as http:
                async for refs, location in self.client.reference_pages(http, RESOURCES["schools"]):
                    ids = [str(r["id"]) for r in refs if isinstance(r, dict) and r.get("id") is not None]
                    if len(ids) != 1:
                        raise SourceContractError(
                            f"{location} lists {len(ids)} schools; an Arbor site serves exactly one"
                        )
                    self._school_id = ids[0]
                    break
        if self._school_id is None:
            raise SourceContractError(f"{API_ROOT}/schools lists no school")
        return self._school_id

    async def aclose(self) -> None:
        await self.client.open_clients.aclose()

    def streams(self) -> Sequence[Stream]:
        self.client.limiter = self.limiter  # a test may swap the limiter after construction
        return [ArborStream(spec, self.client, self.school_id) for spec in STREAMS]

    async def check(self) -> CheckResult:
        try:
            async with self.client.http() as http:
                school = await self.school_id()
                body = await self.client.get(http, RESOURCES["schools"].href(school))
        except AdapterError as exc:
            return CheckResult(ok=False, message=str(exc))
        record = body.get("school") if isinstance(body, dict) else None
        name = record.get("schoolName") if isinstance(record, dict) else None
        return CheckResult(
            ok=True, message=f"connected to Arbor site {name or school}", details={"school_id": school}
        )
