"""Benchmark: daily unit economics of 1,000 fleets x 4,000 days (issue 2 target: < 1 s).

Each fleet has its own hashrate, efficiency, uptime, pool fee, overhead, power price and
fixed costs; each day its own price, difficulty, fees and subsidy from the bundled history.
Computes BTC mined, revenue, power cost, direct and total cost per BTC and both margins
for every (fleet, day): 4 million cells. Prints the best of 5 runs and numpy's floor
(the time of the bare multiply-adds on arrays of the same shape).

Run: ``.venv/bin/python benchmarks/bench_unit_economics.py``
"""

from __future__ import annotations

import os
import time

import numpy as np

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


def best_of(fn, arg, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    a = setup()
    out = unit_economics(a)
    assert out["btc"].shape == (N_FLEETS, N_DAYS)
    t = best_of(unit_economics, a)
    floor = best_of(numpy_floor, a)
    print(f"machine: {os.cpu_count()} cores, numpy {np.__version__}")
    print(f"unit economics, {N_FLEETS} fleets x {N_DAYS} days: {t * 1e3:.1f} ms (best of 5)")
    print(f"numpy floor (9 full-array passes, same shape): {floor * 1e3:.1f} ms")
    print(f"cells per second: {N_FLEETS * N_DAYS / t:,.0f}")


if __name__ == "__main__":
    main()
