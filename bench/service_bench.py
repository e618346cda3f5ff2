"""The governance service over loopback: persisted decisions per second, and p99 latency at a
fixed request rate, on SQLite and on PostgreSQL (issue 4).

    python bench/service_bench.py [--backend sqlite|postgres|both] [--workers 2]
                                  [--requests 3000] [--concurrency 64] [--rate 200] [--seconds 10]

For each backend it starts the service exactly as `rev serve` does (`python -m api.serve`, on
127.0.0.1 only) on a new database seeded with the benchmark pack (bench/policies and
bench/charter.yaml, frozen copies of the examples), creates a submitter key, and then:

1. **Throughput**: `--requests` submissions from `--concurrency` keep-alive connections as fast
   as the service answers; persisted decisions/s is the growth of the decision log (counted in
   the database, not from responses) over the wall time. 64 connections by default: a worker
   whose submissions all wait for their batch's commit (behind the other worker's, on SQLite)
   has nothing to do, so with 16 the CPUs were a quarter idle and the run measured the wait.
2. **Latency**: an open-loop schedule at `--rate` requests/s for `--seconds`; each latency is
   measured from the request's *scheduled* time, so a stalled server cannot hide its queueing
   (no coordinated omission).

It also reports the CPU time the service (all its processes) and this client spent per decision
in the throughput run: on a machine shared with other work, that is the figure that does not
depend on the neighbours, and it bounds what idle cores could do.

**Baseline.** Before the backends, the same client runs the throughput measurement against
bench/framework_floor.py: uvicorn and FastAPI alone, serving a sync `POST /v1/decisions` of the
same shape (body model, async bearer dependency, 201) that decides and stores nothing, with the
same workers. Each backend's figures are printed as ratios to it: no route of this service can
be faster than that on this machine, so the ratio says how much Revgate's own work costs,
whatever the machine.

Documents are a seeded mix of generated comp plans and budgets (bench/generate.py), some
compliant, some not, so evaluation does real work. The client is a minimal HTTP/1.1 client on
asyncio streams with pre-encoded requests, to leave the CPU to the server. PostgreSQL needs
`REVGATE_TEST_POSTGRES_URL` (scripts/postgres-setup.sh prints it); each run uses a new schema.
Targets: at least 1,000 decisions/s (on 2 cores) and p99 under 25 ms at 200 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from generate import budget, comp_plan  # noqa: E402
from sqlalchemy import text  # noqa: E402

from api.settings import Settings  # noqa: E402
from api.storage import decision_log, repository  # noqa: E402
from api.storage.db import Database  # noqa: E402

TARGET_THROUGHPUT = 1000.0
TARGET_P99_MS = 25.0
DATE = "2026-07-15"


@dataclass
class Service:
    """A running service process and how to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    database_url: str
    token: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database_url(backend: str) -> Iterator[str]:
    """A new, empty database for one run: a SQLite file, or a PostgreSQL schema dropped after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="revgate-bench-") as directory:
            yield f"sqlite:///{directory}/revgate.db"
        return
    base = os.environ.get("REVGATE_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit('PostgreSQL: set REVGATE_TEST_POSTGRES_URL (eval "$(scripts/postgres-setup.sh)")')
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(libpq, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def running_floor(workers: int) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """bench/framework_floor.py under uvicorn, served as `rev serve` serves the service."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)])}
    command = [sys.executable, "-m", "uvicorn", "framework_floor:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_until_healthy(process, port, log, path="/openapi.json")
            yield process, port
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # uvicorn's supervisor stops its workers
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the whole group: no orphaned workers
        process.wait()


@contextmanager
def running_service(url: str, workers: int) -> Iterator[Service]:
    """`python -m api.serve` on a free loopback port, seeded with the benchmark pack."""
    port = _free_port()
    env = {**os.environ, "REVGATE_DATABASE_URL": url, "REVGATE_EXAMPLES_DIR": str(HERE), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "api.serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log"]
    # The log goes to a file, not a pipe: a chatty server must never block on a full pipe.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_until_healthy(process, port, log)
            database = Database(Settings(database_url=url))
            with database.writing() as session:
                _key, token = repository.create_key(session, "bench@acme.example", "submitter")
            database.dispose()
            yield Service(process, port, url, token)
        finally:
            _stop(process)


def _wait_until_healthy(process: subprocess.Popen[bytes], port: int, log: Any, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit("the service exited:\n" + log.read().decode(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
                if connection.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not become healthy in 90 s")


def request_bodies(count: int, seed: int) -> list[bytes]:
    """Pre-encoded POST /v1/decisions requests over a seeded mix of plans and budgets."""
    rng = random.Random(seed)
    documents = [(comp_plan if i % 2 else budget)(rng, i) for i in range(count)]
    return [json.dumps({"document": d, "date": DATE}, default=str).encode() for d in documents]


def encode_request(body: bytes, port: int, token: str) -> bytes:
    head = (
        f"POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    """One keep-alive HTTP/1.1 connection: send a request, read one response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> int:
        """Send one request; the response's status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def closed_loop(port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[int]]:
    """Send every request as fast as answered over `concurrency` connections; (seconds, statuses)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    statuses: list[int] = []

    async def worker() -> None:
        connection = await Connection.open(port)
        try:
            while not queue.empty():
                statuses.append(await connection.exchange(queue.get_nowait()))
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, statuses


async def open_loop(
    port: int, requests: list[bytes], rate: float, pool_size: int = 64
) -> tuple[list[float], list[int]]:
    """Send request i at start + i/rate regardless of earlier answers; latencies from schedule."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool_size):
        pool.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    statuses: list[int] = []
    start = time.perf_counter() + 0.05

    async def one(index: int, request: bytes) -> None:
        scheduled = start + index / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        connection = await pool.get()
        try:
            statuses.append(await connection.exchange(request))
        finally:
            pool.put_nowait(connection)
        latencies.append(time.perf_counter() - scheduled)

    await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
    while not pool.empty():
        pool.get_nowait().close()
    return latencies, statuses


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds used so far by a process and all its descendants (Linux /proc; None elsewhere).

    On a shared machine, throughput says little on its own; CPU per decision says what the
    service costs whatever else is running, and what two idle cores would allow."""
    try:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    except OSError:
        return None
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, (ppid, _ticks) in stats.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(stats[member][1] for member in tree if member in stats) / os.sysconf("SC_CLK_TCK")


def count_decisions(url: str) -> int:
    database = Database(Settings(database_url=url))
    try:
        with database.reading() as session:
            return int(session.execute(text("SELECT count(*) FROM decisions")).scalar_one())
    finally:
        database.dispose()


def verify_chain(url: str) -> decision_log.ChainReport:
    """Replay the hash chain the workers built concurrently: the run only counts if it holds."""
    database = Database(Settings(database_url=url))
    try:
        with database.reading() as session:
            return decision_log.verify(session)
    finally:
        database.dispose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, float]:
    """Both measurements on one backend; the figures."""
    bodies = request_bodies(200, args.seed)
    with database_url(backend) as url, running_service(url, args.workers) as service:
        encoded = [encode_request(b, service.port, service.token) for b in bodies]
        warm = [encoded[i % len(encoded)] for i in range(100)]
        asyncio.run(closed_loop(service.port, warm, 4))
        before = count_decisions(url)
        batch = [encoded[i % len(encoded)] for i in range(args.requests)]
        server_before, client_before = process_tree_cpu(service.process.pid), time.process_time()
        seconds, statuses = asyncio.run(closed_loop(service.port, batch, args.concurrency))
        server_after, client_after = process_tree_cpu(service.process.pid), time.process_time()
        persisted = count_decisions(url) - before
        refused = Counter(s for s in statuses if s != 201)
        paced = [encoded[i % len(encoded)] for i in range(int(args.rate * args.seconds))]
        latencies, paced_statuses = asyncio.run(open_loop(service.port, paced, args.rate))
        refused.update(s for s in paced_statuses if s != 201)
        chain = verify_chain(url)
    return {
        "decisions_per_s": persisted / seconds,
        "persisted": persisted,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000,
        "failures": sum(refused.values()),
        **{f"status_{status}": float(count) for status, count in sorted(refused.items())},
        "chain_ok": float(chain.ok),
        "chain_length": chain.checked,
        "server_cpu_ms": (server_after - server_before) / len(batch) * 1000
        if server_before is not None and server_after is not None
        else float("nan"),
        "client_cpu_ms": (client_after - client_before) / len(batch) * 1000,
    }


def measure_floor(args: argparse.Namespace) -> dict[str, float]:
    """The throughput run against bench/framework_floor.py: requests/s and its CPU per request."""
    bodies = request_bodies(200, args.seed)
    with running_floor(args.workers) as (process, port):
        encoded = [encode_request(b, port, "floor") for b in bodies]
        asyncio.run(closed_loop(port, [encoded[i % len(encoded)] for i in range(100)], 4))
        batch = [encoded[i % len(encoded)] for i in range(args.requests)]
        before = process_tree_cpu(process.pid)
        seconds, statuses = asyncio.run(closed_loop(port, batch, args.concurrency))
        after = process_tree_cpu(process.pid)
    if any(status != 201 for status in statuses):
        raise SystemExit(f"the framework floor answered {sorted(set(statuses))}, not only 201")
    cpu = (after - before) / len(batch) * 1000 if before is not None and after is not None else float("nan")
    return {"requests_per_s": len(batch) / seconds, "server_cpu_ms": cpu}


def report_floor(floor: dict[str, float], args: argparse.Namespace) -> None:
    print(f"baseline: uvicorn + FastAPI alone ({args.workers} worker(s), bench/framework_floor.py)")
    print(
        f"  {floor['requests_per_s']:8.0f} requests/s over {args.concurrency} connections, "
        f"server CPU {floor['server_cpu_ms']:.2f} ms per request: no route can do better here"
    )


def report(backend: str, figures: dict[str, float], args: argparse.Namespace, floor: dict[str, float]) -> None:
    throughput_ratio = figures["decisions_per_s"] / TARGET_THROUGHPUT
    latency_ratio = TARGET_P99_MS / figures["p99_ms"]
    print(f"\n{backend} ({args.workers} worker(s), {os.cpu_count()} CPU(s))")
    print(
        f"  throughput: {figures['decisions_per_s']:8.0f} persisted decisions/s "
        f"({figures['persisted']:.0f} in the log; target >= {TARGET_THROUGHPUT:.0f}: ratio {throughput_ratio:.2f})"
    )
    print(
        f"  latency at {args.rate:.0f} req/s for {args.seconds:.0f} s: p50 {figures['p50_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms "
        f"(target p99 < {TARGET_P99_MS:.0f} ms: ratio {latency_ratio:.2f})"
    )
    cores = os.cpu_count() or 1
    per_decision = figures["server_cpu_ms"] + figures["client_cpu_ms"]
    print(
        f"  CPU per decision in the throughput run: service {figures['server_cpu_ms']:.2f} ms, "
        f"this client {figures['client_cpu_ms']:.2f} ms (so {cores} idle core(s) allow about "
        f"{cores * 1000 / per_decision:.0f} decisions/s)"
    )
    print(
        f"  against the baseline: {figures['decisions_per_s'] / floor['requests_per_s']:.2f} of its throughput, "
        f"{figures['server_cpu_ms'] / floor['server_cpu_ms']:.1f}x its CPU per request "
        f"(Revgate's own work: {figures['server_cpu_ms'] - floor['server_cpu_ms']:.2f} ms per decision)"
    )
    state = "intact" if figures["chain_ok"] else "BROKEN"
    print(f"  hash chain: {state} over {figures['chain_length']:.0f} decisions")
    if figures["failures"]:
        statuses = ", ".join(f"{int(n)} x {name[7:]}" for name, n in figures.items() if name.startswith("status_"))
        print(f"  {figures['failures']:.0f} request(s) did not get 201: {statuses}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_backend = "both" if os.environ.get("REVGATE_TEST_POSTGRES_URL") else "sqlite"
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default=default_backend)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--requests", type=int, default=3000, help="submissions in the throughput run")
    parser.add_argument("--concurrency", type=int, default=64, help="connections in the throughput run")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second in the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    floor = measure_floor(args)
    report_floor(floor, args)
    ok = True
    for backend in backends:
        figures = run_backend(backend, args)
        report(backend, figures, args, floor)
        ok = ok and figures["decisions_per_s"] >= TARGET_THROUGHPUT and figures["p99_ms"] < TARGET_P99_MS
        ok = ok and not figures["failures"] and bool(figures["chain_ok"])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
