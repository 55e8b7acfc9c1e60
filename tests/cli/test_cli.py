"""The scriptable CLI: every command against a real database and a simulated OneRoster server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.oneroster.simulator import create_app
from adapters.sdk.simserver import BackgroundServer
from hub.cli import cli, context
from hub.store import runs
from hub.store.sources import get_source
from hub.synthetic import generate_district


@pytest.fixture
def satchel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Runs `satchel …` in-process against a fresh SQLite file; returns (exit code, output)."""
    monkeypatch.setenv("SATCHEL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    context.engine.cache_clear()
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> tuple[int, str]:
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.output

    yield run
    context.engine().dispose()
    context.engine.cache_clear()


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    app = create_app(generate_district(students=80, seed=3), client_id="ck", client_secret="cs")
    with BackgroundServer(app) as server:
        yield server.url


def test_sources_sync_and_apps_round_trip(satchel: Any, sim_url: str) -> None:
    code, out = satchel("sources", "add", "lincoln", "--adapter", "oneroster", "--url", sim_url,
                        "--client-id", "ck", "--client-secret", "cs", "--json")  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["name"] == "lincoln"

    code, out = satchel("sources", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["config"]["client_secret"] == "***"

    code, out = satchel("sources", "test", "lincoln", "--json")
    assert code == 0, out
    assert json.loads(out)["ok"] is True

    code, out = satchel("sync", "lincoln", "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["status"] == "succeeded"
    assert summary["totals"]["inserted"] > 80
    assert summary["quarantined"] == []

    code, out = satchel("sync", "history", "--json")
    assert code == 0, out
    (run,) = json.loads(out)
    assert (run["source"], run["status"]) == ("lincoln", "succeeded")

    code, out = satchel("apps", "create", "Reading App", "--json")
    assert code == 0, out
    created = json.loads(out)
    assert created["client_id"].startswith("sat_")
    assert len(created["client_secret"]) >= 32

    code, out = satchel(
        "apps", "grant", "Reading App", "--source", "lincoln", "--data-types", "students,classes", "--json"
    )
    assert code == 0, out
    grants = json.loads(out)["grants"]
    assert grants
    assert all(g["data_types"] == ["students", "classes"] for g in grants)

    code, out = satchel("apps", "revoke", "Reading App", "--json")
    assert code == 0, out
    assert json.loads(out)["revoked"] == len(grants)


def test_errors_are_clear_and_exit_non_zero(satchel: Any, sim_url: str) -> None:
    code, out = satchel("sync", "nowhere")
    assert code == 1
    assert "no source named 'nowhere'" in out

    code, out = satchel("sources", "add", "bad", "--adapter", "oneroster", "--url", "ftp://x")
    assert code == 1
    assert "must start with http" in out

    code, out = satchel("sources", "add", "wrong", "--adapter", "oneroster", "--url", sim_url,
                        "--client-id", "ck", "--client-secret", "nope")  # fmt: skip
    assert code == 0
    code, out = satchel("sources", "test", "wrong")
    assert code == 1
    assert "refused the credentials" in out
    code, out = satchel("sync", "wrong", "--json")
    assert code == 1
    assert json.loads(out)["status"] == "failed"

    code, out = satchel("apps", "grant", "ghost", "--source", "wrong", "--data-types", "students")
    assert code == 1
    assert "no app named" in out
    satchel("apps", "create", "Real")
    code, out = satchel("apps", "grant", "Real", "--source", "wrong", "--data-types", "students")
    assert code == 1
    assert "sync it first" in out


def test_operator_commands(satchel: Any, sim_url: str) -> None:
    satchel("sources", "add", "lincoln", "--adapter", "oneroster", "--url", sim_url,
            "--client-id", "ck", "--client-secret", "cs")  # fmt: skip
    code, out = satchel("sources", "payload-log", "lincoln", "--on")
    assert code == 0, out
    code, out = satchel("sources", "schedule", "lincoln", "--every", "60")
    assert code == 0, out
    code, out = satchel("sources", "schedule", "lincoln")
    assert code == 1
    assert "--every MINUTES or --off" in out

    code, out = satchel("sync", "lincoln", "--json")
    assert code == 0, out
    run_id = json.loads(out)["run_id"]
    with context.engine().connect() as conn:
        payloads = runs.payloads_for_run(conn, run_id)
        source = get_source(conn, "lincoln")
    assert source.sync_interval_minutes == 60
    assert payloads
    assert all(p.status == 200 and p.body.startswith("{") for p in payloads)
    assert any("/users" in p.url for p in payloads)

    code, out = satchel("sources", "orgs", "lincoln", "--json")
    assert code == 0, out
    orgs = json.loads(out)
    district = next(o for o in orgs if o["kind"] == "district")
    school = next(o for o in orgs if o["kind"] == "school")

    code, out = satchel("users", "create", "head@school.example", "--role", "school_admin", "--org", school["id"],
                        "--password-stdin", "--json", input="correct horse battery staple\n")  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["role"] == "school_admin"
    code, out = satchel("users", "create", "trust@x.example", "--role", "trust_admin", "--org", school["id"],
                        "--password-stdin", input="correct horse battery staple\n")  # fmt: skip
    assert code == 1  # a trust admin needs a district or trust, not a school
    assert district["kind"] == "district"

    code, out = satchel("db", "maintenance", "--json")
    assert code == 0, out
    assert set(json.loads(out)) == {"payloads_purged", "tombstones_purged", "tokens_purged"}
