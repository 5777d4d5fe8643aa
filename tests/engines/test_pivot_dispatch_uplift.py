"""The flexibility of a dispatching site at each month's margin
(hashpivot.engines.pivot.dispatch_uplift), against the dispatch engine run directly.

The reference of each figure is the dispatch engine itself (``run_dispatch`` with the
hashprice and prices scaled), with the whole-month part recomputed from its always-on
schedule frame grouped by calendar month in pandas, not by the module's own code.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch import load_prices, run_dispatch
from hashpivot.engines.pivot.dispatch_uplift import (
    MULTIPLIERS,
    DispatchUplift,
    MonthMargin,
    measure_dispatch_uplift,
)
from hashpivot.units import HOURS_PER_MONTH
from tests.optimize.conftest import portfolio, site_toml

_SITE = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
         "market": "ercot:HB_WEST"}


@cache
def _site() -> Any:
    return portfolio(site_toml("A", **_SITE, dispatch={"availability_fraction": 0.95}),
                     years=5).sites[0]


@cache
def _measured() -> DispatchUplift:
    u, note = measure_dispatch_uplift(_site())
    assert u is not None, note
    return u


@cache
def _inputs() -> tuple[pd.Series, pd.Series]:
    site = _site()
    prices = load_prices(site)
    first = run_dispatch(site, prices)
    hp = pd.Series(first.problem.hashprice_usd_per_ph_day_series, index=first.problem.index)
    return prices, hp


def _engine_gain(k: float, price_level: float = 1.0) -> float:
    """The engine's net margin gain over always-on per MW of the fleet and month, with the
    price year's hashprice times ``k`` and its prices times ``price_level``.
    [USD/MW/month]"""
    site = _site()
    prices, hp = _inputs()
    s = run_dispatch(site, prices * price_level, hashprice=hp * k).summary()
    gain = float(s["net_margin_gain_vs_always_on_usd"])
    return gain / float(site.fleet_power_mw) / float(s["hours"]) * HOURS_PER_MONTH


@pytest.mark.parametrize("k", [0.15, 0.2, 1.0, 3.0])
def test_at_a_measured_multiplier_the_gain_is_the_engines(k: float) -> None:
    assert k in MULTIPLIERS
    assert float(_measured().gain(np.array(k))) == pytest.approx(_engine_gain(k), rel=1e-9)


@pytest.mark.parametrize("k", [0.15, 1.0, 3.0])
def test_at_a_measured_multiplier_the_shares_are_the_engines(k: float) -> None:
    """The dispatch's mining revenue and energy over always-on's, from the engine's own
    totals (its schedule and its always-on baseline), 1e-12; below 1 (it curtails)."""
    site = _site()
    prices, hp = _inputs()
    r = run_dispatch(site, prices, hashprice=hp * k)
    s, base = r.summary(), r.baseline_totals
    assert base is not None
    u = _measured()
    rev = float(u.share(np.array(k), "revenue_share"))
    energy = float(u.share(np.array(k), "energy_share"))
    assert rev == pytest.approx(s["mining_revenue_usd"] / base["mining_revenue_usd"], rel=1e-12)
    assert energy == pytest.approx(s["energy_mining_mwh"] / base["energy_mining_mwh"],
                                   rel=1e-12)
    assert 0 < energy < 1 and 0 < rev < 1


@pytest.mark.parametrize("k", [0.11, 0.17, 0.35, 0.45, 0.9, 1.4, 4.0])
def test_between_the_multipliers_the_gain_is_within_one_and_a_half_percent_of_the_engine(
    k: float,
) -> None:
    """``G`` is interpolated linearly in ``log k`` (0.9 % off at worst on these points,
    measured); beyond the multipliers it is held (tested below)."""
    assert k not in MULTIPLIERS
    assert float(_measured().gain(np.array(k))) == pytest.approx(_engine_gain(k), rel=0.015)


def test_a_month_at_another_price_level_is_the_price_year_scaled() -> None:
    """A month whose power price is twice the price year's (always-on mean) and whose
    revenue per MW is the price year's: ``lambda = 2``, ``k = 0.5``, and the uplift is
    what the engine gains on the price year's prices doubled at its own hashprice (the
    engine is homogeneous of degree 1 in prices and hashprice on this site: no fixed
    charges), to 1e-9."""
    u = _measured().for_fleet(2000.0)
    ref = u.reference_hashprice_usd_per_th_day * 2000.0
    p2 = 2.0 * u.reference_power_price_usd_per_mwh
    got = u.usd_per_mw_month(MonthMargin(np.array([[ref]]), np.array([[p2]]),
                                         np.array([[1e9]])))
    assert float(got[0, 0]) == pytest.approx(_engine_gain(1.0, price_level=2.0), rel=1e-9)
    assert float(got[0, 0]) == pytest.approx(2.0 * float(u.gain(np.array(0.5))), rel=1e-12)
    at_ref = u.usd_per_mw_month(MonthMargin(
        np.array([[0.7 * ref, 2.0 * ref]]),
        np.array([[u.reference_power_price_usd_per_mwh] * 2]), np.array([[1.0, 1.0]])))
    assert at_ref[0] == pytest.approx(u.gain(np.array([0.7, 2.0])), rel=1e-12)


def test_a_site_that_pays_nothing_on_balance_is_not_scaled_by_the_price_level() -> None:
    """Where resale pays for all the power always on (``p_ref <= 0``) ``lambda = 1``: the
    uplift is ``G(k)`` at the revenue's multiplier, whatever the month's price."""
    import dataclasses

    u = dataclasses.replace(_measured().for_fleet(2000.0),
                            reference_power_price_usd_per_mwh=-3.0)
    ref = u.reference_hashprice_usd_per_th_day * 2000.0
    got = u.usd_per_mw_month(MonthMargin(np.array([[0.5 * ref, 0.5 * ref]]),
                                         np.array([[10.0, 80.0]]), np.array([[1.0, 1.0]])))
    assert got[0] == pytest.approx([float(u.gain(np.array(0.5)))] * 2, rel=1e-12)


def test_a_month_is_worth_always_on_plus_the_gain_and_never_less_than_off() -> None:
    """``max(margin, 0) + uplift = max(0, margin + lambda G)``: in a month the monthly
    model mines, always-on plus the engine's gain; in a month it curtails, the uplift is
    the gain less the loss whole-month curtailment already avoids, floored at 0."""
    u = _measured().for_fleet(2000.0)
    ref = u.reference_hashprice_usd_per_th_day * 2000.0
    g = float(u.gain(np.array(0.5)))
    margin = np.array([[5000.0, 0.0, -0.5 * g, -g, -3.0 * g]])
    up = u.usd_per_mw_month(MonthMargin(
        np.full(margin.shape, 0.5 * ref),
        np.full(margin.shape, u.reference_power_price_usd_per_mwh), margin))
    assert up[0] == pytest.approx([g, g, 0.5 * g, 0.0, 0.0], rel=1e-12, abs=1e-9)
    assert (np.maximum(margin, 0) + up)[0] == pytest.approx(
        np.maximum(0.0, margin + g)[0], rel=1e-12, abs=1e-9)


def test_the_site_runs_its_energy_share_of_the_months_it_mines_some_intervals() -> None:
    """``running_share`` (what the variable site costs follow): the engine's energy share
    at the month's ``k`` where the month has a positive margin or a positive uplift, 0
    where whole-month curtailment beats dispatching (the same margins as above)."""
    u = _measured().for_fleet(2000.0)
    ref = u.reference_hashprice_usd_per_th_day * 2000.0
    g = float(u.gain(np.array(0.5)))
    margin = np.array([[5000.0, 0.0, -0.5 * g, -g, -3.0 * g]])
    b = u.breakdown(MonthMargin(np.full(margin.shape, 0.5 * ref),
                                np.full(margin.shape, u.reference_power_price_usd_per_mwh),
                                margin))
    phi = float(u.share(np.array(0.5), "energy_share"))
    assert 0.0 < phi < 1.0
    # month 2: margin 0, uplift g > 0; month 4: uplift exactly 0 (gain = saving)
    assert b["running_share"][0] == pytest.approx([phi, phi, phi, 0.0, 0.0], rel=1e-12)


def test_flexibility_is_worth_more_after_a_halving() -> None:
    u = _measured()
    assert float(u.gain(np.array(0.5))) > 1.2 * float(u.gain(np.array(1.0)))
    k = np.geomspace(0.001, 100.0, 400)
    assert (u.gain(k) > 0).all()


def test_beyond_the_multipliers_the_gain_is_held_above_and_linear_in_k_below() -> None:
    """Above 5 the gain is held; below 0.02 it continues the first segment linearly in
    ``k`` (within 1.5 % of the engine at 0.01 and 0.005, where nearly every interval is
    curtailed and the gain is always-on's loss, linear in ``k``)."""
    u = _measured()
    assert float(u.gain(np.array(100.0))) == u.gain_usd_per_mw_month[-1]
    for k in (0.01, 0.005):
        assert float(u.gain(np.array(k))) == pytest.approx(_engine_gain(k), rel=0.015)


def test_the_note_gives_points_of_the_curve_and_what_k_is() -> None:
    u = _measured()
    assert "21 hashprice levels" in u.note and "whole month" in u.note
    assert f"1: {u.at_reference_usd_per_mw_month:,.0f}" in u.note
    assert "USD/PH/day" in u.note and "USD/MWh always on" in u.note


def test_a_site_without_dispatch_has_no_uplift() -> None:
    flat = portfolio(site_toml("A", **_SITE), years=5).sites[0]
    assert measure_dispatch_uplift(flat) == (None, "")


def test_with_ramps_the_curve_is_the_unlinked_sites_scaled_to_the_exact_gain() -> None:
    """A ramp limit makes each run a HiGHS LP over the price year: the exact gain is
    measured once, at ``k = 1``; at every multiplier the fast path runs the site without
    the ramp and the curve is that, scaled by exact / unlinked at ``k = 1`` (to 1e-9 at
    both points checked); the note says so."""
    dispatch = {"availability_fraction": 0.95, "limits": {"ramp_mw_per_interval": 5.0}}
    site = portfolio(site_toml("A", **_SITE, dispatch=dispatch), years=5).sites[0]
    u, note = measure_dispatch_uplift(site)
    assert u is not None and "link the intervals" in note
    prices, hp = _inputs()
    assert site.dispatch is not None
    unlinked = site.dispatch.model_copy(update={
        "limits": site.dispatch.limits.model_copy(update={"ramp_mw_per_interval": None})})
    per = HOURS_PER_MONTH / float(site.fleet_power_mw) / float(
        run_dispatch(site, prices, solver="fast", spec=unlinked).summary()["hours"])

    def gain(**kw: Any) -> float:
        return float(run_dispatch(site, prices, **kw).summary()[
            "net_margin_gain_vs_always_on_usd"]) * per

    exact = gain()
    assert u.at_reference_usd_per_mw_month == pytest.approx(exact, rel=1e-9)
    scale = exact / gain(solver="fast", spec=unlinked)
    assert 0 < scale < 1  # the ramp costs some of the gain
    assert float(u.gain(np.array(0.5))) == pytest.approx(
        scale * gain(solver="fast", spec=unlinked, hashprice=hp * 0.5), rel=1e-9)
