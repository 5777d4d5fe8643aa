"""Benchmark of the pivot engine: 3 strategies x 100 sites x 180 months (target < 1 s).

Builds a validated 100-site portfolio (each site with its own fleet, power price and
hosting terms), then times:

* the headline: monthly cash flows of the 3 conversion strategies (convert_all, convert
  <MW>, phased) over 100 sites and 180 months on the deterministic path;
* the same plus the keep-mining baseline and valuation (NPV, IRR, payback);
* the full ``run_pivot`` (strategies, tornado of 7 variables, break-even lease);
* one chunk of 1,000 Monte Carlo paths through ``strategy_cash_flows`` (the risk engine's
  hot call), to show the paths axis vectorizes.

Run: ``.venv/bin/python benchmarks/bench_pivot.py``
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from hashpivot import finance
from hashpivot.engines import pivot as pv
from hashpivot.market import MarketPaths
from hashpivot.models import Portfolio

N_SITES = 100
HORIZON_YEARS = 15


def build_portfolio(n_sites: int = N_SITES) -> Portfolio:
    rng = np.random.default_rng(0)
    sites = []
    for i in range(n_sites):
        count = int(rng.integers(5_000, 60_000))
        eff = float(rng.uniform(15, 25))
        sites.append(
            {
                "name": f"site{i:03d}",
                "capacity_mw": round(count * 200.0 * eff * 1.05 / 1e6 * 1.1, 1),
                "power_contract": {"price_usd_per_mwh": float(rng.uniform(25, 60))},
                "fleet": [{"hashrate_th_s": 200.0, "efficiency_j_per_th": eff, "count": count}],
                "cost_items": [
                    {"name": "staff", "category": "site_opex", "usd_per_year": 2e5 * count / 1e3}
                ],
                "hosting": {
                    "lease_usd_per_kw_month": float(rng.uniform(110, 170)),
                    "pue": float(rng.uniform(1.2, 1.4)),
                    "tenant_default_probability_per_year": 0.02,
                    "prepayment_fraction": 0.1,
                },
            }
        )
    return Portfolio.model_validate(
        {
            "sites": sites,
            "financing": {"loan_to_cost_fraction": 0.8},
            "pivot": {"horizon_years": HORIZON_YEARS, "convert_mw": 1000.0},
        }
    )


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    pf = build_portfolio()
    n_months = HORIZON_YEARS * 12
    strategies = pv.build_strategies(pf)
    market = pv.deterministic_market(pf, None, n_months)
    pivots = strategies[1:]
    assert len(pivots) == 3, [s.name for s in strategies]
    n_phases = sum(len(s.phases) for s in pivots)

    def headline() -> None:
        for s in pivots:
            pv.strategy_cash_flows(pf, s, market)

    rate = float(finance.periodic_rate(0.10))

    def with_valuation() -> None:
        base = pv.strategy_cash_flows(pf, strategies[0], market)
        for s in pivots:
            cf = pv.strategy_cash_flows(pf, s, market)
            inc = cf.unlevered_fcf_usd - base.unlevered_fcf_usd
            finance.npv(rate, cf.unlevered_fcf_usd)
            finance.irr(inc)
            finance.payback_period(inc)

    t_head = best_of(headline)
    t_val = best_of(with_valuation)
    t_full = best_of(lambda: pv.run_pivot(pf), repeat=3)

    # 1,000 paths through the risk engine's call
    n_paths = 1_000
    rng = np.random.default_rng(1)
    shock = np.exp(np.cumsum(rng.normal(0, 0.15, (n_paths, n_months)), axis=1))
    paths = MarketPaths(
        periods=market.periods,
        btc_price_usd=market.btc_price_usd * shock,
        network_hashrate_th_s=np.repeat(market.network_hashrate_th_s, n_paths, axis=0),
        fees_btc_per_block=np.repeat(market.fees_btc_per_block, n_paths, axis=0),
        subsidy_btc_per_block=np.repeat(market.subsidy_btc_per_block, n_paths, axis=0),
    )
    pf10 = build_portfolio(10)
    s10 = pv.build_strategies(pf10)
    t_paths = best_of(lambda: [pv.strategy_cash_flows(pf10, s, paths) for s in s10], repeat=3)

    print(f"sites: {N_SITES}, months: {n_months}, strategies: {[s.name for s in pivots]}")
    print(f"conversion phases across the 3 strategies: {n_phases}")
    print(
        f"3 strategies x {N_SITES} sites x {n_months} months, cash flows (best of 5): "
        f"{t_head * 1e3:.0f} ms"
    )
    print(f"  + baseline and NPV / IRR / payback (best of 5): {t_val * 1e3:.0f} ms")
    print(
        f"run_pivot: 4 strategies + 7-variable tornado + break-even lease (best of 3): "
        f"{t_full * 1e3:.0f} ms"
    )
    print(
        f"risk-engine call: 4 strategies x 10 sites x {n_paths} paths x {n_months} months "
        f"(best of 3): {t_paths * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
