"""Benchmark: the Monte Carlo engine against a bare numpy pass of the same shape.

100,000 paths x 120 months x 3 strategies (keep_mining, convert_all, phased) of
``bench_simulate.py``'s 200 MW site, one thread, in this process, in alternating pairs
(engine, bare, engine, bare, ...). The figure is the ratio engine / bare of each pair:
median, min and max, with the load average before and after (a shared 2-core machine:
only a ratio measured in the same run is evidence).

The bare pass is the arithmetic the engine cannot avoid, in plain numpy, chunk by chunk
(5,000 paths, as the engine): correlated normal draws for BTC price and network
hashrate, their cumulative sums and exponentials, the hashprice, and per strategy the
mining revenue, the curtailment test, the free cash flow, its NPV (a dot product) and a
treasury pass (running cash and its minimum).

By default (``--no-rss`` skips it) it adds the peak RSS of the engine at 100,000 and at
1,000,000 paths, each in a fresh child process (``ru_maxrss`` of the child: interpreter
and libraries included), and their ratio (issue 10: at most 1.5).

Run: ``.venv/bin/python benchmarks/bench_simulate_ratio.py [--pairs 5] [--paths 100000]
[--no-rss]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_simulate import PORTFOLIO_TOML
from timing import fmt

MONTHS = 120
CHUNK = 5_000
STRATEGIES = 3


def bare_pass(paths: int, seed: int = 7) -> float:
    """The same shape of arithmetic in plain numpy; returns a checksum."""
    rng = np.random.default_rng(seed)
    disc = 1.1 ** -(np.arange(1, MONTHS + 1) / 12.0)
    total = 0.0
    for start in range(0, paths, CHUNK):
        n = min(CHUNK, paths - start)
        z = rng.standard_normal((2, n, MONTHS))
        log_p = np.cumsum(0.15 * z[0] + 0.005, axis=1)
        log_h = np.cumsum(0.04 * (0.3 * z[0] + 0.95 * z[1]) + 0.015, axis=1)
        price = 110_000.0 * np.exp(log_p)
        hashrate = 1.0e9 * np.exp(log_h)
        hashprice = price * 3.15 * 144.0 / hashrate  # USD per TH/s per day
        for s in range(STRATEGIES):
            th = 1.0e7 * (1.0 - 0.3 * s)
            revenue = th * hashprice * 30.4
            power = 5.0e6 * (1.0 - 0.3 * s)
            run = revenue > power
            fcf = np.where(run, revenue - power, 0.0) - 8.0e5 + 2.0e6 * s
            npv = fcf @ disc
            cash = np.cumsum(fcf, axis=1) + 8.0e7
            total += float(npv.sum() + cash.min(axis=1).sum())
    return total


def engine_pass(pf: object, paths: int) -> float:
    """The engine on the same case, one thread, the portfolio's treasury policy only."""
    from hashpivot.engines.simulate import SimulationConfig, simulate

    res = simulate(pf, SimulationConfig(n_paths=paths, horizon_months=MONTHS, seed=7),
                   threads=1)
    return float(res.npv_usd["keep_mining"].mean())


def child(paths: int) -> None:
    """One engine run in this (child) process; prints its peak RSS and time as JSON."""
    from hashpivot.models import parse_portfolio

    pf = parse_portfolio(PORTFOLIO_TOML.format(kind="fixed"), "bench.toml")
    t0 = time.perf_counter()
    engine_pass(pf, paths)
    print(json.dumps({
        "paths": paths,
        "seconds": time.perf_counter() - t0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def rss_pair(small: int, large: int) -> dict[str, object]:
    """Peak RSS of the engine at ``small`` and at ``large`` paths, each in a fresh child
    process (the interpreter and libraries included), and their ratio."""
    import subprocess

    runs = {}
    for n in (small, large):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)], capture_output=True, text=True,
            check=True,
        )
        runs[n] = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "rss_runs": list(runs.values()),
        "rss_ratio": runs[large]["peak_rss_mib"] / runs[small]["peak_rss_mib"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--no-rss", dest="rss", action="store_false",
                    help="skip the peak RSS at 100,000 vs 1,000,000 paths (child processes, "
                    "about a minute); measured by default, as `make bench` reports it")
    args = ap.parse_args()
    if args.child is not None:
        child(args.child)
        return
    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.models import parse_portfolio

    pf = parse_portfolio(PORTFOLIO_TOML.format(kind="fixed"), "bench.toml")
    simulate(pf, SimulationConfig(n_paths=200, horizon_months=MONTHS, seed=1))  # warm-up
    bare_pass(CHUNK)
    load_before = os.getloadavg()
    eng, bare, ratios = [], [], []
    for _ in range(args.pairs):
        t0 = time.perf_counter()
        engine_pass(pf, args.paths)
        t1 = time.perf_counter()
        bare_pass(args.paths)
        t2 = time.perf_counter()
        eng.append(t1 - t0)
        bare.append(t2 - t1)
        ratios.append((t1 - t0) / (t2 - t1))
    out = {
        "paths": args.paths,
        "months": MONTHS,
        "strategies": STRATEGIES,
        "pairs": args.pairs,
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "engine_s_median": statistics.median(eng),
        "bare_s_median": statistics.median(bare),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    if args.rss:
        out.update(rss_pair(100_000, 1_000_000))
    print(json.dumps(out, indent=1))
    # the line BENCHMARKS.md quotes
    print(f"engine / bare numpy pass: {fmt(ratios)} over {args.pairs} pairs "
          f"(engine {out['engine_s_median']:.2f} s, bare {out['bare_s_median']:.2f} s at the "
          f"median); peak RSS {out['peak_rss_mib']:.1f} MiB; load "
          f"{out['load_before'][0]:.2f} -> {out['load_after'][0]:.2f}")
    if args.rss:
        small, large = out["rss_runs"]
        print(f"peak RSS of a child: {small['peak_rss_mib']:.1f} MiB at {small['paths']:,} "
              f"paths, {large['peak_rss_mib']:.1f} MiB at {large['paths']:,}: rss_ratio "
              f"{out['rss_ratio']:.3f}")


if __name__ == "__main__":
    main()
