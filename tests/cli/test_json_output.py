"""``--json`` writes exactly one JSON document to stdout, for every command and every
dispatch solver (fast, lp, milp): run as real processes, so that anything a solver prints
at the file-descriptor level (the HiGHS banner) would show up in stdout.

Not here: ``serve`` (a server), ``keys`` and ``runs`` (they need its database; see
tests/web), ``data update`` (needs the network: tests/cli/test_data_update.py runs it with
recorded responses).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.cli_inputs import optimize_portfolio_file
from tests.engines.dispatch_inputs import PRICES, TINY_SITE
from tests.import_probe import imported_by_command

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

LIMITS = {
    "lp": "[sites.dispatch.limits]\nramp_mw_per_interval = 1.0\n",
    "milp": "[sites.dispatch.limits]\nmin_up_intervals = 2\nmin_down_intervals = 2\n",
}


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "hashpivot", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )


def _site(tmp_path: Path, solver: str) -> str:
    path = tmp_path / f"tiny_{solver}.toml"
    path.write_text(TINY_SITE + LIMITS.get(solver, ""))
    return str(path)


EX = str(ROOT / "examples")
CASES: dict[str, list[str]] = {
    "hashprice": ["hashprice", "--btc-price-usd", "1e5", "--difficulty", "1e14"],
    "cost": ["cost", f"{EX}/reverse-margin.toml", "--date", "2024-04-19"],
    "backtest": [
        "backtest", f"{EX}/reverse-margin.toml", "--start", "2024-01-01", "--end", "2024-01-31"
    ],
    "asics": ["asics", "--manufacturer", "MicroBT"],
    "network": ["network", "--date", "2024-04-19"],
    "data status": ["data", "status"],
    "init": ["init", "new-site.toml"],
    "profit": ["profit", "S21", "--power-price-usd-per-mwh", "50"],
    "pivot": ["pivot", f"{EX}/pivot-200mw.toml"],
    "deals": ["deals"],
    "simulate": ["simulate", str(DATA / "simulate_site.toml"), "--paths", "200", "--years", "1"],
}


@pytest.mark.parametrize("name", list(CASES))
def test_command_json_is_one_document(name: str, tmp_path: Path) -> None:
    res = _run([*CASES[name], "--json"], tmp_path)
    assert res.returncode == 0, res.stderr
    json.loads(res.stdout)  # one document, nothing before or after it
    assert "Traceback" not in res.stderr
    if name in ("pivot", "simulate", "profit"):
        # the bundled history ends 2025-09-26, over 30 days ago: a warning, on stderr only
        assert "warning: the latest data day is 2025-09-26" in res.stderr


@pytest.mark.parametrize("solver", ["fast", "lp", "milp"])
def test_dispatch_json_is_one_document_for_every_solver(solver: str, tmp_path: Path) -> None:
    args = ["dispatch", _site(tmp_path, solver), "--prices", str(PRICES), "--json"]
    if solver != "milp":
        args += ["--solver", solver]
    res = _run(args, tmp_path)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    # (until 2026-12-07 ``status in (...) or "objective_usd" in out``: every document has
    # an objective_usd, so any status passed)
    assert (out["status"], out["solver"]) == ("optimal", solver)
    # the net margin the document reports is the objective the solver reached
    assert out.get("solver_objective_usd", out["objective_usd"]) == pytest.approx(
        out["objective_usd"], rel=1e-9)


def test_optimize_json_is_one_document(tmp_path: Path) -> None:
    args = ["optimize", optimize_portfolio_file(tmp_path), "--scenarios", "8",
            "--evpi-scenarios", "2", "--json"]
    res = _run(args, tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["status"] == "ok"


#: The arguments of the start-up benchmark's command (benchmarks/bench_startup.py).
HASHPRICE_JSON = ["hashprice", "--btc-price-usd", "100000", "--difficulty", "100e12", "--json"]


def test_version_and_help_start_without_pandas(tmp_path: Path) -> None:
    from hashpivot import __version__
    from hashpivot.store.provenance import code_versions

    res = _run(["--version"], tmp_path)
    assert res.returncode == 0
    # the version and the code's hash, as a run's provenance records it
    assert res.stdout.strip() == f"hashpivot {__version__} (code {code_versions()['all']})"
    for args in (["--help"], ["--version"], HASHPRICE_JSON):
        imported, _ = imported_by_command(args, ["pandas", "rich"])
        assert not imported["pandas"], args
        if args[0] == "hashprice":  # a --json answer prints no table: rich is not imported
            assert not imported["rich"]


def test_hashprice_json_starts_without_numpy() -> None:
    """Issue 10: ``hashprice --json`` on scalars computes in plain floats, so neither its
    arithmetic (bitcoin, mining) nor its JSON output (reports.serialize) imports numpy,
    whose import alone is the start-up benchmark's reference; the answer is the same."""
    for args in (HASHPRICE_JSON, [*HASHPRICE_JSON, "--height", "840000"]):
        imported, stdout = imported_by_command(args, ["numpy", "pandas"])
        assert imported == {"numpy": False, "pandas": False}, args
        out = json.loads(stdout)
        # 3.125 BTC * 86400 s * 1e15 H/PH / (1e14 * 2^32 H) * 1e5 USD/BTC
        expected = 3.125 * 86400 * 1e15 / (100e12 * 2**32) * 100_000
        assert out["hashprice_usd_per_ph_day"] == pytest.approx(expected, rel=1e-12)
        assert out["subsidy_btc"] == 3.125
