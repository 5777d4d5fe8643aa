"""A ``[sites.dispatch.ppa]`` block's worth with no miners is the site's: it does not move
the choice between converting and mining.

Until 2026-12-07 the whole settlement went with the MW still mining (a MW converted gave
its share up): on 44.1 MW of miners on ERCOT LZ_WEST (mean index 59.8 USD/MWh) a 40 MW
financial PPA at 20 USD/MWh, worth 13.9 M USD a year whatever the site's load, made
converting 19.1 MW of the machines look 6.0 M USD a year worse than without the PPA.
Now ``P_idle`` (the block with no miners) is counted from the site's whole fleet in
every strategy (:mod:`hashpivot.engines.pivot.uplift.supply_stream`), and only ``P_on - P_idle``
(what the miners' use of it adds) with the MW still mining.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch import load_prices, run_dispatch
from tests.engines.pivot.ppa_inputs import (
    PPA_MW,
    PPA_SITE_YEARS,
    lz_west_index_mean_usd_per_mwh,
    ppa_site_portfolio,
)
from tests.optimize.optimize_inputs import NO_TV, engines_center_npvs_usd, pivot_plan_npv_usd

#: a hall of 25 MW from 2026-04 on the 50 MW site: 19.1 MW of its 44.1 MW of miners go
_CONVERT_MW, _START, _CONVERT_FROM = 25.0, "2026-01", "2026-04"


def _phases(mw: float = _CONVERT_MW) -> tuple[Any, ...]:
    from hashpivot.engines import pivot

    return (pivot.ConversionPhase("A", pd.Period(_CONVERT_FROM, "M"), mw),)


@cache
def _npv_usd(ppa: float | None, settlement: str, tail: str, converted: bool,
             adder: float | None = None) -> float:
    """The pivot engine's NPV of keep-mining or of the conversion, on the deterministic
    path, with the terminal value ``tail`` asks for. [USD]"""
    return pivot_plan_npv_usd(ppa_site_portfolio(ppa, settlement, tail, adder),
                              _phases() if converted else (), pd.Period(_START, "M"),
                              PPA_SITE_YEARS * 12)


def _convert_less_keep_usd(ppa: float | None, settlement: str, tail: str,
                           adder: float | None = None) -> float:
    return (_npv_usd(ppa, settlement, tail, True, adder)
            - _npv_usd(ppa, settlement, tail, False, adder))


@pytest.mark.parametrize("tail", [NO_TV, ""], ids=["no TV", "TV"])
def test_a_financial_ppa_does_not_move_convert_less_keep(tail: str) -> None:
    """A contract for differences settles whatever the site's load: NPV(convert) -
    NPV(keep) is the same with the 40 MW block at 20 USD/MWh as without it (1e-9: the
    same flows in another order; the block does not move the flexibility ``G`` of a site
    with no adder, nor the miners' part of it, ``P_on - P_idle = 0`` for a financial
    block), the terminal value included (the block's no-miner part valued on its own,
    the same in both). It moved by -6.0 M USD a year of conversion before."""
    with_ppa = _convert_less_keep_usd(20.0, "financial", tail)
    without = _convert_less_keep_usd(None, "financial", tail)
    assert abs(with_ppa - without) <= 1e-9 * abs(without), (with_ppa, without)
    # teeth: the PPA is worth something here (both strategies carry it)
    assert (_npv_usd(20.0, "financial", tail, False)
            - _npv_usd(None, "financial", tail, False)) > 10e6


@pytest.mark.parametrize("converted", [False, True], ids=["keep", "convert"])
def test_every_strategy_carries_the_whole_settlement(converted: bool) -> None:
    """Keep-mining and the conversion alike, the first year with the financial block
    less without it is the block's whole settlement, 40 MW x (index - 20 USD/MWh) x
    8,760 h = 13.9 M USD (the deterministic path's months at the contract's price, the
    index mean here: 1e-6, the interpolated shares' rounding), not the MW still mining's
    share of it (the conversion's was 9.4 M USD before)."""
    from hashpivot.engines import pivot

    mean = lz_west_index_mean_usd_per_mwh()

    def margin_usd(ppa: float | None) -> float:
        pf = ppa_site_portfolio(ppa, "financial", tail="", years=1, price=mean)
        market = pivot.deterministic_market(pf, pd.Period(_START, "M"), 12)
        strategy = pivot.Strategy("plan", _phases() if converted else ())
        cf = pivot.strategy_cash_flows(pf, strategy, market)
        return float(np.sum(cf.mining_revenue_usd[0] - cf.net_power_cost_usd[0]))

    by_hand = PPA_MW * (mean - 20.0) * 8760.0
    assert margin_usd(20.0) - margin_usd(None) == pytest.approx(by_hand, rel=1e-6)


def test_a_physical_block_moves_convert_less_keep_by_the_miners_increment_alone() -> None:
    """A physical block, resale allowed, on an index contract with no adder: the miners
    take it at the index it displaces, what they do not take is resold at the index, so
    by hand the miners' increment ``P_on - P_idle`` is the engine's always-on
    ``sum (used x grid price + resold x index) dt`` less ``40 MW x sum index dt`` (all
    of it resold with no miners), 0 here: NPV(convert) - NPV(keep) is the same as
    without the block (1e-9), where the MW converted gave up 40 / 44.1 of its 26,374
    USD/MW-month before."""
    site = ppa_site_portfolio(20.0, "physical").sites[0]
    r = run_dispatch(site, load_prices(site))
    problem, schedule = r.problem, r.baseline_accounts.schedule
    dt = np.asarray(problem.interval_hours_series, dtype=np.float64)
    index = np.asarray(problem.price_usd_per_mwh_series, dtype=np.float64)
    grid = np.asarray(problem.grid_purchase_price_usd_per_mwh(), dtype=np.float64)
    used = np.asarray(schedule.ppa_used_mw, dtype=np.float64)
    resold = np.asarray(schedule.ppa_resold_mw, dtype=np.float64)
    assert float(np.sum(used * dt)) > 0.9 * PPA_MW * 8760.0  # the miners take the block
    on_usd = float(np.sum((used * grid + resold * index) * dt))
    idle_usd = float(np.sum(PPA_MW * index * dt))
    assert on_usd - idle_usd == pytest.approx(0.0, abs=1e-9 * abs(idle_usd))
    with_ppa = _convert_less_keep_usd(20.0, "physical", NO_TV)
    without = _convert_less_keep_usd(None, "physical", NO_TV)
    assert abs(with_ppa - without) <= 1e-9 * abs(without), (with_ppa, without)


def test_with_an_adder_the_block_moves_convert_less_keep_through_each_mw_mining() -> None:
    """With a 10 USD/MWh grid adder the miners' use of a physical block saves the adder
    on its energy (40 MW x 10 USD/MWh x 730.5 h / 44.1 MW = 6,626 USD/MW-month at set
    rates, by hand) and changes their flexibility (a MW curtailed resells the block's
    energy at the index, where a grid MW saved the adder too): NPV(convert) - NPV(keep)
    moves by exactly what the MW converted no longer earns of that, month by month
    (``sum_t d_t (MW_keep - MW_convert)_t (u_PPA - u)_t``, ``u`` the uplift per MW
    mining: 1e-9), nothing of the block's no-miner part."""
    from hashpivot.engines import pivot
    from hashpivot.engines.pivot.discounting import line_rates
    from hashpivot.engines.pivot.fleet import market_mining
    from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift
    from hashpivot.finance import discount_factors, periodic_rate
    from hashpivot.units import HOURS_PER_MONTH

    u, note = measure_dispatch_uplift(ppa_site_portfolio(20.0, "physical", adder=10.0).sites[0])
    assert u is not None and u.supply is not None, note
    increment = u.supply.fixed_usd_per_mw_month - u.supply.idle_fixed_usd_per_mw_month
    assert increment == pytest.approx(10.0 * PPA_MW * HOURS_PER_MONTH / 44.1, rel=1e-9)
    assert u.supply.index_usd_per_mw_month == pytest.approx(u.supply.idle_index_usd_per_mw_month,
                                                         rel=1e-9)

    def per_mw(ppa: float | None) -> tuple[Any, Any]:
        pf = ppa_site_portfolio(ppa, "physical", adder=10.0)
        market = pivot.deterministic_market(pf, pd.Period(_START, "M"), PPA_SITE_YEARS * 12)
        mw = [pivot.strategy_cash_flows(pf, pivot.Strategy("s", phases), market)
              .mining_mw[0] for phases in ((), _phases())]
        return market_mining(pf, market)["A"].uplift_usd_per_mw_month[0], mw[0] - mw[1]

    (u_ppa, gone), (u_none, gone_none) = per_mw(20.0), per_mw(None)
    np.testing.assert_array_equal(gone, gone_none)
    # what a MW mining gains with the block: the adder its use saves, less what its
    # flexibility loses (about 5,800 USD/MW-month here), never the block's no-miner
    # worth (about 16,900 USD/MW-month at this path's index level: the uplift had it,
    # 22,600 more than without the block)
    market = pivot.deterministic_market(ppa_site_portfolio(None), pd.Period(_START, "M"),
                                        PPA_SITE_YEARS * 12)
    saving = increment * market.days_per_period * 24.0 / HOURS_PER_MONTH
    assert np.all(u_ppa - u_none > 0.0)
    assert np.all(u_ppa - u_none <= saving * (1.0 + 1e-12))
    pf = ppa_site_portfolio(None, adder=10.0)
    assert pf.pivot is not None
    disc = discount_factors(float(periodic_rate(line_rates(pf.pivot).mining)), PPA_SITE_YEARS * 12)
    by_hand = -float(np.sum(disc * gone * (u_ppa - u_none)))
    moved = (_convert_less_keep_usd(20.0, "physical", NO_TV, 10.0)
             - _convert_less_keep_usd(None, "physical", NO_TV, 10.0))
    assert moved == pytest.approx(by_hand, rel=1e-9)
    assert abs(moved) > 1e5  # teeth: the block's adder saving does move it


def test_simulate_and_optimize_value_the_site_as_pivot_does() -> None:
    """simulate's deterministic path and the optimizer's central path value keep-mining
    and the conversion of a site with the financial block as pivot does, the terminal
    value included (1e-9: the same arithmetic; the block's no-miner part is a constant
    of the optimizer's plans, its terminal value outside the SG&A floor)."""
    from hashpivot.optimize import resolve_problem
    from hashpivot.optimize.center_path import expected_value_coefficients
    from hashpivot.optimize.run import coefficient_task, scenario_params

    pf = ppa_site_portfolio(20.0, "financial", tail="")
    ref = {"keep": _npv_usd(20.0, "financial", "", False),
           "convert": _npv_usd(20.0, "financial", "", True)}
    got = engines_center_npvs_usd(pf, _CONVERT_MW, _CONVERT_FROM)
    for engine, npvs in got.items():
        for name, npv in npvs.items():
            assert npv == pytest.approx(ref[name], rel=1e-9), (engine, name)
    p = resolve_problem(pf, continuous=True)  # the block's stream is in the optimizer's
    params, _ = scenario_params(p, 0)
    c = expected_value_coefficients(coefficient_task(p, params.zero_volatility()))
    assert c.site_terminal_usd is not None and c.site_terminal_usd[0] > 0
