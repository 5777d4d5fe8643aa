"""Benchmark the dispatch solvers on one year of 15-minute intervals.

35,040 intervals (the first 365 days of the bundled ERCOT HB_WEST 2024 prices), a
10-tranche fleet (10 x 20 MW from 15 to 35 J/TH), 50 MW of firm AI load, hashprice 50
USD/PH/day, grid adder 3 USD/MWh:

1. the exact fast path (merit order, target < 50 ms), in ``--repeats`` alternating pairs
   with its reference, the bare numpy pass of the same merit order (each tranche's hash
   value per MWh against the interval's price plus adder, the load and the totals; none
   of the fast path's supply pieces, DR or 4CP checks): fast / bare as median [min, max];
2. the LP with a ramp limit of 20 MW per interval (target < 5 s);
3. the MILP with min up / min down times of 4 intervals (1 h), time limit 60 s, gap
   target 1 % (rolling windows of 24 h + 6 h look-ahead), in alternating pairs with its
   reference, the year's LP without binaries or min up/down, each solve in a fresh
   process: wall / limit, gap reached, peak RSS, MILP / LP wall ratio (median, min, max),
   load average; then the loss of the rolling windows against the full-horizon MILP on
   the first ``--loss-weeks`` weeks, where both finish.

Usage::

    python benchmarks/bench_dispatch.py [--time-limit 60] [--repeats 20] [--pairs 5]
        [--loss-weeks 4] [--skip-milp]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from typing import Any

import numpy as np
from timing import fmt, pairs, ratios

from hashpivot.io import load_market_prices
from hashpivot.power import DispatchProblem, Tranche, solve, solve_fast, solve_lp

N_INTERVALS = 35_040


def make_problem() -> DispatchProblem:
    """The benchmark instance."""
    prices = load_market_prices("ercot:HB_WEST:2024").iloc[:N_INTERVALS]
    tranches = tuple(
        Tranche(f"t{k}", power_mw=20.0, hashrate_ph_s=20.0 * 1e3 / eff)
        for k, eff in enumerate(np.linspace(15.0, 35.0, 10))
    )
    n = len(prices)
    return DispatchProblem(
        index=prices.index,
        interval_hours_series=np.full(n, 0.25),
        price_usd_per_mwh_series=prices.to_numpy(),
        hashprice_usd_per_ph_day_series=np.full(n, 50.0),
        tranches=tranches,
        pool_fee_fraction=0.015,
        ai_firm_mw=50.0,
        grid_adder_usd_per_mwh=3.0,
        emissions_tco2_per_mwh_series=np.full(n, 0.33287),
    )


def bare_merit_order(problem: DispatchProblem) -> float:
    """The fast path's arithmetic alone: each tranche runs where its hash value per MWh
    beats the interval's price plus adder; returns the net margin. [USD]"""
    h = problem.interval_hours_series
    fee = 1.0 - problem.pool_fee_fraction
    ph_s = np.array([t.hashrate_ph_s for t in problem.tranches])
    mw = np.array([t.power_mw for t in problem.tranches])
    value = problem.hashprice_usd_per_ph_day_series[:, None] * (ph_s / mw * fee / 24.0)
    cost = (problem.price_usd_per_mwh_series + problem.grid_adder_usd_per_mwh)[:, None]
    run = value > cost
    mining_mw = np.where(run, mw, 0.0)
    load_mw = problem.ai_firm_mw + mining_mw.sum(axis=1)
    revenue = (np.where(run, value, 0.0) * mining_mw).sum(axis=1)
    return float(((revenue - load_mw * cost[:, 0]) * h).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--skip-milp", action="store_true")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--loss-weeks", type=int, default=4)
    parser.add_argument("--child", choices=["lp", "milp", "milp-full"])
    parser.add_argument("--weeks", type=int)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.time_limit, args.weeks)
        return
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"highspy {version('highspy')}, "
          f"{os.cpu_count()} CPUs")
    problem = make_problem()
    print(f"instance: {problem.n_intervals} intervals x {len(problem.tranches)} tranches, "
          f"AI firm {problem.ai_firm_mw} MW")

    bare, times = pairs(lambda: bare_merit_order(problem), lambda: solve_fast(problem),
                        args.repeats)
    fast = solve(problem, "fast")
    print(f"fast path / bare numpy merit order: {fmt(ratios(bare, times), 1.0, '.2f')} over "
          f"{args.repeats} alternating pairs; times, for context: fast path "
          f"{fmt(times, 1e3, '.1f')} ms, bare pass {fmt(bare, 1e3, '.1f')} ms; objective "
          f"{fast.objective_usd:,.0f} USD (bare pass {bare_merit_order(problem):,.0f}), uptime "
          f"{fast.summary()['uptime_fraction']:.4f}")

    ramped = problem.replace(ramp_mw_per_interval=20.0)
    t0 = time.perf_counter()
    _, info = solve_lp(ramped)
    total = time.perf_counter() - t0
    lp = solve(ramped, "lp")
    print(f"LP with ramp 20 MW/interval: total {total:.2f} s (build {info.build_seconds:.2f} s,"
          f" solve {info.solve_seconds:.2f} s), status {info.termination_condition}, "
          f"{info.n_variables:,} variables, {info.n_constraints:,} rows, "
          f"{info.n_nonzeros:,} nonzeros; objective {lp.objective_usd:,.0f} USD "
          f"({lp.objective_usd - fast.objective_usd:,.0f} vs unramped)")

    if not args.skip_milp:
        bench_milp(args.pairs, args.time_limit, args.loss_weeks)


# ---- MILP: rolling windows against the full-year LP, in alternating pairs ---------------
def _child(kind: str, time_limit: float, weeks: int | None) -> None:
    """One solve in this (fresh) process; prints a JSON line with its figures."""
    problem = make_problem()
    if weeks is not None:
        problem = problem.window(0, weeks * 7 * 96)
    milp = problem.replace(min_up_intervals=4, min_down_intervals=4)
    t0 = time.perf_counter()
    if kind == "lp":  # the reference: the LP of the year without binaries or min up/down
        _, rep = solve_lp(milp, milp=False, time_limit_seconds=time_limit)
    else:
        window = None if kind == "milp-full" else 24.0
        _, rep = solve_lp(milp, mip_gap=1e-2, time_limit_seconds=time_limit,
                          window_hours=window)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "kind": kind, "wall": wall, "status": rep.termination_condition,
        "gap": rep.mip_gap, "objective": rep.objective, "bound": rep.objective_bound,
        "windows": rep.n_windows,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def _run_child(kind: str, time_limit: float, weeks: int | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, "--time-limit", str(time_limit)]
    if weeks is not None:
        cmd += ["--weeks", str(weeks)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def bench_milp(n_pairs: int, time_limit: float, loss_weeks: int) -> None:
    """Alternating pairs (LP, MILP) in fresh processes; then the loss on a short case."""
    print(f"MILP min up/down 4 intervals, gap target 1 %, limit {time_limit:.0f} s, rolling "
          f"windows of 24 h + 6 h; reference: the year's LP (no binaries); load before "
          f"{os.getloadavg()[0]:.2f}")
    wall_ratios, fractions, gaps, rss = [], [], [], []
    for i in range(n_pairs):
        lp = _run_child("lp", time_limit)
        mi = _run_child("milp", time_limit)
        wall_ratios.append(mi["wall"] / lp["wall"])
        fractions.append(mi["wall"] / time_limit)
        gaps.append(mi["gap"])
        rss.append(mi["rss_mib"])
        print(f"  pair {i + 1}: LP {lp['wall']:.2f} s ({lp['rss_mib']:.0f} MiB), MILP "
              f"{mi['wall']:.2f} s = {mi['wall'] / time_limit:.3f} of the limit, "
              f"{mi['status']}, {mi['windows']} windows, gap {mi['gap']:.2e}, objective "
              f"{mi['objective']:,.0f} USD ({(mi['bound'] - mi['objective']) / mi['objective']:.2e}"
              f" below the optimum without min up/down), peak RSS {mi['rss_mib']:.0f} MiB, "
              f"ratio {mi['wall'] / lp['wall']:.1f}, load {os.getloadavg()[0]:.2f}")
    reached = sum(g <= 1e-2 for g in gaps)
    print(f"MILP / LP wall ratio: median {statistics.median(wall_ratios):.1f} (min "
          f"{min(wall_ratios):.1f}, max {max(wall_ratios):.1f}); wall / limit max "
          f"{max(fractions):.3f};"
          f" gap <= 1 % in {reached} of {n_pairs}; peak RSS max {max(rss):.0f} MiB; load "
          f"after {os.getloadavg()[0]:.2f}")
    full = _run_child("milp-full", 600.0, loss_weeks)
    rolled = _run_child("milp", 600.0, loss_weeks)
    loss = (full["objective"] - rolled["objective"]) / abs(full["objective"])
    print(f"loss on {loss_weeks} weeks: full-horizon MILP {full['objective']:,.2f} USD "
          f"({full['status']}, gap {full['gap']:.1e}, {full['wall']:.1f} s, "
          f"{full['rss_mib']:.0f} MiB) vs rolling {rolled['objective']:,.2f} USD "
          f"({rolled['wall']:.1f} s): loss {loss:.2e}")


if __name__ == "__main__":
    main()
