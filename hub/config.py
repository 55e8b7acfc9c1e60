"""Settings from the environment (SATCHEL_*)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path(".satchel")
log = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SATCHEL_")

    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'satchel.db'}"
    token_ttl_seconds: int = 3600
    graphiql: bool = False
    introspection: bool = True
    # The compiled GraphQL path (docs/adr/0006-graphql-compiler.md); false sends every request
    # through the resolvers instead.
    graphql_compiler: bool = True
    # GraphQL requests executed at once per API process (worker threads). Execution is mostly
    # Python holding the GIL, so threads beyond a few only contend for it: on 2 cores, 4 served
    # 25-30% more requests/s than anyio's default of 40 (docs/benchmarks.md, throughput). Raise it
    # when requests mostly wait on a remote database.
    graphql_workers: int = Field(default=4, ge=1)
    # A run quarantining more than this share of what it read fails and applies nothing.
    quarantine_max_share: float = 0.1
    # A run deleting more than this share of a school's records is refused unless forced.
    deletion_guard_share: float = 0.2
    # A run holds the pages it read in memory up to this many MiB, all entities together; beyond
    # it, pages wait in temporary files (TMPDIR) until the run diffs and writes them (ADR 9).
    sync_page_memory_mb: int = Field(default=64, ge=0)
    # Tombstones older than this are purged by the daily maintenance (apps must resync from scratch
    # if their change-feed cursor is older).
    tombstone_retention_days: int = 90
    payload_retention_days: int = 7
    # Signs admin session cookies. Set it in production: with several API processes, or across
    # restarts, a generated key would sign everyone out.
    admin_secret_key: str | None = None
    # Secure cookies need HTTPS; turn off only for plain-HTTP use on loopback (the demo does).
    admin_cookie_secure: bool = True
    admin_session_max_age_seconds: int = 8 * 3600
    # OpenID Connect single sign-on for admins (docs/admin-guide.md). Off unless an issuer is set.
    # A signed-in e-mail must be verified by the provider and belong to an existing admin user:
    # roles and schools stay in Satchel, and nobody is created from the provider's say-so.
    admin_oidc_issuer: str | None = None
    admin_oidc_client_id: str | None = None
    admin_oidc_client_secret: str | None = None
    admin_oidc_discovery_url: str | None = None  # default: {issuer}/.well-known/openid-configuration
    admin_oidc_scopes: str = "openid email"
    admin_oidc_email_claim: str = "email"
    admin_oidc_button_label: str = "Sign in with single sign-on"
    # Where the provider sends people back; default {request base URL}admin/oidc/callback. Set it
    # behind a proxy that rewrites the host or scheme.
    admin_oidc_redirect_uri: str | None = None

    def admin_signing_key(self) -> str:
        if not self.admin_secret_key:
            log.warning("SATCHEL_ADMIN_SECRET_KEY is not set; using a per-process key")
            self.admin_secret_key = secrets.token_urlsafe(32)
        return self.admin_secret_key


def get_settings() -> Settings:
    return Settings()
