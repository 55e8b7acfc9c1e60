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


def get_settings() -> Settings:
    return Settings()
