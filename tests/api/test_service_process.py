"""The real thing: `rev serve` in its own process, `rev keys`, and durability across a kill -9."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from api.commands import register
from api.settings import Settings
from api.storage import decision_log, repository
from api.storage.db import Database
from tests.api.support import ROOT, document

runner = CliRunner()
CLIENTS = 4
PER_CLIENT = 15


def _cli() -> Any:
    import typer

    app = typer.Typer()
    register(app)
    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {**os.environ, "REVGATE_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}


def test_keys_create_list_revoke(database_url: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVGATE_DATABASE_URL", database_url)
    created = runner.invoke(_cli(), ["keys", "create", "--email", "Ann@Acme.example", "--role", "approver"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("rvg_") and " " not in token
    database = Database(Settings(database_url=database_url))
    try:
        with database.connection() as connection:
            key = repository.find_key(connection, token)
        assert key is not None and key.email == "ann@acme.example" and key.role == "approver"
        listed = runner.invoke(_cli(), ["keys", "list"])
        assert key.id in listed.output and token not in listed.output
        revoked = runner.invoke(_cli(), ["keys", "revoke", key.id])
        assert revoked.exit_code == 0
        with database.connection() as connection:
            again = repository.find_key(connection, token)
        assert again is not None and not again.active
    finally:
        database.dispose()
    assert runner.invoke(_cli(), ["keys", "revoke", "key_unknown"]).exit_code == 1
    assert runner.invoke(_cli(), ["keys", "create", "--email", "nobody", "--role", "admin"]).exit_code == 2
    assert runner.invoke(_cli(), ["keys", "create", "--email", "a@b.example", "--role", "root"]).exit_code == 2


@pytest.fixture(params=[1, 2], ids=["1 worker", "2 workers"])
def server(
    request: pytest.FixtureRequest, env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """`python -m api.serve` (what `rev serve` runs) on a free loopback port, with its output."""
    port = _free_port()
    log = tmp_path / "serve.log"
    workers = ["--workers", str(request.param)]
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.serve", "--port", str(port), "--no-access-log", *workers],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: killing it kills its workers too
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        _kill_group(process)
        pytest.fail("the service did not start:\n" + log.read_text())
    yield process, base, log.read_text()
    _kill_group(process)


def _kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the server and its workers (they share its process group), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_serve_seeds_a_new_database_and_acknowledged_decisions_survive_kill_9(
    server: tuple[subprocess.Popen[str], str, str], database_url: str
) -> None:
    """Workers append to one chain concurrently; every 201 is durable the moment it is sent."""
    process, base, output = server
    assert "loaded the example policy pack and charter" in output
    assert "rev keys create --email you@example.com --role admin" in output
    database = Database(Settings(database_url=database_url))
    try:
        with database.writing() as session:
            _key, token = repository.create_key(session, "sub@test.example", "submitter")
        headers = {"Authorization": f"Bearer {token}"}
        body = {"document": document("plan-ae-mm.yaml"), "date": "2026-07-15"}

        def submit_many(_: int) -> list[str]:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                answers = [http.post("/v1/decisions", json=body) for _ in range(PER_CLIENT)]
            assert all(answer.status_code == 201 for answer in answers)
            return [answer.json()["id"] for answer in answers]

        with ThreadPoolExecutor(CLIENTS) as pool:
            ids = [i for batch in pool.map(submit_many, range(CLIENTS)) for i in batch]
        last = httpx.post(f"{base}/v1/decisions", json=body, headers=headers)
        assert last.status_code == 201, last.text
        _kill_group(process)  # right after the acknowledgement: no shutdown, no flush
        with database.reading() as session:
            stored = decision_log.get(session, last.json()["id"])
            report = decision_log.verify(session)
        assert stored is not None and stored.hash == last.json()["chain"]["hash"]
        assert report.ok and report.checked == len(set(ids)) + 1 == CLIENTS * PER_CLIENT + 1
    finally:
        database.dispose()
