"""The OneRoster gradebook (categories, lineItems, results → assignments and results), REST 1.1 and
1.2: mapping rules, deltas, tobedeleted, category renames, and the 1.2 gradebook scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select

from adapters.oneroster.gradebook_mapping import GradebookPage, line_item_row, result_row
from adapters.oneroster.mapping import to_canonical
from adapters.oneroster.simulator import OneRosterSimulator, create_app, simulator_of
from adapters.oneroster.versions import SCOPE_DEMOGRAPHICS, SCOPE_ROSTER_CORE
from adapters.sdk import Reject
from adapters.sdk.simserver import BackgroundServer
from adapters.sdk.testing import live_count
from hub.canonical import ASSIGNMENT, ASSIGNMENT_RESULT
from hub.store import CANONICAL_TABLES
from hub.store.sources import add_source
from hub.sync import sync_source
from hub.synthetic import SyntheticDistrict, generate_district

CREDENTIALS = {"client_id": "gb", "client_secret": "gb-secret"}
STAMP = "2026-09-01T10:00:00.000Z"


def _ref(sourced_id: str) -> dict[str, str]:
    return {"sourcedId": sourced_id}


def _page(records: list[dict[str, Any]], **lookups: Any) -> GradebookPage:
    return GradebookPage(records, "test://gradebook", **lookups)


# -- mapping ------------------------------------------------------------------------------------------


def test_a_1_1_line_item_takes_its_category_title_and_its_class_school() -> None:
    record = {"sourcedId": "li1", "status": "active", "dateLastModified": STAMP, "title": "Fractions quiz",
              "assignDate": "2026-09-01", "dueDate": "2026-09-08T23:59:59Z", "class": _ref("c1"),
              "category": _ref("cat1"), "resultValueMax": "20"}  # fmt: skip
    category = {"sourcedId": "cat1", "title": "Quiz", "dateLastModified": "2026-09-02T00:00:00Z"}
    page = _page([record], categories={"cat1": category}, class_schools={"c1": "s1"})
    mapped = to_canonical(ASSIGNMENT, page, lambda r: line_item_row(r, page))
    assert mapped.rejects == []
    row = mapped.frame.row(0, named=True)
    assert (row["school_id"], row["class_id"], row["title"], row["category"]) == (
        "s1",
        "c1",
        "Fractions quiz",
        "Quiz",
    )
    assert (str(row["assigned_date"]), str(row["due_date"]), row["max_score"]) == (
        "2026-09-01",
        "2026-09-08",
        20.0,
    )
    # The category changed after the line item: that is when the assignment last changed.
    assert row["source_updated_at"].isoformat() == "2026-09-02T00:00:00+00:00"


def test_line_items_and_results_that_cannot_be_placed_are_rejected_with_the_reason() -> None:
    items = [
        {"sourcedId": "li1", "dateLastModified": STAMP, "class": _ref("c1"), "category": _ref("nope")},
        {"sourcedId": "li2", "dateLastModified": STAMP, "class": _ref("elsewhere")},
        {"sourcedId": "li3", "dateLastModified": STAMP},
    ]
    page = _page(items, categories={}, class_schools={"c1": "s1"})
    rejects = to_canonical(ASSIGNMENT, page, lambda r: line_item_row(r, page)).rejects
    assert rejects == [
        Reject("li1", "category", "category 'nope' is not among /categories", "test://gradebook"),
        Reject("li2", "class", "class 'elsewhere' is not among /classes, so the school is unknown",
               "test://gradebook"),
        Reject("li3", "class", "missing class", "test://gradebook"),
    ]  # fmt: skip
    results = [
        {"sourcedId": "r1", "dateLastModified": STAMP, "lineItem": _ref("ghost"), "student": _ref("u1")},
        {"sourcedId": "r2", "dateLastModified": STAMP, "lineItem": _ref("li1"), "student": _ref("u1"),
         "scoreStatus": "marked"},
        {"sourcedId": "r3", "dateLastModified": STAMP, "lineItem": _ref("li1"), "student": _ref("u1"),
         "score": "ninety"},
    ]  # fmt: skip
    page = _page(results, class_schools={"c1": "s1"}, line_item_classes={"li1": "c1"})
    rejects = to_canonical(ASSIGNMENT_RESULT, page, lambda r: result_row(r, page)).rejects
    assert [(r.source_record_id, r.field, r.reason) for r in rejects] == [
        ("r1", "lineItem", "lineItem 'ghost' is not among /lineItems, so its class is unknown"),
        ("r2", "scoreStatus", "unknown scoreStatus 'marked'; expected one of fully graded, partially "
                              "graded, submitted, not submitted, exempt"),
        ("r3", "score", "expected a number, got 'ninety'"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"scoreStatus": "fully graded"}, "graded"),
        ({"scoreStatus": "Fully Graded", "late": True}, "late"),
        ({"scoreStatus": "not submitted"}, "missing"),
        ({"scoreStatus": "not submitted", "missing": "true"}, "missing"),
        ({"scoreStatus": "exempt"}, "exempt"),
        ({"scoreStatus": "submitted"}, "not_graded"),
        ({"scoreStatus": "partially graded"}, "not_graded"),
        ({}, None),
    ],
)
def test_score_status_and_the_1_2_flags_map_to_one_canonical_status(
    fields: dict[str, Any], status: str | None
) -> None:
    record = {"sourcedId": "r1", "dateLastModified": STAMP, "lineItem": _ref("li1"), "student": _ref("u1"),
              "class": _ref("c1"), "score": 7.5, "textScore": "B", **fields}  # fmt: skip
    page = _page([record], class_schools={"c1": "s1"})
    frame = to_canonical(ASSIGNMENT_RESULT, page, lambda r: result_row(r, page)).frame
    assert frame.select("status", "score", "letter", "school_id").row(0) == (status, 7.5, "B", "s1")


# -- over HTTP into the store --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=80, seed=31, gradebook=True)


@pytest.fixture
def served(district: SyntheticDistrict) -> Iterator[tuple[str, OneRosterSimulator]]:
    app = create_app(district, **CREDENTIALS)
    with BackgroundServer(app) as server:
        yield server.url, simulator_of(app)


def _add(engine: Engine, url: str, version: str, **config: Any) -> str:
    with engine.begin() as conn:
        return add_source(
            conn, "gb", "oneroster", {"base_url": url, **CREDENTIALS, "version": version, **config}
        )


def _latest(district: SyntheticDistrict) -> datetime:
    stamps = [f["source_updated_at"].max() for f in district.frames.values()]
    return max(s for s in stamps if isinstance(s, datetime))


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_changed_result_is_the_only_record_a_delta_writes(
    engine: Engine, district: SyntheticDistrict, served: tuple[str, OneRosterSimulator], version: str
) -> None:
    url, sim = served
    _add(engine, url, version)
    assert sync_source(engine, "gb").status == "succeeded"
    results = district.frames["assignment_result"]
    changed = results.filter(pl.col("status") == "graded")["source_record_id"][0]
    edited = results.with_columns(
        score=pl.when(pl.col("source_record_id") == changed).then(0.5).otherwise(pl.col("score")),
        source_updated_at=pl.when(pl.col("source_record_id") == changed)
        .then(pl.lit(_latest(district) + timedelta(hours=1)))
        .otherwise(pl.col("source_updated_at")),
    )
    sim.district = replace(district, frames={**district.frames, "assignment_result": edited})
    delta = sync_source(engine, "gb")
    assert delta.status == "succeeded", delta.error
    assert (delta.totals.read, delta.totals.updated, delta.totals.inserted) == (1, 1, 0)
    assert delta.counts["assignment_result"].updated == 1
    table = CANONICAL_TABLES["assignment_result"]
    with engine.connect() as conn:
        score = conn.execute(select(table.c.score).where(table.c.source_record_id == changed)).scalar_one()
    assert score == 0.5


def test_tobedeleted_results_and_line_items_become_tombstones(
    engine: Engine, district: SyntheticDistrict, served: tuple[str, OneRosterSimulator]
) -> None:
    url, sim = served
    source_id = _add(engine, url, "1.2")
    assert sync_source(engine, "gb").status == "succeeded"
    later = _latest(district) + timedelta(hours=1)
    sim.mark_deleted("results", district.frames["assignment_result"]["source_record_id"].head(3), at=later)
    sim.mark_deleted("lineItems", district.frames["assignment"]["source_record_id"].tail(1), at=later)
    summary = sync_source(engine, "gb")
    assert summary.status == "succeeded", summary.error
    assert summary.counts["assignment_result"].tombstoned == 3
    assert summary.counts["assignment"].tombstoned == 1
    assert live_count(engine, source_id, "assignment") == district.frames["assignment"].height - 1


def test_a_renamed_category_rewrites_exactly_its_line_items(
    engine: Engine, district: SyntheticDistrict, served: tuple[str, OneRosterSimulator]
) -> None:
    url, sim = served
    _add(engine, url, "1.1")
    assert sync_source(engine, "gb").status == "succeeded"
    sim.rename_category("Quiz", "Quick Quiz", at=_latest(district) + timedelta(hours=1))
    summary = sync_source(engine, "gb")
    assert summary.status == "succeeded", summary.error
    quizzes = district.frames["assignment"].filter(pl.col("category") == "Quiz").height
    assert quizzes > 0
    assert summary.counts["assignment"].updated == quizzes
    assert summary.totals.updated == quizzes  # nothing else changed
    table = CANONICAL_TABLES["assignment"]
    with engine.connect() as conn:
        titles = set(conn.execute(select(table.c.category).distinct()).scalars())
    assert "Quick Quiz" in titles
    assert "Quiz" not in titles


def test_a_1_2_token_without_the_gradebook_scope_fails_the_run_naming_it(
    engine: Engine, district: SyntheticDistrict
) -> None:
    app = create_app(district, **CREDENTIALS, scopes=[SCOPE_ROSTER_CORE, SCOPE_DEMOGRAPHICS])
    with BackgroundServer(app) as server:
        _add(engine, server.url, "1.2")
        summary = sync_source(engine, "gb")
    assert summary.status == "failed"
    assert "gradebook.readonly" in (summary.error or "")
    assert "gradebook: false" in (summary.error or "")
    assert summary.totals.inserted == 0


def test_with_gradebook_off_the_gradebook_scope_is_not_needed(
    engine: Engine, district: SyntheticDistrict
) -> None:
    app = create_app(district, **CREDENTIALS, scopes=[SCOPE_ROSTER_CORE, SCOPE_DEMOGRAPHICS])
    with BackgroundServer(app) as server:
        source_id = _add(engine, server.url, "1.2", gradebook=False)
        summary = sync_source(engine, "gb")
        log = {entry.collection for entry in simulator_of(app).log}
    assert summary.status == "succeeded", summary.error
    assert live_count(engine, source_id, "assignment") == 0
    assert not log & {"categories", "lineItems", "results"}
