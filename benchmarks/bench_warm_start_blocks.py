"""Benchmark: the dispatch MILP's warm start against the size of its commitment blocks.

One rolling-horizon window (a day and 6 hours of look-ahead, 120 intervals) of
``examples/dispatch-west-texas.toml`` with a 20 MW ramp and min up 8 / down 4 intervals,
on the bundled ERCOT HB_WEST 2024 prices, after a cut at which a third of each entry's
blocks were switched off an hour before (the rest at the merit order's power of the day
before, scaled): ``start_solution`` (``power/lp/warm_start.py``) timed with each fleet
entry as one block (the reference), and in blocks of at most 2.5, 0.1 and 0.01 MW (58,
1,426 and 14,259 blocks of the 40,000 S21). Alternating rounds after an untimed call of
each; each block size's time over the reference's in the same round, median [min, max].
A year is 366 such windows, each sharing the 60 s default limit with its warm start.

Run: ``.venv/bin/python benchmarks/bench_warm_start_blocks.py [--rounds 5]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from hashpivot.engines.dispatch import build_dispatch_problem, load_prices, select_site
from hashpivot.models import load_portfolio
from hashpivot.power.fast import solve_fast
from hashpivot.power.lp.families import Boundary
from hashpivot.power.lp.solve import build_model
from hashpivot.power.lp.warm_start import start_solution

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dispatch-west-texas.toml"
LIMITS = "    ramp_mw_per_interval = 20.0\n    min_up_intervals = 8\n    min_down_intervals = 4\n"
SIZES_MW = (math.inf, 2.5, 0.1, 0.01)
DAY = 96  #: intervals of a day of 15-minute prices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "limits.toml"
        path.write_text(EXAMPLE.read_text().rstrip() + "\n" + LIMITS)
        _, site = select_site(load_portfolio(path), None)
    prices = load_prices(site, None, "ercot:HB_WEST:2024").iloc[: 3 * DAY]
    whole = build_dispatch_problem(site, prices, hashprice=45.0)
    free = whole.replace(min_up_intervals=1, min_down_intervals=1,
                         ramp_mw_per_interval=math.inf)
    sched, _ = solve_fast(free)
    cases = []
    for size in SIZES_MW:
        prob = whole.replace(commitment_block_mw=size)
        blocks = prob.tranche_blocks()
        kept = np.ceil(2 * blocks / 3).astype(np.int64)  # a third switched off 4 intervals ago
        history = np.vstack([np.repeat(kept[None, :], 4, axis=0),
                             np.repeat(blocks[None, :], 5, axis=0)])  # newest first
        share = (kept / blocks)[prob.segments.tranche]
        held = sched.segment_mw[DAY - 1] * share
        boundary = Boundary(history=history, load_mw=float(held.sum()), segment_mw=held)
        sub = prob.window(DAY, 2 * DAY + 24)
        m = build_model(sub, True, boundary)
        start_solution(sub, m, boundary)  # untimed: the first call's imports and caches
        cases.append((size, blocks, sub, m, boundary))
    ratios: dict[float, list[float]] = {size: [] for size in SIZES_MW[1:]}
    reference: list[float] = []
    load0 = os.getloadavg()
    for _ in range(args.rounds):
        times = {}
        for size, _blocks, sub, m, boundary in cases:
            t0 = time.perf_counter()
            x = start_solution(sub, m, boundary)
            times[size] = time.perf_counter() - t0
            assert x is not None, f"no start with blocks of {size} MW"
        reference.append(times[math.inf])
        for size in ratios:
            ratios[size].append(times[size] / times[math.inf])
    for size, _blocks, *_ in cases[1:]:
        r = ratios[size]
        print(f"blocks of {size:g} MW ({_blocks.tolist()} per entry): "
              f"{statistics.median(r):.2f}x one block per entry "
              f"[{min(r):.2f}, {max(r):.2f}]")
    print(f"reference (one block per entry), for context only: median "
          f"{statistics.median(reference) * 1e3:.1f} ms; load before {load0[0]:.2f}, after "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
