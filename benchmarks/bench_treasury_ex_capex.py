"""Benchmark: what the treasury's ex-capex run costs, per strategy, in the compiled kernel.

The treasury kernel (``hashpivot.treasury.kernel.treasury_summaries``) runs every policy a
second time with the capex paid from outside the treasury, from each path's first month
with capex (a path without capex is not run twice). On ``bench_simulate.py``'s 200 MW site,
one chunk of 5,000 paths x 120 months and the four policies, each strategy's treasury is
timed without the capex (one run) and with it (the two runs), in alternating pairs; the
figure is the ratio with / without of each pair: median, min and max, with the share of
paths that pay any capex and their mean first month with capex.

Run: ``.venv/bin/python benchmarks/bench_treasury_ex_capex.py [--pairs 15]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_simulate import PORTFOLIO_TOML

PATHS = 5_000
MONTHS = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()

    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.models import parse_portfolio
    from hashpivot.scenarios import generate_chunk
    from hashpivot.treasury import POLICIES
    from hashpivot.treasury.kernel import treasury_summaries

    pf = parse_portfolio(PORTFOLIO_TOML.format(kind="fixed"), "bench.toml")
    run = prepare(pf, SimulationConfig(n_paths=PATHS, horizon_months=MONTHS, seed=7,
                                       chunk_paths=PATHS))
    task = run.task
    _, n, seed_seq = run.chunks[0]
    market = generate_chunk(task.params, seed_seq, n)
    shared = task.pivot.market_mining(task.portfolio, market, task.site_name)
    load_before = os.getloadavg()
    out: dict[str, object] = {"paths": PATHS, "months": MONTHS, "policies": len(POLICIES)}
    for name, strategy in zip(task.strategy_names, task.strategies, strict=True):
        cf = task.pivot.strategy_cash_flows(task.portfolio, strategy, market, task.site_name,
                                            shared=shared)
        capex = cf.capex_paid_usd()
        call = (task.treasury, market.btc_price_usd, np.asarray(cf.btc_mined),
                np.asarray(cf.levered_fcf_usd), np.asarray(cf.mining_revenue_usd),
                task.corporate_cash_cost_usd, task.debt_service_usd, POLICIES)
        for _ in range(3):  # compile and warm up
            treasury_summaries(*call)
            treasury_summaries(*call, capex_usd=capex)
        ratios = []
        for _ in range(args.pairs):
            t0 = time.perf_counter()
            treasury_summaries(*call)
            without = time.perf_counter() - t0
            t0 = time.perf_counter()
            treasury_summaries(*call, capex_usd=capex)
            ratios.append((time.perf_counter() - t0) / without)
        paying = np.zeros(n, dtype=bool) if capex is None else (capex != 0).any(axis=1)
        first = (np.zeros(0) if capex is None
                 else np.asarray((capex != 0).argmax(axis=1))[paying])
        out[name] = {
            "ratio_with_over_without_median": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "paths_with_capex_fraction": float(paying.mean()),
            "first_capex_month_mean": float(first.mean()) if first.size else None,
        }
    out["load_before"] = load_before
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
