"""Header rows: 1.0 names, case, misspellings mapped and reported; ambiguous or unknown ones refused."""

from __future__ import annotations

import pytest
from oneroster_bulk_support import FIXTURES, column, read_set

from adapters.oneroster.bulk import HeaderError, HeaderFix, bulk_streams, check, open_bulk
from adapters.oneroster.bulk.headers import resolve_headers
from adapters.sdk import SourceContractError

AMBIGUOUS = "classes.csv: header 'classCope' is ambiguous: it could be 'classCode' or 'classType'"
UNKNOWN = (
    "users.csv: unknown header 'favouriteColour' (not a OneRoster column; "
    "extension columns must start with 'metadata.' or 'ext_')"
)


def test_misspelt_header_is_mapped_and_reported() -> None:
    bulk = open_bulk(FIXTURES / "misspelt_header")
    read = read_set(FIXTURES / "misspelt_header")

    assert bulk.header_fixes == [
        HeaderFix("users", "Email", "email", "case differs"),
        HeaderFix("users", "famlyName", "familyName", "misspelt (edit distance 1)"),
    ]
    assert bulk.warnings == [
        "users.csv: header 'Email' read as 'email' (case differs)",
        "users.csv: header 'famlyName' read as 'familyName' (misspelt (edit distance 1))",
    ]
    assert column(read, "person", "family_name") == ["Brown"]
    assert column(read, "person", "email") == ["ana@example.org"]


def test_ambiguous_header_refuses_the_file() -> None:
    result = check(FIXTURES / "ambiguous_header")

    assert not result.ok
    assert result.message == AMBIGUOUS
    with pytest.raises(SourceContractError, match="'classCope' is ambiguous"):
        bulk_streams(FIXTURES / "ambiguous_header")


def test_unknown_header_refuses_the_file() -> None:
    result = check(FIXTURES / "unknown_header")

    assert not result.ok
    assert result.message == UNKNOWN


def test_required_column_missing() -> None:
    with pytest.raises(HeaderError, match=r"^enrollments.csv: required column\(s\) missing: userSourcedId$"):
        resolve_headers("enrollments", ["sourcedId", "classSourcedId", "role"])


def test_two_headers_for_one_column() -> None:
    with pytest.raises(HeaderError, match="more than one header reads as familyName"):
        resolve_headers("users", ["sourcedId", "givenName", "familyName", "FamilyName"])


def test_exact_headers_need_no_fix() -> None:
    headers = resolve_headers(
        "orgs", ["sourcedId", "status", "dateLastModified", "name", "type", "metadata.x"]
    )

    assert headers.fixes == ()
    assert headers.extensions == ("metadata.x",)
