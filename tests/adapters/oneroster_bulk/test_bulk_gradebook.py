"""The gradebook files of a CSV set: categories.csv, lineItems.csv and results.csv, 1.1 and 1.2."""

from __future__ import annotations

from datetime import UTC, date, datetime

from oneroster_bulk_support import FIXTURES, column, read_set

from adapters.sdk import Reject


def test_1_1_line_items_take_their_category_title_and_class_school() -> None:
    read = read_set(FIXTURES / "gradebook_11")

    assert column(read, "assignment", "source_record_id") == ["li1"]
    row = read.frames["assignment"].row(0, named=True)
    assert (row["school_id"], row["class_id"], row["title"], row["category"]) == (
        "s1",
        "c1",
        "Worksheet 1",
        "Homework",
    )
    # The due date is US M/D/YYYY, as real exports send it.
    assert (row["assigned_date"], row["due_date"], row["max_score"]) == (
        date(2023, 9, 1),
        date(2023, 9, 8),
        20.0,
    )


def test_gradebook_rows_that_cannot_be_placed_or_read_are_quarantined_with_the_reason() -> None:
    read = read_set(FIXTURES / "gradebook_11")

    assert read.rejects["assignment"] == [
        # Its category is tobedeleted in categories.csv, so it is not there to name.
        Reject("li2", "categorySourcedId", "category 'cat-old' is not in categories.csv", "lineItems.csv:row 3"),
        Reject("li3", "classSourcedId", "class 'c9' is not in classes.csv, so the school is unknown",
               "lineItems.csv:row 4"),
        Reject("li4", "resultValueMax", "not a number 'twenty'", "lineItems.csv:row 5"),
    ]  # fmt: skip
    assert read.rejects["assignment_result"] == [
        Reject("r3", "scoreStatus", "unknown scoreStatus 'marked'", "results.csv:row 4"),
        Reject("r4", "lineItemSourcedId", "lineItem 'li9' is not in lineItems.csv, so its class is unknown",
               "results.csv:row 5"),
        Reject("r5", "score", "not a number 'lots'", "results.csv:row 6"),
    ]  # fmt: skip
    assert read.deleted["assignment_result"] == ["r6"]


def test_1_1_results_map_score_status_and_comment() -> None:
    read = read_set(FIXTURES / "gradebook_11")

    frame = read.frames["assignment_result"].select(
        "source_record_id", "school_id", "assignment_id", "student_id", "score", "status", "letter", "comment"
    )
    assert frame.rows() == [
        ("r1", "s1", "li1", "u1", 17.5, "graded", None, "Good work"),
        ("r2", "s1", "li1", "u2", None, "missing", None, None),  # "Not Submitted", capitalised
    ]


def test_1_2_renamed_columns_flags_and_text_scores() -> None:
    read = read_set(FIXTURES / "gradebook_12")

    assert read.rejects == {"assignment": [], "assignment_result": []}
    item = read.frames["assignment"].row(0, named=True)
    # 1.2 names the line item's school itself: no classes.csv is needed. Datetimes keep their date.
    assert (item["school_id"], item["category"], item["assigned_date"], item["due_date"]) == (
        "s1", "Quiz", date(2023, 9, 1), date(2023, 9, 8),
    )  # fmt: skip
    # The category changed after the line item, so that is when the assignment last changed.
    assert item["source_updated_at"] == datetime(2023, 9, 5, tzinfo=UTC)
    results = read.frames["assignment_result"].select("source_record_id", "school_id", "status", "letter")
    assert results.rows() == [
        ("r1", "s1", "late", "A"),
        ("r2", "s1", "missing", None),
        ("r3", "s1", "not_graded", None),
    ]
    # results.csv is a delta file: it never deletes by absence.
    assert next(s for s in read.streams if s.name == "results").partial
