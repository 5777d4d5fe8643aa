"""Pivot's flexibility of a site with a PPA at the month's price level, against the dispatch
engine run on the same site.

A month's power price in the monthly model is the contract's: for an index contract the
expected index price (plus its adder), for a fixed one the fixed price. The price year's
index prices are scaled to that level (``lambda``). Until 2026-12-07 the level was taken
over what the site pays on balance always on (its power cost net of PPA resale), not over
the index: with a PPA priced away from the index the month's prices were scaled by the
wrong factor. On ``examples``-like inputs (85 MW of miners on ERCOT LZ_WEST 2023, a 90 MW
PPA at 33 USD/MWh) ``pivot`` gave keep-mining 35,000 USD/MW-month of flexibility where
``dispatch`` measures 16,600 on the price year itself (index contract at 45 USD/MWh), and
with a fixed contract and a financial PPA (net paid 5.7 USD/MWh, so ``lambda`` 8.9) it
curtailed 99.7 % of the mining ``dispatch`` runs every hour, keep-mining worth 1.1 B USD
on a 100 MW site.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hashpivot.engines.dispatch import load_prices, run_dispatch
from hashpivot.engines.pivot.uplift.curve import MonthMargin
from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift
from hashpivot.units import HOURS_PER_MONTH
from tests.engines.pivot.ppa_inputs import ppa_site_portfolio


def _site(kind: str, price: float, settlement: str = "physical") -> Any:
    """44.1 MW of miners on a ``kind`` contract at ``price`` [USD/MWh] on the LZ_WEST 2023
    prices with a 40 MW PPA at 35 USD/MWh, over 5 years."""
    return ppa_site_portfolio(35.0, settlement, tail="", years=5, price=price,
                              kind=kind).sites[0]


def _index_mean_usd_per_mwh(site: Any) -> float:
    prices = load_prices(site)
    first = run_dispatch(site, prices)
    h = np.asarray(first.problem.interval_hours_series, dtype=np.float64)
    return float(np.sum(np.asarray(first.problem.price_usd_per_mwh_series) * h) / h.sum())


def _engine_gain(site: Any, level: float) -> float:
    """The dispatch engine's net margin gain over always-on on the price year's prices
    times ``level`` at its own hashprice, per MW of the fleet and month. [USD/MW/month]"""
    prices = load_prices(site)
    s = run_dispatch(site, prices * level).summary()
    gain = float(s["net_margin_gain_vs_always_on_usd"])
    return gain / float(site.fleet_power_mw) / float(s["hours"]) * HOURS_PER_MONTH


def _pivot_uplift(site: Any, power_price_usd_per_mwh: float) -> float:
    """Pivot's flexibility in a month at the price year's revenue per MW and the given
    power price, with a margin large enough that the month is mined: its uplift less
    what the miners' use of the PPA adds to its worth with no miners (``P_on - P_idle``:
    the engine's gain over its always-on, which has the PPA, leaves it out; ``P_idle``
    is the site's, not in the uplift: test_dispatch_ppa_value.py). [USD/MW/month]"""
    u, note = measure_dispatch_uplift(site)
    assert u is not None, note
    u = u.for_fleet(2000.0)
    month = MonthMargin(np.array([[u.reference_hashprice_usd_per_th_day * 2000.0]]),
                        np.array([[power_price_usd_per_mwh]]), np.array([[1e9]]))
    b = u.breakdown(month)
    idle = u.supply_idle_usd_per_mw_month(month.power_price_usd_per_mwh, HOURS_PER_MONTH)
    assert idle is not None
    return float(b["uplift_usd_per_mw_month"][0, 0]
                 - (b["supply_settlement_usd_per_mw_month"][0, 0] - idle[0, 0]))


@pytest.mark.parametrize("settlement", ["physical", "financial"])
def test_an_index_contract_at_the_price_years_mean_is_the_price_year_itself(
        settlement: str) -> None:
    """An index contract whose expected price is the price year's mean index: the month is
    the price year (``lambda = 1``, ``k = 1``) and pivot's uplift is the engine's gain on
    those prices, whatever the PPA's price (1e-9)."""
    mean = _index_mean_usd_per_mwh(_site("index", 40.0, settlement))
    site = _site("index", mean, settlement)
    assert _pivot_uplift(site, mean) == pytest.approx(_engine_gain(site, 1.0), rel=1e-9)


def test_an_index_contract_at_twice_the_mean_is_the_price_year_doubled() -> None:
    """At twice the mean index the month is the price year's prices doubled: the PPA's
    fixed price does not scale, so the mapping is approximate (5 %, as the module's)."""
    mean = _index_mean_usd_per_mwh(_site("index", 40.0))
    site = _site("index", mean)
    assert _pivot_uplift(site, 2.0 * mean) == pytest.approx(_engine_gain(site, 2.0), rel=0.05)


@pytest.mark.parametrize("settlement", ["physical", "financial"])
def test_a_fixed_contract_is_not_scaled_by_an_index_level(settlement: str) -> None:
    """A fixed contract has no index level: a month at its price is the price year as the
    engine dispatches it (the index prices value only the PPA's resale and settlement)."""
    site = _site("fixed", 33.0, settlement)
    assert _pivot_uplift(site, 33.0) == pytest.approx(_engine_gain(site, 1.0), rel=1e-9,
                                                      abs=1e-6)


def test_pivot_keep_mining_mines_what_dispatch_mines_on_a_fixed_contract_with_a_vppa() -> None:
    """End to end: on a fixed contract with a financial PPA the engine mines every hour of
    the price year (mining pays at 33 USD/MWh); pivot's first month at a hashprice near the
    price year's mines as much of always-on's energy (the dispatch's energy share), not
    the 0.3 % it mined when the level was taken over the site's net paid price."""
    from hashpivot.engines import pivot

    site = _site("fixed", 33.0, "financial")
    r = run_dispatch(site, load_prices(site))
    s, base = r.summary(), r.baseline_totals
    assert base is not None
    assert float(s["energy_mining_mwh"]) / float(base["energy_mining_mwh"]) > 0.99
    pf = ppa_site_portfolio(35.0, "financial", tail="", years=1, price=33.0, kind="fixed")
    flows = pivot.run_pivot(pf).baseline.cash_flows
    hours = flows.periods[0].days_in_month * 24.0
    always_on_mwh = float(site.fleet_power_mw) * 0.95 * hours
    assert float(flows.energy_mwh[0, 0]) / always_on_mwh > 0.95
