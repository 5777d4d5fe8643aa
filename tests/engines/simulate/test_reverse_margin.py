"""Reverse-margin counts (hashpivot.engines.simulate.reverse_margin) against numpy."""

from __future__ import annotations

import numpy as np

from hashpivot.engines.simulate.reverse_margin import reverse_margin_counts


def test_counts_equal_the_numpy_expressions() -> None:
    rng = np.random.default_rng(4)
    P, T = 300, 30
    price = rng.uniform(5e4, 1.5e5, (P, T))
    btc = np.where(rng.uniform(size=(P, T)) < 0.2, 0.0, rng.uniform(0, 30, (P, T)))
    power = rng.uniform(0, 1.5e6, (P, T))
    opex = np.broadcast_to(rng.uniform(0, 5e5, T), (P, T))  # a broadcast view
    mining_mw = np.broadcast_to(np.where(np.arange(T) < 20, 100.0, 0.0), (P, T))
    corp = rng.uniform(0, 2e5, T)
    noncash = rng.uniform(0, 8e5, T)
    value = btc * price
    curtailed = (btc <= 0) & (mining_mw > 0)
    cash = power + opex + corp
    want_direct = ((cash > value) | curtailed).sum(axis=0)
    want_total = ((cash + noncash > value) | curtailed).sum(axis=0)
    direct, total = reverse_margin_counts(btc, price, power, opex, mining_mw, corp, noncash)
    assert direct.tolist() == want_direct.tolist()
    assert total.tolist() == want_total.tolist()
    assert 0 < direct.sum() < P * T and (total >= direct).all()
    # months with no mining MW: a zero production is not a curtailment
    assert (direct[20:] == ((cash > value).sum(axis=0))[20:]).all()


def test_hand_case() -> None:
    one = np.ones((1, 3))
    direct, total = reverse_margin_counts(
        np.array([[1.0, 0.0, 2.0]]), 100.0 * one, 60.0 * one, 30.0 * one, one,
        np.array([0.0, 0.0, 0.0]), np.array([20.0, 0.0, 200.0]),
    )
    # month 0: cost 90 < value 100, +20 non-cash -> 110 > 100; month 1: curtailed;
    # month 2: 90 < 200, +200 -> 290 > 200
    assert direct.tolist() == [0.0, 1.0, 0.0]
    assert total.tolist() == [1.0, 1.0, 1.0]


def _flat_portfolio(btc_price_usd: float) -> str:
    """A site in a flat market (no growth, no volatility, fees fixed) from 2025-10, its
    cash cost half power (60 PH/s at 20 J/TH, 50 USD/MWh: 1,440 USD/day), half fixed
    items (a site opex of 1,000 and a corporate SG&A of 440 USD/day, 1/12 of a year a
    month in the monthly model), and a non-cash depreciation of 500 USD/day."""
    from tests.portfolio_toml import contract, machines, portfolio_toml, site, table

    fleet = machines("m", 100.0, 2000.0, 600, uptime_fraction=1.0)
    a = site("A", contract(50.0), fleet, power_overhead_factor=1.0, pool_fee_fraction=0.0,
             cost_items=[table(name="opex", category="site_opex", usd_per_year=365_250.0)])
    return portfolio_toml(
        "flat", a,
        cost_items=[table(name="sga", category="sga_cash", usd_per_year=160_710.0),
                    table(name="dep", category="depreciation", usd_per_year=182_625.0)],
        pivot=table(horizon_years=1, start="2025-10", btc_price_usd=btc_price_usd,
                    network_hashrate_th_s=8.0e8, fees_btc_per_block=0.02,
                    btc_price_growth_per_year=0.0, network_hashrate_growth_per_year=0.0,
                    fleet_hashrate_decay_per_year=0.0),
        scenario=table(btc_volatility_per_year=0.0, hashrate_volatility_per_year=0.0,
                       fees_lognormal_sigma=0.0, hashrate_elasticity=0.0))


def test_a_flat_month_is_in_reverse_margin_as_cost_says_whatever_its_days() -> None:
    # In a flat market `cost` puts the portfolio in (direct, total) reverse margin below
    # its breakeven BTC price and out of it above, every day alike; `simulate` must say
    # the same of every month, February's 28 days and April's 30 as October's 31 (until
    # 2026-12-07 a month weighed its cost items at 1/12 of a year against its days' BTC
    # and power: half a percent above the breakeven, every 28- and 30-day month was in
    # reverse margin, half a percent below, no 31-day month was).
    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.engines.economics.unit_economics import compute_unit_economics
    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.models import parse_portfolio

    difficulty = 8.0e8 * 1e12 * 600 / 2**32  # the network of 800 EH/s [-]
    network = NetworkConditions(100_000.0, difficulty, 0.02, 3.125)
    figures = compute_unit_economics(parse_portfolio(_flat_portfolio(1e5)), network).figures
    for view in ("direct", "total"):
        breakeven = figures[f"breakeven_btc_price_{view}_usd"]
        for factor, expected in ((1.005, 0.0), (0.995, 1.0)):
            pf = parse_portfolio(_flat_portfolio(factor * breakeven))
            res = simulate(pf, SimulationConfig(n_paths=2, horizon_months=12, chunk_paths=2))
            got = getattr(res, f"prob_reverse_margin_{view}")
            np.testing.assert_array_equal(got, expected, err_msg=f"{view} x {factor}")
