"""Mining's terminal value takes the year after the horizon: the block subsidy moved on a
year, so a halving just after the horizon, or within its final year, is valued (a review
found the same business worth 2.7x more when the horizon stopped a month before one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.market import BLOCKS_PER_DAY
from hashpivot.engines.pivot.terminal import terminal_value
from hashpivot.models import parse_portfolio
from hashpivot.models.pivot import TerminalValueSpec
from tests.portfolio_toml import contract, machines, portfolio_toml, site, table

#: the 2028 halving (height 1,050,000) on 2028-01-01: 730 days of 144 blocks from 2026
HEIGHT = 1_050_000 - 730 * 144
FEES = 0.025  # [BTC/block]


def _mining_tv(months: int) -> tuple[float, pv.CashFlows]:
    """Keep-mining's mining value at the horizon (8x) of one S21-like fleet on a flat
    market, and its cash flows, over ``months`` from 2026-01."""
    pivot = table(horizon_years=3, start="2026-01", start_height=HEIGHT,
                  btc_price_usd=100_000.0, network_hashrate_th_s=8.0e8,
                  fees_btc_per_block=FEES, btc_price_growth_per_year=0.0,
                  network_hashrate_growth_per_year=0.0, fleet_hashrate_decay_per_year=0.0,
                  fleet_replacement_years=None)
    fleet = machines("s21", 200.0, 3500.0, 10_000, uptime_fraction=1.0)
    text = portfolio_toml("t", site("A", contract(40.0), fleet, power_overhead_factor=1.0,
                                    pool_fee_fraction=0.0), pivot=pivot)
    pf = parse_portfolio(text, "t.toml")
    market = pv.deterministic_market(pf, pd.Period("2026-01", "M"), months)
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep", ()), market)
    tv = terminal_value(cf, TerminalValueSpec(hosting_method="none"), 0.10)
    return float(tv.mining_at_horizon_usd[0]), cf


def _by_hand(year: str, subsidy: float) -> tuple[float, float]:
    """Revenue and power cost of the fleet over ``year`` at ``subsidy``: 10,000 x 200
    TH/s mine (s + f) x 144 blocks a day times their share of the network, at 100,000
    USD; 35 MW at 40 USD/MWh. [USD]"""
    days = np.asarray(pd.period_range(f"{year}-01", periods=12, freq="M").days_in_month,
                      dtype=float)
    share = 10_000 * 200.0 / 8.0e8
    revenue = float((share * (subsidy + FEES) * BLOCKS_PER_DAY * 100_000.0 * days).sum())
    return revenue, 35.0 * 24 * float(days.sum()) * 40.0


def test_a_halving_just_after_the_horizon_is_in_the_terminal_value() -> None:
    """Ending a month before the halving (24 months) or a year after it (36), the flat
    business is worth 8x a year at the halved subsidy at the horizon (2028 a day longer)."""
    before, cf = _mining_tv(24)
    after, _ = _mining_tv(36)
    revenue, power = _by_hand("2027", 3.125)
    # the final year as mined (before the halving), and the year after it
    np.testing.assert_allclose(np.asarray(cf.mining_revenue_usd)[0, -12:].sum(), revenue,
                               rtol=1e-9)
    ahead = revenue * (1.5625 + FEES) / (3.125 + FEES)
    assert before == pytest.approx(8.0 * (ahead - power), rel=1e-9)
    revenue_2028, power_2028 = _by_hand("2028", 1.5625)
    assert after == pytest.approx(8.0 * (revenue_2028 - power_2028), rel=1e-9)
    assert 8.0 * (revenue - power) > 2 * before  # (what it was: 2.7x the 36-month value)


def test_a_halving_inside_the_final_year_values_the_year_after_it() -> None:
    """A horizon of 30 months ends in 2028-06: its final year is half before the halving;
    the value at the horizon is a whole year after it (the final year's months at the
    subsidy a year later)."""
    tv, cf = _mining_tv(30)
    mined = np.asarray(cf.mining_revenue_usd)[0, -12:]
    months = pd.period_range("2027-07", periods=12, freq="M")
    halved = np.asarray(months >= pd.Period("2028-01", "M"))
    factor = np.where(halved, 1.0, (1.5625 + FEES) / (3.125 + FEES))
    power = 35.0 * 24 * float(np.asarray(months.days_in_month, dtype=float).sum()) * 40.0
    assert tv == pytest.approx(8.0 * ((mined * factor).sum() - power), rel=1e-9)
    assert tv < 8.0 * (mined.sum() - power) * 0.75  # (the half-year before: not for ever)
