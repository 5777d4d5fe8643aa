"""Share of a run page's time spent on its input warnings (``store.runs.input_warnings``).

A finished run's page, ``GET /api/runs/{id}/tables`` and ``hashpivot runs show --tables``
tell its warnings about its input (values in a doubtful unit) from its engine's notes:
:func:`hashpivot.store.runs.stored_run_tables` finds them by validating the run's stored
portfolio again (since 2026-12-07 once per document in a process: ``input_warnings``
caches them by the documents' JSON text, so "alone" times a warm lookup).

This script runs a pivot and a simulate run of each seeded example in a service on
SQLite (in process, no job runner: the runs are executed here), then times each view,
``GET /runs/{id}`` (the page, with its charts) and ``GET /api/runs/{id}/tables``, in
alternating pairs: as it is (reference) and with the warnings' lookup replaced by its
answer (stage), and ``input_warnings`` alone. Prints per run and view median [min, max]
of each [ms], of the ratio stage/reference, and the share of the view's median time that
``input_warnings``' median takes, and the process's peak RSS [MiB].

Run: ``.venv/bin/python benchmarks/bench_run_page_warnings.py`` (as ``make bench`` does)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timing import fmt, load_average, pairs, peak_rss_mib, ratios, timed

PAIRS = 15
KINDS = (("pivot", {}), ("simulate", {"paths": 500}))


def _client(folder: str) -> Any:
    from fastapi.testclient import TestClient

    from hashpivot.store.settings import Settings
    from hashpivot.web.app import create_app

    app = create_app(Settings(workers=1, seed_examples=True),
                     database_url=f"sqlite:///{folder}/hp.sqlite", run_jobs=False)
    return TestClient(app)


def _finished_run(client: Any, portfolio_id: int, kind: str, params: dict[str, Any]) -> int:
    """Submit a run and execute it here, as a worker would; its id."""
    from hashpivot.store import jobs
    from hashpivot.store import portfolios as store
    from hashpivot.store.runs import execute_run
    from hashpivot.store.tables import PortfolioRow, utcnow

    with client.app.state.factory() as s, s.begin():
        row = s.get(PortfolioRow, portfolio_id)
        run = jobs.submit(s, kind, row, store.validate_document(row.document), params)
        out = execute_run(run.inputs)
        run.results, run.charts = out.results, out.charts
        run.status, run.finished_at = "succeeded", utcnow()
        return int(run.id)


def _view(client: Any, url: str, real: Callable[[dict[str, Any]], list[str]],
          stored: list[str]) -> tuple[list[float], list[float]]:
    """Alternating pairs of ``GET url``: as it is, and with ``input_warnings`` replaced by
    its answer ``stored`` (what a run storing its warnings would read). [s]"""
    import hashpivot.store.runs as runs

    def view() -> None:
        assert client.get(url).status_code == 200

    def without() -> None:
        runs.input_warnings = lambda _inputs: stored  # type: ignore[assignment]
        try:
            view()
        finally:
            runs.input_warnings = real  # type: ignore[assignment]

    return pairs(view, without, PAIRS)


def main() -> None:
    import hashpivot.store.runs as runs
    from hashpivot.store.tables import PortfolioRow, RunRow

    real: Callable[[dict[str, Any]], list[str]] = runs.input_warnings
    with tempfile.TemporaryDirectory() as folder, _client(folder) as client:
        from tests.web.conftest import add_key, login

        login(client)  # (the page's session)
        add_key(client)  # (the API's key)
        with client.app.state.factory() as s:
            portfolios = [(p.id, p.name) for p in s.query(PortfolioRow).order_by(PortfolioRow.id)]
        print(f"{PAIRS} pairs per view; load average {load_average():.2f}")
        print("run | view | as it is [ms] | warnings stored [ms] | stored / as it is [-] | "
              "input_warnings alone [ms] | alone / view, medians [%]")
        for pid, name in portfolios:
            for kind, params in KINDS:
                try:
                    run_id = _finished_run(client, pid, kind, params)
                except Exception as exc:  # (an example a kind does not run)
                    print(f"{name[:30]} {kind}: not run ({type(exc).__name__})")
                    continue
                with client.app.state.factory() as s:
                    inputs = s.get(RunRow, run_id).inputs
                stored = real(inputs)
                alone = [timed(lambda i=inputs: real(i)) for _ in range(PAIRS)]
                for url in (f"/runs/{run_id}", f"/api/runs/{run_id}/tables"):
                    ref, st = _view(client, url, real, stored)
                    print(f"{name[:30]} {kind} | {url} | {fmt(ref, 1e3, '.1f')} | "
                          f"{fmt(st, 1e3, '.1f')} | {fmt(ratios(ref, st), 1, '.3f')} | "
                          f"{fmt(alone, 1e3, '.1f')} | "
                          f"{100 * statistics.median(alone) / statistics.median(ref):.1f}")
        print(f"load average {load_average():.2f}")
        print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
