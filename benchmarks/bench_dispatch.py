"""Benchmark the dispatch solvers on one year of 15-minute intervals.

35,040 intervals (the first 365 days of the bundled ERCOT HB_WEST 2024 prices), a
10-tranche fleet (10 x 20 MW from 15 to 35 J/TH), 50 MW of firm AI load, hashprice 50
USD/PH/day, grid adder 3 USD/MWh:

1. the exact fast path (merit order), median of repeated runs (target < 50 ms);
2. the LP with a ramp limit of 20 MW per interval (target < 5 s);
3. the MILP with min up / min down times of 4 intervals (1 h), HiGHS time limit 60 s,
   relative gap target 1e-3: reports status, objective, dual bound and gap.

Usage::

    python benchmarks/bench_dispatch.py [--time-limit 60] [--repeats 20] [--skip-milp]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from importlib.metadata import version

import numpy as np

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--skip-milp", action="store_true")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"highspy {version('highspy')}, "
          f"{os.cpu_count()} CPUs")
    problem = make_problem()
    print(f"instance: {problem.n_intervals} intervals x {len(problem.tranches)} tranches, "
          f"AI firm {problem.ai_firm_mw} MW")

    solve_fast(problem)  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        solve_fast(problem)
        times.append(time.perf_counter() - t0)
    fast = solve(problem, "fast")
    print(f"fast path: median {1e3 * statistics.median(times):.1f} ms, min "
          f"{1e3 * min(times):.1f} ms over {args.repeats} runs; objective "
          f"{fast.objective_usd:,.0f} USD, uptime {fast.summary()['uptime_fraction']:.4f}")

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
        milp = problem.replace(min_up_intervals=4, min_down_intervals=4)
        t0 = time.perf_counter()
        _, info = solve_lp(milp, time_limit_seconds=args.time_limit, mip_gap=1e-3)
        total = time.perf_counter() - t0
        print(f"MILP min up/down 4 intervals: total {total:.1f} s (build "
              f"{info.build_seconds:.2f} s, solve {info.solve_seconds:.1f} s, limit "
              f"{args.time_limit:.0f} s), status {info.termination_condition}, gap "
              f"{info.mip_gap:.2e}, objective {info.objective:,.0f} USD, dual bound "
              f"{info.objective_bound:,.0f} USD, {info.n_variables:,} variables "
              f"({problem.n_intervals * len(problem.tranches):,} binaries)")


if __name__ == "__main__":
    main()
