"""Read endpoints of ``hashpivot serve`` under 50 concurrent clients on loopback.

Starts the real server (uvicorn, SQLite in a temporary folder, seeded examples), then
alternates rounds, A B A B ... (5 pairs), each in two load shapes (closed loop, and
paced at one request per client per 0.5 s):

- A: 50 clients, each sending a fixed number of GETs cycling through the read endpoints,
  while a background thread keeps runs (simulate, pivot, cost) executing in the worker
  processes;
- B: the same load with no run going (the reference).

Prints per round p50 and p99 latency [ms] and requests/s, then median (min, max) of A and
B, the ratio A/B of p99, the server's peak RSS and the load average. Stops by itself
(bounded number of requests). Target: p99 < 200 ms for reads with runs going on.

Run: ``.venv/bin/python benchmarks/bench_web.py``
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

CLIENTS = 50
PACE_S = 0.5
REQUESTS_PER_CLIENT = 12
PAIRS = 5
READS = (
    "/api/portfolios",
    "/api/portfolios/1",
    "/api/portfolios/2/sites",
    "/api/runs?limit=20",
    "/api/runs/1",
    "/api/market/deals",
    "/api/market/btc?start=2025-01-01&end=2025-03-31",
    "/api/portfolios/1/toml",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db_url: str, port: int) -> subprocess.Popen[str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "HASHPIVOT_DATABASE_URL": db_url,
           "HASHPIVOT_WORKERS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hashpivot", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def _cpu_s(pid: int) -> float:
    """User + system CPU time of a process (not its children). [s]"""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mib(pid: int) -> float:
    """VmHWM of the server process. [MiB]"""
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(m.group(1)) / 1024 if m else float("nan")


async def _round(
    base: str, headers: dict[str, str], pace_s: float = 0.0
) -> tuple[float, float, float, int]:
    """One round: p50 [ms], p99 [ms], requests/s, errors.

    ``pace_s`` = 0: closed loop (each client sends its next request as soon as the last
    answer arrives). ``pace_s`` > 0: each client starts a request every ``pace_s`` seconds
    at most (a dashboard user polling), so the offered load is ``CLIENTS / pace_s``.
    """
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=30) as client:

        async def one(k: int) -> None:
            nonlocal errors
            await asyncio.sleep(pace_s * k / CLIENTS)  # spread the clients' phases
            for i in range(REQUESTS_PER_CLIENT):
                path = READS[(k + i) % len(READS)]
                t0 = time.perf_counter()
                next_start = t0 + pace_s
                try:
                    r = await client.get(path)
                except httpx.TransportError:  # counted; the round goes on
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1
                if pace_s:
                    await asyncio.sleep(max(0.0, next_start - time.perf_counter()))

        t0 = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(CLIENTS)))
        wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return 1000 * q[49], 1000 * q[98], len(latencies) / wall, errors


class _Background:
    """Keeps at least one run executing while ``active`` is set."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.api = httpx.Client(base_url=base, headers=headers, timeout=30)
        self.active = threading.Event()
        self.stop = threading.Event()
        self.submitted = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        jobs = [
            {"kind": "simulate", "portfolio_id": 2, "params": {"paths": 4000}},
            {"kind": "pivot", "portfolio_id": 2},
            {"kind": "cost", "portfolio_id": 1},
        ]
        i = 0
        while not self.stop.is_set():
            if not self.active.is_set():
                time.sleep(0.05)
                continue
            running = self.api.get("/api/runs", params={"status": "running"}).json()
            queued = self.api.get("/api/runs", params={"status": "queued"}).json()
            if len(running) + len(queued) < 2:
                self.api.post("/api/runs", json=jobs[i % len(jobs)])
                self.submitted += 1
                i += 1
            time.sleep(0.1)

    def quiesce(self) -> None:
        """Stop submitting and wait until no run is queued or running."""
        self.active.clear()
        while (self.api.get("/api/runs", params={"status": "running"}).json()
               or self.api.get("/api/runs", params={"status": "queued"}).json()):
            time.sleep(0.2)

    def start_runs(self) -> None:
        """Start submitting and wait until a run is executing."""
        self.active.set()
        deadline = time.monotonic() + 60
        while not self.api.get("/api/runs", params={"status": "running"}).json():
            if time.monotonic() > deadline:
                raise RuntimeError("no run started")
            time.sleep(0.1)


def main() -> None:
    """Run the benchmark and print its figures."""
    from hashpivot.store import keys
    from hashpivot.store.db import open_database

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine, factory = open_database(db_url)
        with factory() as s, s.begin():
            _, token = keys.create_key(s, "bench")
        engine.dispose()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        proc = _start(db_url, port)
        try:
            bg = _Background(base, headers)
            bg.start_runs()  # make run 1 exist for /api/runs/1
            asyncio.run(_round(base, headers))  # warm-up
            results: dict[str, list[tuple[float, float, float, int]]] = {
                "A": [], "B": [], "A paced": [], "B paced": []
            }
            load_before = os.getloadavg()
            server_cpu0, client_cpu0 = _cpu_s(proc.pid), time.process_time()
            for _ in range(PAIRS):
                bg.start_runs()
                results["A"].append(asyncio.run(_round(base, headers)))
                results["A paced"].append(asyncio.run(_round(base, headers, PACE_S)))
                bg.quiesce()
                results["B"].append(asyncio.run(_round(base, headers)))
                results["B paced"].append(asyncio.run(_round(base, headers, PACE_S)))
            load_after = os.getloadavg()
            server_cpu = _cpu_s(proc.pid) - server_cpu0
            client_cpu = time.process_time() - client_cpu0
            bg.stop.set()
            rss = _peak_rss_mib(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    n = CLIENTS * REQUESTS_PER_CLIENT
    print(f"{CLIENTS} clients x {REQUESTS_PER_CLIENT} GETs = {n} requests per round, "
          f"{PAIRS} pairs A (runs going) / B (idle), endpoints: {', '.join(READS)}")
    for label in results:
        for k, (p50, p99, rps, err) in enumerate(results[label]):
            print(f"  {label}{k + 1}: p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  {rps:6.0f} req/s  "
                  f"errors {err}")

    def summary(label: str, idx: int) -> str:
        vals = [r[idx] for r in results[label]]
        return f"{statistics.median(vals):.1f} ({min(vals):.1f}..{max(vals):.1f})"

    for label, what in (
        ("A", "closed loop, with runs"),
        ("B", "closed loop, idle"),
        ("A paced", f"1 request per client per {PACE_S} s, with runs"),
        ("B paced", f"1 request per client per {PACE_S} s, idle"),
    ):
        print(f"{label} ({what}): p50 {summary(label, 0)} ms, p99 {summary(label, 1)} ms, "
              f"{summary(label, 2)} req/s (median (min..max) over {PAIRS} rounds)")
    for a_key, b_key in (("A", "B"), ("A paced", "B paced")):
        ratios = [a[1] / b[1] for a, b in zip(results[a_key], results[b_key], strict=True)]
        print(f"p99 ratio {a_key}/{b_key}: median {statistics.median(ratios):.2f} "
              f"({min(ratios):.2f}..{max(ratios):.2f})")
    print(f"runs submitted in the background: {bg.submitted}")
    for key in ("A", "A paced"):
        worst = max(r[1] for r in results[key])
        print(f"target p99 < 200 ms with runs going ({key}): worst round {worst:.1f} ms -> "
              f"{'met' if worst < 200 else 'NOT met'}")
    total = sum(len(v) for v in results.values()) * n
    print(f"CPU per request: server {1000 * server_cpu / total:.2f} ms (its worker processes "
          f"excluded), load generator {1000 * client_cpu / total:.2f} ms")
    print(f"server peak RSS {rss:.0f} MiB; load average before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
