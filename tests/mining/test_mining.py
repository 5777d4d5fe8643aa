"""Mining economics: hand-checkable cases, types, and properties (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot import mining as m
from hashpivot.mining.costs import CostCategory as C


def test_hashprice_hand_check() -> None:
    # hand check: D = 100e12, $100,000, subsidy 3.125, no fees -> $62.86/PH/day
    assert m.hashprice_usd_per_ph_day(100_000, 100e12, 3.125) == pytest.approx(62.864, abs=5e-4)
    assert round(m.hashprice_usd_per_ph_day(100_000, 100e12, 3.125), 2) == 62.86
    # fees add linearly to the reward: 0.125 BTC of fees on 3.125 is +4%
    hp_fees = m.hashprice_usd_per_ph_day(100_000, 100e12, 3.125, 0.125)
    assert hp_fees == pytest.approx(62.8642737865448 * 1.04)
    assert m.hashvalue_btc_per_ph_day(100e12, 3.125) == pytest.approx(6.28642737865448e-4)


def test_hashprice_types_and_nan() -> None:
    idx = pd.date_range("2025-01-01", periods=3)
    price = pd.Series([100_000.0, 50_000.0, np.nan], index=idx)
    out = m.hashprice_usd_per_ph_day(price, 100e12, 3.125)
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    assert out.iloc[1] == pytest.approx(out.iloc[0] / 2)
    assert np.isnan(out.iloc[2])
    arr = m.hashprice_usd_per_ph_day(np.array([1.0, 2.0]), np.array([100e12, 100e12]), 3.125)
    assert arr.shape == (2,) and arr[1] == pytest.approx(2 * arr[0])


def test_fleet_production_hand_check() -> None:
    # 1,000 x 200 TH/s at 17.5 J/TH: 200 PH/s, 3.5 MW of ASICs, x1.05 overhead = 3.675 MW
    p = m.fleet_production(1000, 200.0, 17.5, uptime_fraction=0.9, power_overhead_factor=1.05)
    assert p.hashrate_th_s == 200_000
    assert p.effective_hashrate_th_s == pytest.approx(180_000)
    assert p.power_mw == pytest.approx(3.675)
    assert p.energy_mwh_per_day == pytest.approx(3.675 * 24 * 0.9)
    # 180 PH/s x 6.2864e-4 BTC/PH/day x (1 - 2%) at D=100e12, 3.125 BTC
    btc = m.btc_mined_per_day(p.effective_hashrate_th_s, 6.28642737865448e-7, 0.02)
    assert btc == pytest.approx(180 * 6.28642737865448e-4 * 0.98)


def test_cost_views_follow_coinshares_and_minermag() -> None:
    lines = [
        m.CostLine("power", C.POWER, 100.0),
        m.CostLine("opex", C.SITE_OPEX, 20.0),
        m.CostLine("sga", C.SGA_CASH, 10.0),
        m.CostLine("sbc", C.STOCK_BASED_COMPENSATION, 5.0),
        m.CostLine("dep", C.DEPRECIATION, 40.0),
        m.CostLine("int", C.INTEREST, 3.0),
        m.CostLine("other", C.OTHER, 1.0),
    ]
    assert m.view_cost_usd_per_day(lines, "direct") == 131.0  # power+opex+sga+other
    assert m.view_cost_usd_per_day(lines, "total") == 176.0  # + dep + sbc
    assert m.view_cost_usd_per_day(lines, "production") == 121.0  # power+opex+other
    assert m.view_cost_usd_per_day(lines, "all_in") == 134.0  # + sga + interest
    with pytest.raises(ValueError, match="unknown cost view"):
        m.view_cost_usd_per_day(lines, "cash")
    table = m.ledger_table(lines, btc_per_day=2.0)
    assert table.loc[table.name == "dep", "usd_per_btc"].item() == 20.0
    assert not table.loc[table.name == "dep", "in_direct"].item()


def test_cost_per_btc_and_margins() -> None:
    assert m.cost_per_btc_usd(1_000.0, 0.02) == pytest.approx(50_000)
    assert np.isnan(m.cost_per_btc_usd(1_000.0, 0.0))
    assert m.margin_fraction(100_000, 75_000) == pytest.approx(0.25)
    assert m.reverse_margin(95_000, 130_000) and not m.reverse_margin(95_000, 74_600)


def test_breakevens_zero_the_margin() -> None:
    # A fleet: 100 PH/s effective, pool fee 2%, hashprice 50 -> revenue 4,900/day.
    revenue, power_cost, other = 4_900.0, 2_000.0, 1_000.0
    energy = 50.0  # MWh/day at 40 USD/MWh = 2,000
    assert m.breakeven_power_price_usd_per_mwh(revenue, other, energy) == pytest.approx(78.0)
    assert m.breakeven_hashprice_usd_per_ph_day(3_000.0, 100.0, 0.02) == pytest.approx(
        3_000 / 98
    )
    # efficiency: power cost scales with J/TH; 20 J/TH * (3,900 / 2,000) = 39 J/TH
    assert m.breakeven_efficiency_j_per_th(20.0, revenue, other, power_cost) == pytest.approx(39.0)
    assert m.breakeven_btc_price_usd(3_000.0, 0.05) == pytest.approx(60_000)


def _cost_per_btc(power_price: float, difficulty: float, efficiency: float) -> float:
    prod = m.fleet_production(10_000, 200.0, efficiency, 0.95, 1.05)
    hv_th = m.hashvalue_btc_per_ph_day(difficulty, 3.125, 0.03) / 1000
    btc = m.btc_mined_per_day(prod.effective_hashrate_th_s, hv_th, 0.015)
    lines = [
        m.CostLine("power", C.POWER, prod.energy_mwh_per_day * power_price),
        m.CostLine("opex", C.SITE_OPEX, 20_000.0),
    ]
    return float(m.cost_per_btc_usd(m.view_cost_usd_per_day(lines, "direct"), btc))


finite = {"allow_nan": False, "allow_infinity": False}
#: the domain of the monotonicity properties: power price [USD/MWh], difficulty [-],
#: fleet efficiency [J/TH]
power_prices = st.floats(1, 300, **finite)
difficulties = st.floats(1e12, 5e14, **finite)
efficiencies = st.floats(8, 40, **finite)


@settings(max_examples=60, deadline=None)
@given(
    p=power_prices,
    dp=st.floats(0.01, 100, **finite),
    d=difficulties,
    e=efficiencies,
)
def test_cost_rises_with_power_price(p: float, dp: float, d: float, e: float) -> None:
    assert _cost_per_btc(p + dp, d, e) > _cost_per_btc(p, d, e)


@settings(max_examples=60, deadline=None)
@given(
    p=power_prices,
    d=difficulties,
    k=st.floats(1.001, 3, **finite),
    e=efficiencies,
)
def test_cost_rises_with_difficulty(p: float, d: float, k: float, e: float) -> None:
    assert _cost_per_btc(p, d * k, e) > _cost_per_btc(p, d, e)


@settings(max_examples=60, deadline=None)
@given(
    p=power_prices,
    d=difficulties,
    e=efficiencies,
    de=st.floats(0.01, 10, **finite),
)
def test_cost_falls_with_better_efficiency(p: float, d: float, e: float, de: float) -> None:
    assert _cost_per_btc(p, d, e) < _cost_per_btc(p, d, e + de)
