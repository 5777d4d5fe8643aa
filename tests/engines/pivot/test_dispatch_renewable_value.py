"""Keep-mining's value of a site with renewable supply counts the plant's own settlement.

The dispatch engine's flexibility ``G`` is a gain over its own always-on schedule, which
already takes a ``[sites.dispatch.renewable]`` plant's energy and pays its price per MWh
generated: ``G`` is the same with the plant as without it (no adder), and until
2026-12-07 ``pivot``'s keep-mining was too. On 44.1 MW of miners on the bundled ERCOT
LZ_WEST prices (mean index 59.8 USD/MWh), 20 MW of synthetic clear-sky solar (39,638 MWh
a year) at 28 USD/MWh is worth 1.57 M USD a year always on in the engine (its always-on
net margin 16.51 against 14.94 M USD without it), at 100 USD/MWh it loses 1.28 M USD,
and keep-mining's first year was 10.32 M USD with either or none. The plant's
settlement is now counted with the PPA's as the site's contracted supply
(:mod:`~hashpivot.engines.pivot.uplift.supply_settlement`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch import load_prices, run_dispatch
from tests.engines.pivot.ppa_inputs import lz_west_index_mean_usd_per_mwh, ppa_site_portfolio
from tests.optimize.optimize_inputs import NO_TV, pivot_plan_npv_usd


def _portfolio(price: float, solar: float | None = None, ppa: float | None = None,
               adder: float | None = None, years: int = 1, tail: str = "") -> Any:
    """44.1 MW of miners on an index contract at ``price`` [USD/MWh] on LZ_WEST, with 20
    MW of solar at ``solar`` USD/MWh and a 40 MW financial PPA at ``ppa`` (None: none)."""
    return ppa_site_portfolio(ppa, "financial", tail, adder, years, price=price, solar=solar)


def _engine_always_on_usd(pf: Any) -> float:
    """The dispatch engine's always-on net margin over the price year. [USD]"""
    site = pf.sites[0]
    totals = run_dispatch(site, load_prices(site)).baseline_totals
    assert totals is not None
    return float(totals["net_margin_usd"])


def _first_year_margin_usd(pf: Any, phases: tuple[Any, ...] = ()) -> float:
    """Mining revenue less power cost net of the contracted supply stream over the
    deterministic path's first 12 months. [USD]"""
    from hashpivot.engines import pivot

    market = pivot.deterministic_market(pf, pd.Period("2026-01", "M"), 12)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("s", phases), market)
    return float(np.sum(cf.mining_revenue_usd[0] - cf.net_power_cost_usd[0]))


@pytest.mark.parametrize("solar_price", [28.0, 100.0])
def test_keep_mining_counts_the_plants_settlement_as_the_engine(solar_price: float) -> None:
    """Keep-mining's first year with the plant less without it is the engine's always-on
    net margin with it less without it on the price year: 1.57 M USD at 28 USD/MWh,
    -1.28 M USD at 100 (it was 0; 1e-3: the deterministic path's months are the price
    year's mean, the engine's year 8,760 h as the path's)."""
    mean = lz_west_index_mean_usd_per_mwh()
    engine = (_engine_always_on_usd(_portfolio(mean, solar_price))
              - _engine_always_on_usd(_portfolio(mean)))
    assert engine == pytest.approx({28.0: 1.572e6, 100.0: -1.282e6}[solar_price], rel=1e-3)
    got = (_first_year_margin_usd(_portfolio(mean, solar_price))
           - _first_year_margin_usd(_portfolio(mean)))
    assert got == pytest.approx(engine, rel=1e-3)


def test_the_plant_and_a_ppa_are_one_stream() -> None:
    """With a financial PPA beside the plant the contracted supply is worth both (the
    engine's always-on with both less with neither, 1e-3 as above), counted once."""
    mean = lz_west_index_mean_usd_per_mwh()
    engine = (_engine_always_on_usd(_portfolio(mean, 28.0, 20.0))
              - _engine_always_on_usd(_portfolio(mean)))
    got = (_first_year_margin_usd(_portfolio(mean, 28.0, 20.0))
           - _first_year_margin_usd(_portfolio(mean)))
    assert got == pytest.approx(engine, rel=1e-3)


def test_the_plant_does_not_move_convert_less_keep() -> None:
    """The plant's energy with no miners is resold at the index it displaced (no adder,
    resale allowed): converting 19.1 MW from 2026-04 leaves NPV(convert) - NPV(keep) as
    without the plant (1e-9: the same flows in another order), the terminal value
    included, while keep-mining itself moves (teeth)."""
    from hashpivot.engines import pivot

    phases = (pivot.ConversionPhase("A", pd.Period("2026-04", "M"), 25.0),)

    def npv(solar: float | None, converted: bool, tail: str) -> float:
        return pivot_plan_npv_usd(_portfolio(45.0, solar, years=3, tail=tail),
                                  phases if converted else (), pd.Period("2026-01", "M"),
                                  36)

    for tail in (NO_TV, ""):
        with_plant = npv(28.0, True, tail) - npv(28.0, False, tail)
        without = npv(None, True, tail) - npv(None, False, tail)
        assert abs(with_plant - without) <= 1e-9 * abs(without), (tail, with_plant, without)
        assert npv(28.0, False, tail) - npv(None, False, tail) > 2e6


def test_pivot_prints_the_contracted_supplys_settlement() -> None:
    """The resolved assumptions' row names the blocks counted and gives their worth per
    MW of the fleet and month (1.57 M USD / 44.1 MW / 12: 2,972 USD/MW-month; 2 USD:
    the row is rounded, the year's 8,760 h against 12 x 730.5)."""
    from hashpivot.engines import pivot

    mean = lz_west_index_mean_usd_per_mwh()
    rows = {r["name"]: r for r in
            pivot.run_pivot(_portfolio(mean, 28.0)).resolved_assumptions()}
    row = rows["[sites.dispatch.renewable] settlement, per MW of the fleet"]
    assert row["value"] == pytest.approx(1.572e6 / 44.1 / 12.0, abs=2.0)
    both = {r["name"]: r for r in
            pivot.run_pivot(_portfolio(mean, 28.0, 20.0)).resolved_assumptions()}
    assert "[sites.dispatch.ppa] and [sites.dispatch.renewable] settlement, per MW of " \
           "the fleet" in both
