"""`satchel demo` end to end, as a user runs it: the printed commands must work as printed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

READY_WITHIN_SECONDS = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("curl") is None, reason="the demo prints curl commands; curl is not installed"
)
def test_demo_serves_and_its_printed_commands_work(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SATCHEL_DATABASE_URL"}
    env["COLUMNS"] = "200"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "demo", "--students", "120", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        # Generous: three simulated syncs on a 2-core machine that other test processes may be
        # loading; this test is about what the demo prints and serves, not how fast it starts.
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail("demo exited early:\n" + "".join(lines))
            lines.append(line)
            if line.startswith("Stop: Ctrl-C"):
                break
        else:
            pytest.fail(f"demo did not get ready within {READY_WITHIN_SECONDS} s:\n" + "".join(lines))

        _wait_for_health(port)
        token_line = next(line.strip() for line in lines if line.strip().startswith("TOKEN=$(curl"))
        query_line = next(
            line.strip() for line in lines if line.strip().startswith('curl -s -H "Authorization')
        )
        result = subprocess.run(
            ["bash", "-c", f"{token_line}\n{query_line}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        body = json.loads(result.stdout)
        assert "errors" not in body, body
        schools = body["data"]["schools"]["edges"]
        assert len(schools) >= 3  # one or more from OneRoster, one from Focus, one from Arbor
        students = [e["node"] for s in schools for e in s["node"]["students"]["edges"]]
        assert students
        assert all(s["givenName"] and s["familyName"] for s in students)
        assert (tmp_path / ".satchel" / "demo.db").exists()
        _admin_sees_the_pending_request(port, next(line for line in lines if line.startswith("Admin UI:")))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _wait_for_health(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail("GET /health never answered 200")


def _admin_sees_the_pending_request(port: int, admin_line: str) -> None:
    """The printed admin credentials sign in, and the demo's pending request is waiting."""
    email, password = admin_line.split("sign in as ", 1)[1].split(" (")[0].split(" / ")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        login = http.post("/admin/api/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        pending = http.get("/admin/api/requests", params={"status": "pending"})
        assert pending.status_code == 200, pending.text
        assert len(pending.json()) == 1
        page = http.get("/admin/requests?status=pending")
        assert page.status_code == 200
        assert "Homework Planner" in page.text
