"""OneRoster, end to end into the store: generator → simulator / CSV set → adapter → sync → tables.

Every field the binding carries must equal the generated value (with references as hub ids), and a
1% change in the source must write exactly the changed records on the next (delta) sync. The
district carries a gradebook (assignments and results), so lineItems and results round-trip too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.oneroster.bulk import write_bulk
from adapters.oneroster.mapping import DEMOGRAPHICS_NOT_CARRIED, NOT_CARRIED, as_version_reads
from adapters.oneroster.simulator import create_app, simulator_of
from adapters.sdk.simserver import BackgroundServer
from adapters.sdk.testing import live_count, store_differences
from hub.store import CANONICAL_TABLES
from hub.store.sources import add_source, get_source
from hub.sync import sync_source
from hub.synthetic import SyntheticDistrict, generate_district

# 1.1 has no preferred name and no text score (letter); 1.2 carries both.
CSV_NOT_CARRIED = {
    "1.1": {
        "person": {"preferred_name"},
        "assignment_result": {"letter"},
        "demographics": DEMOGRAPHICS_NOT_CARRIED,
    },
    "1.2": {"demographics": DEMOGRAPHICS_NOT_CARRIED},
}


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    return generate_district(students=250, seed=11, gradebook=True, demographics=True)


@pytest.fixture
def simulator(district: SyntheticDistrict) -> Iterator[tuple[str, Any]]:
    app = create_app(district, client_id="ck", client_secret="cs")
    with BackgroundServer(app) as server:
        yield server.url, simulator_of(app)


def assert_store_equals(
    engine: Engine,
    source_id: str,
    district: SyntheticDistrict,
    not_carried: dict[str, Any],
    version: str = "1.1",
) -> None:
    """Every live stored record equals the generated one in every field the binding carries."""
    frames = as_version_reads(district.frames, version)
    assert district.frames["assignment_result"].height > 0  # the gradebook is part of the round trip
    assert store_differences(engine, source_id, frames, not_carried=not_carried) == {}


def test_rest_round_trip_into_the_store_then_a_one_percent_delta(
    engine: Engine, district: SyntheticDistrict, simulator: tuple[str, Any]
) -> None:
    url, sim = simulator
    with engine.begin() as conn:
        source_id = add_source(
            conn,
            "or",
            "oneroster",
            {"base_url": url, "client_id": "ck", "client_secret": "cs", "version": "1.1"},
        )
    first = sync_source(engine, "or")
    assert first.status == "succeeded", first.error
    assert first.mode == "full"
    assert_store_equals(engine, source_id, district, NOT_CARRIED)

    edited = district.with_edits(0.01, seed=3)
    sim.district = edited
    delta = sync_source(engine, "or")
    assert delta.status == "succeeded", delta.error
    assert delta.mode == "incremental"
    assert delta.totals.updated == len(edited.edited_ids) > 0
    assert delta.totals.inserted == delta.totals.tombstoned == 0
    # Only the changed records were even read: the delta asked the source for them alone.
    assert delta.totals.read == len(edited.edited_ids)
    assert_store_equals(engine, source_id, edited, NOT_CARRIED)
    with engine.connect() as conn:
        assert get_source(conn, "or").checkpoint["users"] > "2026"


def test_rest_tobedeleted_records_become_tombstones(engine: Engine, simulator: tuple[str, Any]) -> None:
    url, sim = simulator
    with engine.begin() as conn:
        add_source(
            conn,
            "or",
            "oneroster",
            {"base_url": url, "client_id": "ck", "client_secret": "cs", "version": "1.1"},
        )
    assert sync_source(engine, "or").status == "succeeded"
    people = CANONICAL_TABLES["person"]
    with engine.connect() as conn:
        victim = conn.execute(
            select(people.c.source_record_id).where(people.c.role == "student").limit(1)
        ).scalar_one()
    sim.mark_deleted("users", [victim])
    summary = sync_source(engine, "or")
    assert summary.status == "succeeded", summary.error
    assert summary.counts["person"].tombstoned == 1
    with engine.connect() as conn:
        deleted_at = conn.execute(
            select(people.c.deleted_at).where(people.c.source_record_id == victim)
        ).scalar_one()
    assert deleted_at is not None


def test_wrong_credentials_fail_the_run_with_a_clear_error_and_change_nothing(
    engine: Engine, simulator: tuple[str, Any]
) -> None:
    url, _ = simulator
    with engine.begin() as conn:
        add_source(
            conn,
            "or",
            "oneroster",
            {"base_url": url, "client_id": "ck", "client_secret": "wrong", "version": "1.1"},
        )
    summary = sync_source(engine, "or")
    assert summary.status == "failed"
    assert "refused the credentials" in (summary.error or "")
    assert summary.totals.inserted == 0


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_csv_bulk_round_trip_into_the_store(
    engine: Engine, district: SyntheticDistrict, tmp_path: Path, version: str
) -> None:
    path = write_bulk(district, tmp_path / f"oneroster-{version}.zip", version=version)  # type: ignore[arg-type]
    with engine.begin() as conn:
        source_id = add_source(conn, "csv", "oneroster", {"path": str(path)})
    summary = sync_source(engine, "csv")
    assert summary.status == "succeeded", summary.error
    assert summary.totals.quarantined == 0
    assert_store_equals(engine, source_id, district, CSV_NOT_CARRIED[version], version)


def _write_extension_set(folder: Path, users: list[tuple[str, str | None, str | None]]) -> None:
    """A 1.1 set: one school and students with two extension columns (id, language, lunch code)."""
    folder.mkdir(exist_ok=True)
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n"
    )
    (folder / "orgs.csv").write_text(
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "org-s,active,2023-08-01T00:00:00Z,Elm School,school,,\n"
    )
    header = "sourcedId,status,dateLastModified,orgSourcedIds,role,givenName,familyName,metadata.homeLanguage,ext_lunch\n"
    rows = [
        f"{u},active,2023-08-01T00:00:00Z,org-s,student,Given,Family,{lang or ''},{lunch or ''}\n"
        for u, lang, lunch in users
    ]
    (folder / "users.csv").write_text(header + "".join(rows))


def test_csv_extension_columns_are_stored_as_custom_fields_and_follow_changes(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "set"
    users = [(f"u{n}", "spa" if n % 2 else "eng", "F") for n in range(1, 11)]
    _write_extension_set(folder, users)
    with engine.begin() as conn:
        source_id = add_source(conn, "ext", "oneroster", {"path": str(folder)})
    first = sync_source(engine, "ext")
    assert first.status == "succeeded", first.error
    assert first.counts["custom_field"].inserted == 20  # ten records, two keys each

    fields, people = CANONICAL_TABLES["custom_field"], CANONICAL_TABLES["person"]
    query = (
        select(
            fields.c.entity,
            fields.c.record_source_id,
            fields.c.key,
            fields.c.value,
            people.c.source_record_id,
        )
        .join(people, people.c.id == fields.c.person_id)  # person_id is the person's hub id
        .where(
            fields.c.source_id == source_id, fields.c.deleted_at.is_(None), fields.c.record_source_id == "u1"
        )
        .order_by(fields.c.key)
    )
    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(query)]
        school = conn.execute(
            select(fields.c.school_id).where(fields.c.source_record_id == "person:u1:ext_lunch")
        ).scalar_one()
        org = conn.execute(select(CANONICAL_TABLES["organisation"].c.id)).scalar_one()
    assert stored == [
        ("person", "u1", "ext_lunch", "F", "u1"),
        ("person", "u1", "metadata.homeLanguage", "spa", "u1"),
    ]
    assert school == org

    # u1's language changes, u2's lunch code is emptied, u10 leaves: one update, three tombstones.
    changed = [("u1", "fra", "F"), ("u2", "eng", None), *users[2:9]]
    _write_extension_set(folder, changed)
    second = sync_source(engine, "ext")
    assert second.status == "succeeded", second.error
    counts = second.counts["custom_field"]
    assert (counts.inserted, counts.updated, counts.tombstoned) == (0, 1, 3)
    assert live_count(engine, source_id, "custom_field") == 17
