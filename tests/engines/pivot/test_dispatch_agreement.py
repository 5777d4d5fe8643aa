"""``pivot``'s first-year dispatch uplift against ``hashpivot dispatch``'s gain over
always-on, on the same site, prices and hashprice.

The West Texas example is dispatched on ERCOT HB_WEST 2024 at a constant hashprice
(``[sites.dispatch] hashprice_usd_per_ph_day``), and ``pivot`` values it from a first
month whose hashprice is that one (``[pivot]`` BTC price, network hashrate, no fees, no
growth, no decay) and whose index price is the price year's mean (the contract's
``price_usd_per_mwh``): every month of its first year maps to ``k = 1`` and ``lambda =
1``, the price year itself. The two figures then differ by what the uplift's row prints
and nothing else:

* always-on's 4CP charge is taken off the engine's gain (the monthly model's power price
  never had one), except the firm AI load's own share of it, worked here from the
  schedule (its 50 MW less the solar at each of the four peaks, at 66 USD/kW/year over
  4 peaks);
* the contracted supply (PPA block, solar) as the miners use it always on, over what it
  is worth with no miners (``P_on - P_idle``), is added: the engine's always-on has it,
  the monthly model's pays the index plus the adder on every MWh;
* the first year has 8,760 hours, the price year 8,784: the uplift follows each month's
  hours.

With one fleet entry they agree to 1e-9. With the example's two entries ``pivot`` values
each entry at its own ``k`` (its TH/s per MW over the site's: 0.71 for the S19j Pros,
1.19 for the S21s) on the curve the engine measured for the site as a whole
(docs/methodology.md), and the first year comes out 2.8 % above the engine (13.99
against 13.61 M USD; 2.6 % at 64.6 USD/PH/day, the price year's mean; measured
2026-12-07): the site's curve at each entry's ``k``, not the engine's dispatch of the two
tranches at one hashprice. The test holds that gap between 0 and 4 %.

With the S19j Pros displaced by a conversion the S21s' uplift is 19 % below the engine's on
the S21s alone (the demand response, 4CP and supply terms are site amounts the curve
spreads over the whole fleet's MW): docs/methodology.md's table, from
scripts/measure_entry_mapping.py.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch import load_prices, run_dispatch
from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.models.loader import validate_data
from hashpivot.models.portfolio import Portfolio
from hashpivot.units import HOURS_PER_MONTH

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dispatch-west-texas.toml"

#: The constant hashprice both engines use, gross of the pool fee. [USD/PH/day]
HASHPRICE_USD_PER_PH_DAY = 60.0
#: BTC per day to miners at the start height (3.125 BTC a block, no fees), at 144 blocks
#: a day, and the BTC price: the network hashrate that gives HASHPRICE. [BTC/day, USD]
_BTC_PER_DAY, _BTC_PRICE_USD = 144 * 3.125, 100_000.0


def _document(one_entry: bool) -> dict[str, Any]:
    doc = tomllib.loads(EXAMPLE.read_text())
    site = doc["sites"][0]
    prices = load_prices(validate_data(Portfolio, doc, str(EXAMPLE)).sites[0])
    assert (prices.index[1:] - prices.index[:-1]).nunique() == 1  # (15 min: a plain mean)
    site["power_contract"]["price_usd_per_mwh"] = float(prices.mean())  # lambda = 1
    site["dispatch"]["hashprice_usd_per_ph_day"] = HASHPRICE_USD_PER_PH_DAY
    if one_entry:
        site["fleet"] = site["fleet"][:1]  # the S21s alone
    doc["pivot"] = {
        "start": "2025-01", "horizon_years": 2, "start_height": 880_000,
        "btc_price_usd": _BTC_PRICE_USD, "btc_price_growth_per_year": 0.0,
        "network_hashrate_th_s": _BTC_PER_DAY * _BTC_PRICE_USD
        / (HASHPRICE_USD_PER_PH_DAY / 1000.0),
        "network_hashrate_growth_per_year": 0.0, "fees_btc_per_block": 0.0,
        "fleet_hashrate_decay_per_year": 0.0, "fleet_replacement_years": None,
    }
    return doc


@cache
def _portfolio(one_entry: bool) -> Portfolio:
    return validate_data(Portfolio, _document(one_entry), str(EXAMPLE))


def _pivot_first_year_usd(one_entry: bool) -> tuple[float, float]:
    """``pivot``'s uplift over its first 12 months, each fleet entry's per MW still
    mining times its MW [USD], and those months' hours [h]."""
    portfolio = _portfolio(one_entry)
    result = run_pivot(portfolio)
    (facts,) = result.inputs["site_assumptions"]
    by = pd.DataFrame(facts["dispatch_uplift_central_usd_per_mw_month"]["by_month"])
    months = sorted(by["month"].unique())[:12]
    first = by[by["month"].isin(months)]
    assert np.allclose(first["price_level"], 1.0, rtol=1e-12)
    site = portfolio.sites[0]
    mw = {e.name: float(e.count) * float(e.power_w) / 1e6 * float(site.power_overhead_factor)
          for e in site.fleet}
    assert set(first["fleet_entry"]) == set(mw)
    total = float((first["uplift_usd_per_mw_month"] * first["fleet_entry"].map(mw)).sum())
    hours = float(sum(pd.Period(m).days_in_month * 24 for m in months))
    return total, hours


def _dispatch_side_usd(one_entry: bool) -> tuple[float, float]:
    """The dispatch engine's gain over always-on less always-on's 4CP charge plus the AI
    load's own, plus the supply the miners use always on over what it is worth with no
    miners [USD over the price year], and the price year's hours [h]."""
    site = _portfolio(one_entry).sites[0]
    result = run_dispatch(site, load_prices(site))
    s = result.summary()
    frame = result.schedule_frame()
    peaks = frame["fourcp_peak"].to_numpy(dtype=bool)
    assert int(peaks.sum()) == 4
    ai_own_usd = 66.0 * 1000.0 / 4 * float(np.maximum(
        frame["ai_mw"].to_numpy()[peaks] - frame["renewable_available_mw"].to_numpy()[peaks],
        0.0).sum())
    hours = float(s["hours"])
    (inputs,) = resolve_sites(_portfolio(one_entry))
    assert inputs.dispatch_uplift is not None and inputs.dispatch_uplift.supply is not None
    supply = inputs.dispatch_uplift.supply
    on_less_idle_usd = (supply.at_reference_usd_per_mw_month
                        - supply.idle_index_usd_per_mw_month
                        - supply.idle_fixed_usd_per_mw_month) \
        * float(site.fleet_power_mw) * hours / HOURS_PER_MONTH
    assert float(s["hashprice_mean_usd_per_ph_day"]) == HASHPRICE_USD_PER_PH_DAY
    return (float(s["net_margin_gain_vs_always_on_usd"])
            - float(s["fourcp_charge_always_on_usd"]) + ai_own_usd + on_less_idle_usd), hours


def test_one_fleet_entry_pivots_first_year_is_the_dispatch_engines_gain() -> None:
    pivot_usd, pivot_hours = _pivot_first_year_usd(one_entry=True)
    dispatch_usd, dispatch_hours = _dispatch_side_usd(one_entry=True)
    assert (pivot_hours, dispatch_hours) == (8760.0, 8784.0)
    assert pivot_usd * dispatch_hours / pivot_hours == pytest.approx(dispatch_usd, rel=1e-9)


def test_two_fleet_entries_are_within_the_entry_mappings_gap() -> None:
    pivot_usd, pivot_hours = _pivot_first_year_usd(one_entry=False)
    dispatch_usd, dispatch_hours = _dispatch_side_usd(one_entry=False)
    ratio = pivot_usd * dispatch_hours / pivot_hours / dispatch_usd
    assert 1.0 < ratio < 1.04  # (2.6 %: each entry at its own k on the site's curve)
