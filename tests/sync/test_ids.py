from __future__ import annotations

import polars as pl

from hub.sync.ids import hub_id, hub_id_lists, hub_ids


def test_column_of_ids_maps_each_value_and_keeps_nulls_and_order() -> None:
    values = pl.Series("school_id", ["a", None, "b", "a"])
    assert hub_ids("src", "organisations", values).to_list() == [
        hub_id("src", "organisations", "a"),
        None,
        hub_id("src", "organisations", "b"),
        hub_id("src", "organisations", "a"),
    ]
    assert hub_ids("src", "organisations", values).name == "school_id"
    assert hub_ids("src", "t", pl.Series("e", [], dtype=pl.String)).to_list() == []
    assert hub_ids("src", "t", pl.Series("n", [None, None], dtype=pl.String)).to_list() == [None, None]


def test_ids_differ_by_source_and_table() -> None:
    assert len({hub_id("s1", "people", "1"), hub_id("s2", "people", "1"), hub_id("s1", "classes", "1")}) == 3


def test_lists_of_ids_keep_null_empty_and_order() -> None:
    values = pl.Series("agent_ids", [["a", "b"], None, [], ["b"]], dtype=pl.List(pl.String))
    a, b = hub_id("src", "people", "a"), hub_id("src", "people", "b")
    assert hub_id_lists("src", "people", values).to_list() == [[a, b], None, [], [b]]


def test_vectorised_ids_are_exactly_uuid5() -> None:
    """The fast derivation (one SHA-1 per value) must give what uuid.uuid5 gives, for any text."""
    values = ["1", "École-Ω", "x" * 300, " spaced ", "emoji-🙂", "a\x1fb"]
    derived = hub_ids("4b7c", "people", pl.Series("v", values)).to_list()
    assert derived == [hub_id("4b7c", "people", v) for v in values]
