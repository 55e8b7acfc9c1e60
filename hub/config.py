"""Settings from the environment (SATCHEL_*)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path(".satchel")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SATCHEL_")

    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'satchel.db'}"
    token_ttl_seconds: int = 3600
    graphiql: bool = False
    introspection: bool = True
    # A run quarantining more than this share of what it read fails and applies nothing.
    quarantine_max_share: float = 0.1
    # A run deleting more than this share of a school's records is refused unless forced.
    deletion_guard_share: float = 0.2


def get_settings() -> Settings:
    return Settings()
