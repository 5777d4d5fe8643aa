"""Kill -9 the server during a run: after a restart the run is failed, portfolios intact."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.web.conftest import wait_run
from tests.web.server import Server, api_key


def test_kill9_mid_run_then_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    first = Server(url).start()
    try:
        token = api_key(url)
        h = {"Authorization": f"Bearer {token}"}
        api = httpx.Client(base_url=first.base, headers=h, timeout=30)
        before = {p["id"]: api.get(f"/api/portfolios/{p['id']}").json()["document"]
                  for p in api.get("/api/portfolios").json()}
        assert len(before) == 4
        # a finished run must survive the crash untouched
        done = api.post("/api/runs", json={"kind": "cost", "portfolio_id": 1}).json()["id"]
        deadline = time.monotonic() + 90
        assert wait_run(api, done, 90)["status"] == "succeeded"
        long = api.post("/api/runs", json={"kind": "simulate", "portfolio_id": 2,
                                           "params": {"paths": 200000, "chunk_paths": 500}})
        run_id = long.json()["id"]
        while True:
            run = api.get(f"/api/runs/{run_id}").json()
            if run["status"] == "running" and run["progress_fraction"] > 0:
                break
            assert run["status"] in ("queued", "running"), run
            assert time.monotonic() < deadline
            time.sleep(0.2)
        first.kill9()
    finally:
        first.stop()
    second = Server(url).start()
    try:
        api = httpx.Client(base_url=second.base, headers=h, timeout=30)
        run = api.get(f"/api/runs/{run_id}").json()
        assert run["status"] == "failed"
        assert "server stopped" in run["message"]
        after = {p["id"]: api.get(f"/api/portfolios/{p['id']}").json()["document"]
                 for p in api.get("/api/portfolios").json()}
        assert after == before
        assert api.get(f"/api/runs/{done}").json()["status"] == "succeeded"
        assert api.get(f"/api/runs/{done}/results").status_code == 200
        time.sleep(1.5)  # the orphaned worker must not revive the run
        assert api.get(f"/api/runs/{run_id}").json()["status"] == "failed"
        # and the restarted server runs new work
        new = api.post("/api/runs", json={"kind": "cost", "portfolio_id": 1}).json()["id"]
        assert wait_run(api, new, 90)["status"] == "succeeded"
    finally:
        second.stop()
