"""The adapter conformance kit: one pytest base class that every adapter's tests subclass.

Writing an adapter means passing it. In your adapter's test module (in this repository or in
your own package):

    from adapters.sdk.testing import AdapterConformance

    class TestTinyMisConformance(AdapterConformance):
        adapter_name = "tinymis"
        adapter_class = TinyMisAdapter  # leave None when installed via the `satchel.adapters` entry point
        not_carried = {"person": {"date_of_birth", "gender"}}  # canonical fields your dialect lacks

        def make_app(self, district):  # your simulator, serving the synthetic district
            return create_app(district, api_key="k")

        def source_config(self, base_url):  # a working config for the served simulator
            return {"base_url": base_url, "api_key": "k", "page_size": 10}

        def bad_credentials_config(self, config):
            return {**config, "api_key": "wrong"}

        def set_district(self, app, district):  # swap what the running simulator serves
            app.state.simulator.district = district

        def mark_deleted(self, app, entity, ids):  # only if the source flags deletions
            app.state.simulator.mark_deleted(entity, ids)

How it runs: each test generates a small synthetic district (`district_students`), serves
`make_app(district)` wrapped in a `FaultInjector` on a loopback port (real HTTP; override
`serve` to serve it otherwise), adds it as a source to a fresh SQLite store, and drives it through
`hub.sync.sync_source` exactly as the hub does. "Unchanged" is checked byte for byte with
`store_snapshot`; "applied" by comparing every field the source carries with the district.
While a test runs, every `SourceHttpClient` gets `http_timeout` and records its sleeps instead of
sleeping, so retry tests take no time: do your HTTP through SourceHttpClient.

What is checked, each as its own test (skipped, with the reason, when the adapter's declared
capabilities or hooks make it not applicable): check() with good and bad credentials; a full
read gives frames with exactly each stream's `entity.polars_schema()`, none empty; a full sync
stores the district; an incremental read after edits returns only the changed records; deletions
(by absence from a full read, by status flag) end as tombstones; refused credentials, 429 with
Retry-After, a 5xx, a timeout, a persistent 5xx and a malformed payload each end as they must.

Requirements: pytest, and this package importable (`satchel` installed). Hooks receive and return
plain objects, so the kit works the same for built-in and third-party adapters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest
from sqlalchemy import Engine, select
from starlette.types import ASGIApp

from adapters.sdk import registry
from adapters.sdk.contract import Capabilities, DeletionDetection, MappedPage, SourceAdapter, Stream
from adapters.sdk.errors import AuthError, SourceContractError
from adapters.sdk.simserver import BackgroundServer
from adapters.sdk.testing.clients import fast_http_clients
from adapters.sdk.testing.faults import FaultInjector, FaultKind, Faults
from adapters.sdk.testing.store import fresh_store, store_differences, store_snapshot
from hub.store import CANONICAL_TABLES
from hub.store.runs import list_runs
from hub.store.sources import add_source, update_config
from hub.sync.engine import RunSummary, sync_source
from hub.synthetic import SyntheticDistrict, generate_district

SOURCE_NAME = "conformance"


@dataclass
class LiveSource:
    """The simulator being served for one test, and the switches to break it."""

    app: ASGIApp  # the simulator app as `make_app` returned it (unwrapped)
    faults: Faults
    url: str
    config: dict[str, Any]
    district: SyntheticDistrict
    slept: list[float] = field(default_factory=list)  # delays the adapter's HTTP clients asked for


@dataclass
class Read:
    """Everything a direct read of every stream gave (no sync engine involved)."""

    pages: list[tuple[Stream, MappedPage]]

    def frame(self, entity: str) -> pl.DataFrame:
        frames = [p.frame for s, p in self.pages if s.entity.name == entity]
        return pl.concat(frames, how="vertical") if frames else pl.DataFrame()


class AdapterConformance:
    """Subclass as `Test<YourAdapter>Conformance`, set `adapter_name` and implement the hooks."""

    adapter_name: ClassVar[str]
    adapter_class: ClassVar[type[SourceAdapter] | None] = None  # registered for the tests when set
    district_students: ClassVar[int] = 12
    district_seed: ClassVar[int] = 7
    not_carried: ClassVar[Mapping[str, Collection[str]]] = {}
    http_timeout: ClassVar[float] = 1.0  # seconds; a timeout fault holds a request 5 times longer
    credentials_hint: ClassVar[str] = "credentials"  # appears in check() and run errors on refusal

    # -- hooks ---------------------------------------------------------------------------------
    def make_app(self, district: SyntheticDistrict) -> ASGIApp:
        """The adapter's simulator serving `district`."""
        raise NotImplementedError

    def source_config(self, base_url: str) -> dict[str, Any]:
        """A config that reads the simulator served at `base_url`, with good credentials."""
        raise NotImplementedError

    def bad_credentials_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """`config` with credentials the simulator refuses."""
        raise NotImplementedError

    def set_district(self, app: ASGIApp, district: SyntheticDistrict) -> None:
        """Make the running simulator serve `district` from now on."""
        raise NotImplementedError

    def mark_deleted(self, app: ASGIApp, entity: str, ids: Sequence[str]) -> None:
        """Serve these records flagged as deleted (only for DeletionDetection.STATUS_FLAG)."""
        raise NotImplementedError

    def serve(self, app: ASGIApp) -> AbstractContextManager[str]:
        """Serve `app` (already wrapped in the fault injector); yield its base URL."""
        return _served(app)

    # -- fixtures -----------------------------------------------------------------------------
    @pytest.fixture
    def district(self) -> SyntheticDistrict:
        return generate_district(students=self.district_students, seed=self.district_seed)

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Engine]:
        """A fresh, migrated SQLite store."""
        engine = fresh_store(tmp_path)
        yield engine
        engine.dispose()

    @pytest.fixture
    def source(self, district: SyntheticDistrict) -> Iterator[LiveSource]:
        if self.adapter_class is not None:
            registry.register(self.adapter_class)
        app = self.make_app(district)
        faults = Faults()
        with (
            self.serve(FaultInjector(app, faults)) as url,
            fast_http_clients(timeout=self.http_timeout) as slept,
        ):
            yield LiveSource(app, faults, url, self.source_config(url), district, slept)

    # -- helpers ------------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return registry.adapter_class(self.adapter_name).capabilities

    def sync(self, store: Engine, *, full: bool = False) -> RunSummary:
        return sync_source(store, SOURCE_NAME, full=full)

    def first_sync(self, store: Engine, source: LiveSource) -> str:
        """Add the source and sync it once; return the source id."""
        with store.begin() as conn:
            source_id = add_source(conn, SOURCE_NAME, self.adapter_name, source.config)
        summary = self.sync(store)
        assert summary.status == "succeeded", f"the first sync failed: {summary.error}"
        return source_id

    def read_all(self, config: dict[str, Any]) -> Read:
        """Read and map every stream directly; adapter errors propagate."""

        async def read() -> Read:
            adapter = registry.create(self.adapter_name, config)
            pages: list[tuple[Stream, MappedPage]] = []
            try:
                for stream in adapter.streams():
                    async for page in stream.read(None):
                        pages.append((stream, stream.to_canonical(page)))
            finally:
                await adapter.aclose()
            return Read(pages)

        return asyncio.run(read())

    def assert_matches(self, store: Engine, source_id: str, district: SyntheticDistrict) -> None:
        frames = {e: district.frames[e] for e in self.capabilities.entities}
        assert store_differences(store, source_id, frames, not_carried=self.not_carried) == {}

    def assert_failed_unchanged(
        self, store: Engine, source_id: str, summary: RunSummary, before: dict[str, str]
    ) -> None:
        assert summary.status == "failed", "the run should have failed"
        assert summary.error, "a failed run must say why"
        assert store_snapshot(store) == before, "a failed run must leave the store exactly as it was"
        with store.connect() as conn:
            run = list_runs(conn, source_id, limit=1)[0]
        assert (run.status, run.error) == ("failed", summary.error)

    def edit(self, source: LiveSource) -> SyntheticDistrict:
        """Change some people at the source, so that a run that applies is visible in the store."""
        edited = source.district.with_edits(0.2, seed=1)
        self.set_district(source.app, edited)
        return edited

    # -- check() --------------------------------------------------------------------------------
    def test_check_passes_with_good_credentials(self, source: LiveSource) -> None:
        result = asyncio.run(self._check(source.config))
        assert result.ok, result.message
        assert result.message

    def test_check_fails_clearly_with_bad_credentials(self, source: LiveSource) -> None:
        result = asyncio.run(self._check(self.bad_credentials_config(source.config)))
        assert not result.ok
        assert self.credentials_hint in result.message.lower(), result.message

    async def _check(self, config: dict[str, Any]) -> Any:
        adapter = registry.create(self.adapter_name, config)
        try:
            return await adapter.check()
        finally:
            await adapter.aclose()

    # -- reading --------------------------------------------------------------------------------
    def test_full_read_gives_canonical_frames_for_every_declared_entity(self, source: LiveSource) -> None:
        read = self.read_all(source.config)
        for stream, mapped in read.pages:
            assert mapped.frame.schema == pl.Schema(stream.entity.polars_schema()), stream.name
            assert mapped.rejects == [], f"{stream.name}: {mapped.rejects[:3]}"
        for entity in self.capabilities.entities:
            assert read.frame(entity).height > 0, f"a full read of {entity} returned nothing"

    def test_full_sync_stores_what_the_source_serves(self, store: Engine, source: LiveSource) -> None:
        source_id = self.first_sync(store, source)
        self.assert_matches(store, source_id, source.district)

    def test_incremental_read_returns_only_changed_records(self, store: Engine, source: LiveSource) -> None:
        incremental = self.capabilities.incremental_entities
        if "person" not in incremental:
            pytest.skip("the kit edits people, and this adapter does not read people incrementally")
        source_id = self.first_sync(store, source)
        edited = self.edit(source)
        summary = self.sync(store)
        assert summary.status == "succeeded", summary.error
        assert summary.mode == "incremental"
        people = summary.counts["person"]
        assert people.read == people.updated == len(edited.edited_ids) > 0
        for entity in incremental:
            if entity != "person":
                assert summary.counts[entity].read == 0, f"{entity} was read again though nothing changed"
        assert summary.totals.inserted == summary.totals.tombstoned == 0
        self.assert_matches(store, source_id, edited)

    # -- deletions ------------------------------------------------------------------------------
    def test_records_missing_from_a_full_read_become_tombstones(
        self, store: Engine, source: LiveSource
    ) -> None:
        if DeletionDetection.FULL_READ not in self.capabilities.deletion_detection:
            pytest.skip("the adapter does not detect deletions by absence from a full read")
        source_id = self.first_sync(store, source)
        victim = _a_student(source.district)
        people = source.district.frames["person"]
        gone = replace(
            source.district,
            frames={**source.district.frames, "person": people.filter(pl.col("source_record_id") != victim)},
        )
        self.set_district(source.app, gone)
        summary = self.sync(store, full=True)
        assert summary.status == "succeeded", summary.error
        assert summary.counts["person"].tombstoned == 1
        assert _deleted_at(store, victim) is not None
        self.assert_matches(store, source_id, gone)

    def test_records_flagged_deleted_become_tombstones(self, store: Engine, source: LiveSource) -> None:
        if DeletionDetection.STATUS_FLAG not in self.capabilities.deletion_detection:
            pytest.skip("the adapter does not read deletion flags")
        source_id = self.first_sync(store, source)
        victim = _a_student(source.district)
        try:
            self.mark_deleted(source.app, "person", [victim])
        except NotImplementedError:
            pytest.skip("the conformance test does not implement the mark_deleted hook")
        summary = self.sync(store)
        assert summary.status == "succeeded", summary.error
        assert summary.counts["person"].tombstoned == 1
        assert _deleted_at(store, victim) is not None
        people = {"person": source.district.frames["person"]}
        differences = store_differences(store, source_id, people, not_carried=self.not_carried)
        assert differences == {"person": [victim]}

    # -- failures -------------------------------------------------------------------------------
    def test_refused_credentials_fail_the_run_and_change_nothing(
        self, store: Engine, source: LiveSource
    ) -> None:
        source_id = self.first_sync(store, source)
        bad = self.bad_credentials_config(source.config)
        with pytest.raises(AuthError):
            self.read_all(bad)
        self.edit(source)
        with store.begin() as conn:
            update_config(conn, source_id, bad)
        before = store_snapshot(store)
        summary = self.sync(store, full=True)
        self.assert_failed_unchanged(store, source_id, summary, before)
        assert self.credentials_hint in (summary.error or "").lower()

    def test_rate_limit_with_retry_after_is_retried(self, store: Engine, source: LiveSource) -> None:
        source_id = self.first_sync(store, source)
        edited = self.edit(source)
        source.slept.clear()
        source.faults.arm(FaultKind.RATE_LIMIT, at=2, times=2, retry_after=2)
        summary = self.sync(store, full=True)
        assert summary.status == "succeeded", summary.error
        assert len(source.faults.fired(FaultKind.RATE_LIMIT)) == 2
        waits = [s for s in source.slept if s >= 2]  # backoff after an unrelated slow request is far shorter
        assert waits == [2.0, 2.0], "the client must wait exactly what Retry-After says"
        self.assert_matches(store, source_id, edited)

    def test_a_transient_server_error_is_retried(self, store: Engine, source: LiveSource) -> None:
        source_id = self.first_sync(store, source)
        edited = self.edit(source)
        source.faults.arm(FaultKind.SERVER_ERROR, at=3, status=503)
        summary = self.sync(store, full=True)
        assert summary.status == "succeeded", summary.error
        assert len(source.faults.fired()) == 1
        self.assert_matches(store, source_id, edited)

    def test_a_timeout_is_retried(self, store: Engine, source: LiveSource) -> None:
        source_id = self.first_sync(store, source)
        edited = self.edit(source)
        source.faults.arm(FaultKind.TIMEOUT, at=3, delay=self.http_timeout * 5)
        summary = self.sync(store, full=True)
        assert summary.status == "succeeded", summary.error
        assert len(source.faults.fired()) == 1
        self.assert_matches(store, source_id, edited)

    def test_a_persistent_server_error_fails_the_run_and_changes_nothing(
        self, store: Engine, source: LiveSource
    ) -> None:
        source_id = self.first_sync(store, source)
        self.edit(source)
        before = store_snapshot(store)
        source.faults.arm(FaultKind.SERVER_ERROR, at=3, times=None, status=503)
        summary = self.sync(store, full=True)
        self.assert_failed_unchanged(store, source_id, summary, before)
        assert "503" in (summary.error or "")

    def test_a_malformed_payload_fails_the_run_and_changes_nothing(
        self, store: Engine, source: LiveSource
    ) -> None:
        source_id = self.first_sync(store, source)
        self.edit(source)
        source.faults.arm(FaultKind.TRUNCATE, at=3)
        with pytest.raises(SourceContractError):
            self.read_all(source.config)
        source.faults.clear()
        before = store_snapshot(store)
        source.faults.arm(FaultKind.TRUNCATE, at=3)
        summary = self.sync(store, full=True)
        self.assert_failed_unchanged(store, source_id, summary, before)


@contextmanager
def _served(app: ASGIApp) -> Iterator[str]:
    with BackgroundServer(app) as server:
        yield server.url


def _a_student(district: SyntheticDistrict) -> str:
    people = district.frames["person"]
    return str(people.filter(pl.col("role") == "student")["source_record_id"][0])


def _deleted_at(store: Engine, source_record_id: str) -> Any:
    people = CANONICAL_TABLES["person"]
    with store.connect() as conn:
        return conn.execute(
            select(people.c.deleted_at).where(people.c.source_record_id == source_record_id)
        ).scalar_one()
