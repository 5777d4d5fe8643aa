"""Keep-mining's value of a site with a PPA block counts the PPA's own settlement.

The dispatch engine's flexibility ``G`` is a gain over its own always-on schedule, which
already pays the PPA's fixed price and takes its energy (or, financially, its contract
for differences): so ``G`` is the same with a PPA as without it, and until 2026-12-07
``pivot``'s keep-mining was the same too. On 44.1 MW of miners on the bundled ERCOT
LZ_WEST prices (mean index 59.8 USD/MWh) a 40 MW PPA at 20 USD/MWh is worth 13.9 M USD a
year always on in the engine (always-on net margin 28.9 against 14.9 M USD without it),
one at 100 USD/MWh loses 14.1 M USD, and keep-mining's first year was 10.3 M USD with
either or none. The settlement is now counted month by month at the month's index level:
``volume x (index_t - PPA price) x h_t`` (a physical block the miners take saves the
grid price plus the adder on it, its unused energy resold at the index).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch import load_prices, run_dispatch
from tests.engines.pivot.ppa_inputs import (
    PPA_MW,
    lz_west_index_mean_usd_per_mwh,
    ppa_site_portfolio,
)


def _portfolio(price: float, ppa: float | None = None, settlement: str = "physical") -> Any:
    """44.1 MW of miners on an index contract at ``price`` [USD/MWh] on LZ_WEST, with a
    40 MW PPA at ``ppa`` USD/MWh (none: no PPA), over 1 year."""
    return ppa_site_portfolio(ppa, settlement, tail="", years=1, price=price)


def _first_year(pf: Any) -> Any:
    """Keep-mining's cash flows of the deterministic path's first 12 months."""
    from hashpivot.engines import pivot

    market = pivot.deterministic_market(pf, pd.Period("2026-01", "M"), 12)
    return pivot.strategy_cash_flows(pf, pivot.Strategy("keep_mining"), market)


def _margin_usd(cf: Any) -> float:
    """Mining revenue less power cost net of the site's contracted supply stream
    (``site_supply_usd``, a line of its own) over the months. [USD]"""
    return float(np.sum(cf.mining_revenue_usd[0] - cf.net_power_cost_usd[0]))


@pytest.mark.parametrize("settlement", ["physical", "financial"])
@pytest.mark.parametrize("ppa_price", [20.0, 100.0])
def test_keep_mining_counts_the_ppa_settlement_at_each_months_index(
        ppa_price: float, settlement: str) -> None:
    """Keep-mining with the PPA less without it is, month by month, the PPA's volume
    times the month's index price (the contract's price, no adder here) less the PPA's
    price, times the month's hours: 40 MW x (59.8 - 20) x 8,760 h = 13.9 M USD, or
    -14.1 M USD at 100 USD/MWh, mined months and curtailed ones alike (the monthly model
    curtails ten of the twelve without dispatch: the PPA settles whether the miners run
    or not). The PPA
    does not move the flexibility here (no adder: a MW curtailed resells the PPA's energy
    at the index a MW of grid energy costs), so the difference is that alone (1e-6 of
    the settlement: rounding of the interpolated shares)."""
    mean = lz_west_index_mean_usd_per_mwh()
    # the deterministic path carries no power path: every month pays the contract's price
    hours = 8760.0  # 2026's 12 months
    by_hand = PPA_MW * (mean - ppa_price) * hours
    with_ppa = _margin_usd(_first_year(_portfolio(mean, ppa_price, settlement)))
    without = _margin_usd(_first_year(_portfolio(mean)))
    assert with_ppa - without == pytest.approx(by_hand, rel=1e-6)


def test_the_settlement_is_the_engines_always_on_value_of_the_ppa() -> None:
    """On the price year (a contract at its mean index, 8,760 h) the settlement pivot
    counts is the dispatch engine's always-on net margin with the PPA less without it
    (13.9 M USD; 1e-3: the deterministic path's months are the price year's mean, the
    year's hours 8,760 as the engine's)."""
    mean = lz_west_index_mean_usd_per_mwh()
    site = _portfolio(mean, 20.0).sites[0]
    prices = load_prices(site)
    with_ppa = run_dispatch(site, prices).baseline_totals
    without = run_dispatch(_portfolio(mean).sites[0], prices).baseline_totals
    assert with_ppa is not None and without is not None
    engine = float(with_ppa["net_margin_usd"]) - float(without["net_margin_usd"])
    pivot_gap = (_margin_usd(_first_year(_portfolio(mean, 20.0)))
                 - _margin_usd(_first_year(_portfolio(mean))))
    assert engine == pytest.approx(13.95e6, rel=0.01)
    assert pivot_gap == pytest.approx(engine, rel=1e-3)


@pytest.mark.parametrize("settlement", ["physical", "financial"])
@pytest.mark.parametrize("kind", ["index", "fixed"])
def test_the_months_settlement_is_the_engines_at_the_months_level(kind: str,
                                                                 settlement: str) -> None:
    """At twice the price year's index level with a 10 USD/MWh adder (an index contract;
    a fixed one at 45 USD/MWh has no level) the settlement pivot counts in a month mined is
    the engine's always-on net margin with the PPA less without it on the price year's
    prices doubled (a physical block taken saves the grid price and the adder; on the
    fixed contract the engine's always-on resells the block where the index beats the
    fixed price and buys at that price instead; 1e-9: the always-on schedule does not
    move with the level, so the mapping is exact)."""
    from hashpivot.engines.pivot.uplift.curve import MonthMargin
    from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift
    from hashpivot.units import HOURS_PER_MONTH

    def site(ppa: float | None) -> Any:
        return ppa_site_portfolio(ppa, settlement, tail="", adder=10.0, years=1,
                                  kind=kind).sites[0]

    level = 2.0 if kind == "index" else 1.0
    with_ppa, without = site(20.0), site(None)
    u, note = measure_dispatch_uplift(with_ppa)
    assert u is not None and u.supply is not None, note
    assert "the own settlement of [sites.dispatch.ppa]" in note
    u = u.for_fleet(2000.0)
    # the monthly model's price: the index at the level, or the fixed price, plus the adder
    price = (level * u.index_level_reference_usd_per_mwh if kind == "index" else 45.0) + 10.0
    month = MonthMargin(np.array([[u.reference_hashprice_usd_per_th_day * 2000.0]]),
                        np.array([[price]]), np.array([[1e9]]))
    got = float(u.breakdown(month)["supply_settlement_usd_per_mw_month"][0, 0])
    prices = load_prices(with_ppa) * level
    on = [run_dispatch(s, prices).baseline_totals for s in (with_ppa, without)]
    assert on[0] is not None and on[1] is not None
    per = HOURS_PER_MONTH / float(with_ppa.fleet_power_mw) / 8760.0
    engine = (float(on[0]["net_margin_usd"]) - float(on[1]["net_margin_usd"])) * per
    assert got == pytest.approx(engine, rel=1e-9)


def test_pivot_prints_how_the_ppa_settlement_is_counted() -> None:
    """The resolved assumptions say what the PPA is worth per MW of the fleet and the
    convention after a conversion (40 MW x (59.8 - 20) USD/MWh over 44.1 MW, 730.5 h a
    month: 26,374 USD/MW-month; 0.5 USD/MW-month: the row is rounded): its worth with no
    miners is the site's in every strategy (it said, until 2026-12-07, that a MW converted
    gave up its share)."""
    from hashpivot.engines import pivot

    mean = lz_west_index_mean_usd_per_mwh()
    rows = {r["name"]: r for r in pivot.run_pivot(_portfolio(mean, 20.0)).resolved_assumptions()}
    row = rows["[sites.dispatch.ppa] settlement, per MW of the fleet"]
    assert row["value"] == pytest.approx(PPA_MW * (mean - 20.0) / 44.1 * 730.5, abs=0.5)
    assert "a conversion ends no contract" in row["source"]
    assert "[sites.dispatch.ppa] settlement, per MW of the fleet" not in {
        r["name"] for r in pivot.run_pivot(_portfolio(mean)).resolved_assumptions()}
