"""Benchmark of the pivot engine: 3 strategies x 100 sites x 180 months (target < 1 s).

Builds a validated 100-site portfolio (each site with its own fleet, power price and
hosting terms). The reference is the engine's core arithmetic: the monthly cash flows of
the 3 conversion strategies (convert_all, convert <MW>, phased) over 100 sites and 180
months on the deterministic path. Each stage is timed in alternating pairs with it
(reference, stage, reference, stage...), so load on a shared machine hits both alike:

* ``+ valuation``: the same plus the keep-mining baseline and NPV, IRR, payback;
* ``run_pivot``: the whole engine (4 strategies, NPVs with and without terminal value, the
  7-variable tornado both ways, the two break-even leases);
* ``1,000 paths``: the risk engine's hot call, 4 strategies x 10 sites x 1,000 Monte Carlo
  paths through ``strategy_cash_flows``, against the same call on one path (how well the
  paths axis vectorizes: 1,000 would be no gain);
* ``dispatch site``: ``run_pivot`` on ``examples/portfolio.toml`` (four sites, one with
  ``[sites.dispatch]``) with the flexibility uplift measured afresh (the per-process cache
  cleared: what a CLI run pays), against the same file without ``[sites.dispatch]``; and
  ``simulate`` on both files, 10,000 paths in chunks of 5,000, one thread;
* ``fleet tranches``: ``simulate`` on ``examples/portfolio.toml`` without
  ``[sites.dispatch]`` (two of its sites hold two fleet entries, mined as tranches), against
  the same file with each site's entries merged into one entry of their summed hashrate
  and power and hashrate-weighted uptime (one average machine a site: the same arithmetic
  as a site of one entry);
* ``switching values``: ``run_pivot`` on the 200 MW example with a capex that turns its
  verdict within the tornado's range (Brent's method on each switching value), against
  the example as bundled (no switching value to find).

Reported: median [min, max] over the pairs of each stage's time and of its ratio to its
reference in the same pair, the reference's own times (the < 1 s target is on it), peak
RSS (``ru_maxrss``) and the load average before and after.

Run: ``.venv/bin/python benchmarks/bench_pivot.py [--pairs 5]``
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import numpy as np
from timing import fmt, pairs, peak_rss_mib, ratios

from hashpivot import finance
from hashpivot.engines import pivot as pv
from hashpivot.market import MarketPaths
from hashpivot.models import Portfolio
from hashpivot.models.fleet import FleetEntry

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


def npv_evaluations(portfolio: Portfolio) -> int:
    """How many times one ``run_pivot`` values a strategy on a market for its
    sensitivities (calls of ``sensitivity._npvs``: the tornado's cells, the break-even
    leases, the switching values' root searches)."""
    from hashpivot.engines.pivot import sensitivity

    inner = sensitivity._npvs
    calls = 0

    def counted(*a: object, **k: object) -> object:
        nonlocal calls
        calls += 1
        return inner(*a, **k)  # type: ignore[arg-type]

    sensitivity._npvs = counted  # type: ignore[assignment]
    try:
        pv.run_pivot(portfolio)
    finally:
        sensitivity._npvs = inner
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="alternating pairs per stage")
    args = parser.parse_args()
    load0 = os.getloadavg()
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

    # 1,000 paths through the risk engine's call, against the same call on one path
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

    def one_path() -> None:
        for s in s10:
            pv.strategy_cash_flows(pf10, s, market)

    def many_paths() -> None:
        for s in s10:
            pv.strategy_cash_flows(pf10, s, paths)

    stages = {
        "+ valuation": pairs(headline, with_valuation, args.pairs),
        "run_pivot": pairs(headline, lambda: pv.run_pivot(pf), args.pairs),
    }
    ref_paths, t_paths = pairs(one_path, many_paths, args.pairs)
    # a dispatching site: the uplift measured afresh, against the file without dispatch
    from hashpivot.engines.pivot.uplift import cache as uplift_cache
    from hashpivot.models import load_portfolio

    example = Path(__file__).resolve().parents[1] / "examples" / "portfolio.toml"
    flexible, flat = load_portfolio(example), load_portfolio(example)
    for site in flat.sites:
        site.dispatch = None

    def cold_dispatch() -> None:
        uplift_cache.clear_dispatch_uplift_cache()
        pv.run_pivot(flexible)

    ref_flat, t_flexible = pairs(lambda: pv.run_pivot(flat), cold_dispatch, args.pairs)
    # the same files through the Monte Carlo (per-path uplift, revenue and energy shares)
    from hashpivot.engines.simulate import SimulationConfig, simulate

    cfg = SimulationConfig(n_paths=10_000, chunk_paths=5_000, seed=7)

    def cold_simulate() -> None:
        uplift_cache.clear_dispatch_uplift_cache()
        simulate(flexible, cfg, threads=1)

    ref_sim, t_sim = pairs(lambda: simulate(flat, cfg, threads=1), cold_simulate, args.pairs)
    # fleet entries as tranches, against one average machine a site
    averaged = flat.model_copy(deep=True)
    for site in averaged.sites:
        count = sum(e.count for e in site.fleet)
        th = sum(e.count * float(e.hashrate_th_s or 0.0) for e in site.fleet)
        watts = sum(e.count * float(e.power_w or 0.0) for e in site.fleet)
        uptime = sum(e.count * float(e.hashrate_th_s or 0.0) * e.uptime_fraction
                     for e in site.fleet) / th
        site.fleet = [FleetEntry(name="average", count=count, hashrate_th_s=th / count,
                                 power_w=watts / count, uptime_fraction=uptime)]
    ref_avg, t_tranches = pairs(lambda: simulate(averaged, cfg, threads=1),
                                lambda: simulate(flat, cfg, threads=1), args.pairs)
    # switching values: the 200 MW example with a capex that turns its verdict within the
    # tornado's range (Brent's method on it), against the example as bundled (none turns)
    from hashpivot.models import parse_portfolio

    text = (example.parent / "pivot-200mw.toml").read_text()
    holds = parse_portfolio(text, "pivot-200mw.toml")
    turns = parse_portfolio(text.replace("shell_capex_usd_per_it_mw = 3.0e6",
                                         "shell_capex_usd_per_it_mw = 5.5e6", 1), "turns.toml")
    flips = int(pv.run_pivot(turns).tornado["switching_input"].notna().sum())
    evaluations = {label: npv_evaluations(portfolio)
                   for label, portfolio in (("100 sites", pf), ("bundled", holds),
                                            ("turns", turns))}
    ref_holds, t_turns = pairs(lambda: pv.run_pivot(holds), lambda: pv.run_pivot(turns),
                               args.pairs)
    load1 = os.getloadavg()

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; load average before {load0[0]:.2f}, after "
          f"{load1[0]:.2f}; {args.pairs} alternating pairs per stage")
    print(f"sites: {N_SITES}, months: {n_months}, strategies: {[s.name for s in pivots]}, "
          f"conversion phases: {n_phases}")
    ref_all = [t for ref, _ in stages.values() for t in ref]
    print(f"reference, 3 strategies x {N_SITES} sites x {n_months} months, cash flows: "
          f"{fmt(ref_all, 1e3, '.0f')} ms   (target < 1 s)")
    for name, (ref, st) in stages.items():
        print(f"{name:>12}: {fmt(st, 1e3, '.0f')} ms; / reference: "
              f"{fmt(ratios(ref, st), 1.0, '.2f')}")
    print(f"risk-engine call, 4 strategies x 10 sites x {n_paths:,} paths x {n_months} months: "
          f"{fmt(t_paths, 1e3, '.0f')} ms; / one path: "
          f"{fmt(ratios(ref_paths, t_paths), 1.0, '.0f')}")
    print(f"run_pivot, examples/portfolio.toml, uplift measured afresh: "
          f"{fmt(t_flexible, 1e3, '.0f')} ms; / without [sites.dispatch]: "
          f"{fmt(ratios(ref_flat, t_flexible), 1.0, '.2f')}")
    print(f"simulate, examples/portfolio.toml, 10,000 paths, one thread, uplift measured "
          f"afresh: {fmt(t_sim, 1.0, '.2f')} s; / without [sites.dispatch]: "
          f"{fmt(ratios(ref_sim, t_sim), 1.0, '.2f')}")
    print(f"simulate, examples/portfolio.toml without [sites.dispatch], 10,000 paths, fleet "
          f"entries as tranches: {fmt(t_tranches, 1.0, '.2f')} s; / one average machine a "
          f"site: {fmt(ratios(ref_avg, t_tranches), 1.0, '.2f')}")
    print(f"run_pivot, the 200 MW example with {flips} switching value(s) to find: "
          f"{fmt(t_turns, 1e3, '.0f')} ms; / the example as bundled (none): "
          f"{fmt(ratios(ref_holds, t_turns), 1.0, '.2f')}")
    print("NPV evaluations of the tornado, break-even leases and switching values per "
          f"run_pivot: {N_SITES} sites {evaluations['100 sites']}, the 200 MW example "
          f"{evaluations['bundled']}, with switching values to find {evaluations['turns']}")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
