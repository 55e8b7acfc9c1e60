from __future__ import annotations

from hub.canonical.catalogue import DATA_TYPES
from hub.graphql.enums import DataType
from hub.graphql.sdl import SDL_PATH, sdl


def test_committed_sdl_matches_the_schema() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), "run `uv run python -m hub.graphql.sdl`"


def test_data_type_enum_matches_the_catalogue() -> None:
    assert [d.value for d in DataType] == list(DATA_TYPES)
