"""Benchmark: daily unit economics of 1,000 fleets x 4,000 days (issue 2 target: < 1 s).

Each fleet has its own hashrate, efficiency, uptime, pool fee, overhead, power price and
fixed costs; each day its own price, difficulty, fees and subsidy from the bundled history.
Computes BTC mined, revenue, power cost, direct and total cost per BTC and both margins
for every (fleet, day): 4 million cells.

The reference is numpy's floor: the bare multiply-adds, as many full-array passes of the
same shape as the engine needs at the least. The two run in alternating pairs (floor,
engine, floor, engine...) after one untimed call of each; printed: the engine / floor
ratio of each pair as median [min, max], both times (for context only: the < 1 s target
is an absolute time, so the ratio says how far from numpy's limit it is, the times on
which machine), the peak RSS and the load average before and after.

Run: ``.venv/bin/python benchmarks/bench_unit_economics.py [--pairs 7]``
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from timing import fmt, load_average, pairs, peak_rss_mib, ratios

from hashpivot.io import load_btc_daily
from hashpivot.mining import (
    btc_mined_per_day,
    cost_per_btc_usd,
    fleet_production,
    hashvalue_btc_per_ph_day,
    margin_fraction,
)

N_FLEETS, N_DAYS = 1_000, 4_000


def setup() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    hist = load_btc_daily().iloc[-N_DAYS:]
    return {
        "price": hist["price_usd"].to_numpy(),
        "difficulty": hist["difficulty"].to_numpy(),
        "fees": hist["fees_btc_per_block"].to_numpy(),
        "subsidy": hist["subsidy_btc_per_block"].to_numpy(),
        "count": rng.integers(1_000, 50_000, N_FLEETS).astype(float),
        "th_s": rng.uniform(90, 270, N_FLEETS),
        "eff": rng.uniform(13, 35, N_FLEETS),
        "uptime": rng.uniform(0.85, 0.99, N_FLEETS),
        "pool_fee": rng.uniform(0.0, 0.025, N_FLEETS),
        "overhead": rng.uniform(1.02, 1.10, N_FLEETS),
        "power_price": rng.uniform(25, 80, N_FLEETS),
        "opex_day": rng.uniform(1e3, 1e5, N_FLEETS),
        "dep_day": rng.uniform(1e3, 2e5, N_FLEETS),
    }


def unit_economics(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All (fleet, day) figures, broadcasting fleets (rows) against days (columns)."""
    prod = fleet_production(a["count"], a["th_s"], a["eff"], a["uptime"], a["overhead"])
    hv_th = hashvalue_btc_per_ph_day(a["difficulty"], a["subsidy"], a["fees"]) / 1000.0  # (D,)
    net_th = (prod.effective_hashrate_th_s * (1.0 - a["pool_fee"]))[:, None]  # (F, 1)
    btc = btc_mined_per_day(net_th, hv_th[None, :])  # (F, D)
    direct_day = (prod.energy_mwh_per_day * a["power_price"] + a["opex_day"])[:, None]
    total_day = direct_day + a["dep_day"][:, None]
    cost_direct = cost_per_btc_usd(direct_day, btc)
    cost_total = cost_per_btc_usd(total_day, btc)
    return {
        "btc": btc,
        "revenue": btc * a["price"][None, :],
        "cost_direct": cost_direct,
        "cost_total": cost_total,
        "margin_direct": margin_fraction(a["price"][None, :], cost_direct),
        "margin_total": margin_fraction(a["price"][None, :], cost_total),
    }


def numpy_floor(a: dict[str, np.ndarray]) -> None:
    """The bare arithmetic: the same number of full-size array passes, nothing else."""
    x = a["count"][:, None] * a["difficulty"][None, :]
    for _ in range(8):
        x = x * 1.0000001 + 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7, help="alternating pairs")
    args = parser.parse_args()
    load0 = load_average()
    a = setup()
    out = unit_economics(a)
    assert out["btc"].shape == (N_FLEETS, N_DAYS)
    floor, engine = pairs(lambda: numpy_floor(a), lambda: unit_economics(a), args.pairs)
    print(f"machine: {os.cpu_count()} cores, numpy {np.__version__}; load average before "
          f"{load0:.2f}, after {load_average():.2f}; {args.pairs} alternating pairs")
    print(f"unit economics / numpy floor, {N_FLEETS} fleets x {N_DAYS} days: "
          f"{fmt(ratios(floor, engine), 1.0, '.2f')}")
    print(f"times, for context: unit economics {fmt(engine, 1e3, '.1f')} ms (target < 1 s), "
          f"numpy floor (9 full-array passes) {fmt(floor, 1e3, '.1f')} ms")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
