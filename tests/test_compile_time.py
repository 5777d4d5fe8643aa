"""The paths' time of a first run includes numba compiling its kernels (4.40 s for 200
paths of the example on an empty cache, 0.34 s the run after): the run times it and the
model line says how much of it that was (hashpivot.compile_time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from numba import njit

from hashpivot.compile_time import compile_timer
from hashpivot.reports.tables.simulate import model_line

RESOLVED = {"btc_volatility_per_year": 0.52, "hashrate_elasticity": 0.1,
            "hashrate_volatility_per_year": 0.15, "price_hashrate_correlation": 0.3,
            "fees_lognormal_sigma": 0.4, "power_simulated": False}
ROOT = Path(__file__).resolve().parents[1]
INPUTS = {"resolved": RESOLVED, "executor": "local:threads=1", "scenario": {}}


def test_the_timer_counts_compiling_and_not_a_compiled_call() -> None:
    @njit  # (not cached: compiled here, in this test)
    def twice(a):  # type: ignore[no-untyped-def]
        return a * 2.0

    with compile_timer() as first:
        twice(np.ones(3))
    with compile_timer() as again:  # compiled: nothing to compile
        twice(np.ones(3))
    assert first.seconds > 0.0
    assert again.seconds == 0.0


def test_the_model_line_says_the_compiling_of_a_first_run() -> None:
    first = model_line(INPUTS, {"chunks": 4.40, "compile": 4.06})
    assert first is not None
    assert first.endswith("4.40 s for the paths (4.06 s of it numba compiling its kernels: "
                          "a first run after installing or updating; later runs load them "
                          "from its cache)")
    cached = model_line(INPUTS, {"chunks": 0.34, "compile": 0.0})
    assert cached is not None and cached.endswith("0.34 s for the paths")
    stored = model_line(INPUTS, {"chunks": 0.34})  # a run stored before it was timed
    assert stored is not None and stored.endswith("0.34 s for the paths")


def test_a_first_simulation_times_its_compiling(tmp_path: Path) -> None:
    # an empty numba cache (NUMBA_CACHE_DIR): the run compiles its kernels, as a user's
    # first run after installing does, and the time is part of its paths'
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "hashpivot", "simulate", str(ROOT / "examples" / "pivot-200mw.toml"),
         "--paths", "8", "--years", "1", "--threads", "1", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-500:]
    t = json.loads(out.stdout)["timings_s"]
    assert 0.0 < t["compile"] <= t["chunks"]
    assert any(tmp_path.rglob("*.nbi"))  # (it compiled into the cache given)


def test_optimize_says_its_compiling_as_simulate_does() -> None:
    """optimize draws and values its scenarios with the same kernels; its coefficients'
    time gave no word of their compiling, where simulate's model line did."""
    from hashpivot.reports.tables.optimize import summary_lines
    from tests.optimize_result import plan_result_json

    said = model_line(INPUTS, {"chunks": 4.40, "compile": 4.06})
    assert said is not None
    wording = said.split("4.40 s for the paths")[1]
    j = plan_result_json() | {"coefficient_seconds": 4.40, "compile_seconds": 4.06}
    (line,) = [x for x in summary_lines(j) if x.startswith("HiGHS")]
    assert f"coefficients 4.40 s{wording}, build " in line
    cached = plan_result_json() | {"coefficient_seconds": 0.34, "compile_seconds": 0.0}
    assert "coefficients 0.34 s, build " in summary_lines(cached)[-1]


def test_a_first_optimization_times_its_compiling(tmp_path: Path) -> None:
    # an empty numba cache: the scenarios' kernels compile within the coefficients' time
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "hashpivot", "optimize", str(ROOT / "examples" / "portfolio.toml"),
         "--scenarios", "2", "--evpi-scenarios", "1", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-500:]
    j = json.loads(out.stdout)
    assert 0.0 < j["compile_seconds"] <= j["coefficient_seconds"]
