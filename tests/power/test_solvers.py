"""Dispatch solvers: exact hand-checked objectives, fast path vs HiGHS, MILP vs brute force.

Every solve goes through ``_check`` which asserts that the AI load is served and that
energy balances in every interval, and that HiGHS's own objective equals the accounts.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashpivot.exceptions import InputError
from hashpivot.power import (
    DispatchProblem,
    DispatchResult,
    Tranche,
    energy_balance_residual_mw,
    solve,
    tranche_segments,
)

TZ = "America/Chicago"


def _problem(prices: list[float] | np.ndarray, hours: float = 1.0, **kw: object) -> DispatchProblem:
    n = len(prices)
    index = pd.date_range("2024-07-01", periods=n, freq=pd.Timedelta(hours=hours), tz=TZ)
    kw.setdefault("tranches", (Tranche("S", power_mw=10.0, hashrate_ph_s=480.0),))
    kw.setdefault("hashprice_usd_per_ph_day_series", np.full(n, 50.0))
    return DispatchProblem(
        index=index,
        interval_hours_series=np.full(n, hours),
        price_usd_per_mwh_series=np.asarray(prices, dtype=float),
        **kw,  # type: ignore[arg-type]
    )


def _check(result: DispatchResult) -> DispatchResult:
    p, s = result.problem, result.schedule
    # AI served in every interval, energy balanced in every interval
    assert np.all(p.ai_firm_mw + s.ai_flexible_mw >= p.ai_firm_mw - 1e-9)
    assert np.abs(energy_balance_residual_mw(p, s)).max() < 1e-6
    assert np.all(s.grid_mw >= -1e-9)
    if math.isfinite(p.import_limit_mw):
        assert np.all(s.grid_mw + s.ppa_used_mw <= p.import_limit_mw + 1e-6)
    assert np.all(s.ppa_used_mw + s.ppa_resold_mw <= p.ppa_volume_mw + 1e-6)
    assert np.all(s.renewable_used_mw + s.renewable_resold_mw <= p.renewable() + 1e-6)
    cap = p.segments.cap_mw
    assert np.all(s.segment_mw <= cap[None, :] + 1e-6)
    if result.report.solver != "fast":
        scale = max(1.0, abs(result.objective_usd))
        assert result.report.objective == pytest.approx(
            result.objective_usd, abs=1e-6 * scale
        )
    return result


def _both(problem: DispatchProblem) -> tuple[DispatchResult, DispatchResult]:
    return _check(solve(problem, "fast")), _check(solve(problem, "lp"))


# ---- hand-checked cases (value of the tranche: 50 USD/PH/day x 48 PH/s/MW / 24 h
# = 100 USD/MWh) ---------------------------------------------------------------------------
def test_merit_order_by_hand() -> None:
    prob = _problem([10, 50, 150, -5], ai_firm_mw=5.0,
                    emissions_tco2_per_mwh_series=np.full(4, 0.4))
    fast, lp = _both(prob)
    # t0: 1000 - 15*10 = 850; t1: 1000 - 15*50 = 250; t2 curtailed: -5*150 = -750;
    # t3: 1000 + 15*5 = 1075 -> 1425. Always on: t2 = 1000 - 15*150 = -1250 -> 925.
    for r in (fast, lp):
        assert r.objective_usd == pytest.approx(1425.0, abs=1e-6)
        s = r.summary()
        assert s["net_margin_always_on_usd"] == pytest.approx(925.0)
        assert s["curtailed_hours"] == pytest.approx(1.0, abs=1e-9)
        assert s["uptime_fraction"] == pytest.approx(0.75, abs=1e-9)
        assert s["energy_mwh"] == pytest.approx(50.0, abs=1e-6)
        assert s["emissions_tco2"] == pytest.approx(20.0, abs=1e-6)
        assert s["mining_revenue_usd"] == pytest.approx(3000.0, abs=1e-6)
    assert fast.breakeven_prices_usd_per_mwh()["S"] == pytest.approx(100.0)


def test_a_fleet_never_curtailed_reports_no_curtailment() -> None:
    """Mining in every interval: uptime 1 and 0 h curtailed, not the float sums'
    1.0000000000000002 and -3.9e-16 h (``dispatch`` printed "mining curtailed -0.00 h")."""
    n = 7
    prob = _problem(np.full(n, 10.0), hours=0.25, tranches=(
        Tranche("A", power_mw=3.25, hashrate_ph_s=100.0),
        Tranche("B", power_mw=1.1, hashrate_ph_s=50.0)),
        hashprice_usd_per_ph_day_series=np.full(n, 1000.0))
    for r in _both(prob):
        s = r.summary()
        assert s["uptime_fraction"] == 1.0
        assert s["curtailed_hours"] == 0.0 and math.copysign(1.0, s["curtailed_hours"]) > 0


def test_pool_fee_and_adder_move_the_threshold() -> None:
    # fee 10 %: value 90 USD/MWh; adder 5: curtail above 85
    prob = _problem([84.0, 86.0], ai_firm_mw=0.0, pool_fee_fraction=0.1,
                    grid_adder_usd_per_mwh=5.0)
    fast, lp = _both(prob)
    for r in (fast, lp):
        assert r.schedule.segment_mw[:, 0] == pytest.approx([10.0, 0.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(10 * (90 - 89), abs=1e-6)


def test_ppa_resale_by_hand() -> None:
    # 20 MW take-or-pay PPA at 30, resale allowed, grid adder 2. t0 (price 10): mine from
    # the PPA, resell 5 MW at 10. t1 (price 150): reselling beats mining (150 > 100):
    # curtail, AI takes 5 MW of PPA, 15 MW resold at 150.
    prob = _problem([10, 150], ai_firm_mw=5.0, grid_adder_usd_per_mwh=2.0,
                    ppa_volume_mw=20.0, ppa_price_usd_per_mwh=30.0)
    fast, lp = _both(prob)
    for r in (fast, lp):
        s = r.summary()
        assert s["mining_revenue_usd"] == pytest.approx(1000.0, abs=1e-6)
        assert s["ppa_cost_usd"] == pytest.approx(1200.0)
        assert s["resale_credits_usd"] == pytest.approx(2300.0, abs=1e-6)
        assert s["grid_cost_usd"] == pytest.approx(0.0, abs=1e-6)
        assert r.objective_usd == pytest.approx(2100.0, abs=1e-6)
    # without resale the unused energy is forfeited and mining runs at 150 (value 100 > 0)
    no_resale = prob.replace(ppa_resale_allowed=False)
    for r in _both(no_resale):
        assert r.objective_usd == pytest.approx(2000.0 - 1200.0, abs=1e-6)


def test_a_financially_settled_ppa_settles_its_whole_volume_by_hand() -> None:
    """A PPA settled financially (a contract for differences, the usual Texas hedge)
    delivers no energy: the site buys its load from the grid and the whole volume settles
    at the index price, a negative one included. 2 MW at 30 USD/MWh, adder 5, AI 5 MW; t0
    at -20, t1 at 40 (mining worth 100 USD/MWh runs in both)."""
    prob = _problem([-20.0, 40.0], ai_firm_mw=5.0, grid_adder_usd_per_mwh=5.0,
                    ppa_volume_mw=2.0, ppa_price_usd_per_mwh=30.0, ppa_financial=True)
    for r in _both(prob):
        s = r.schedule
        assert s.ppa_used_mw == pytest.approx([0.0, 0.0], abs=1e-9)
        assert s.ppa_resold_mw == pytest.approx([2.0, 2.0], abs=1e-9)
        assert s.grid_mw == pytest.approx([15.0, 15.0], abs=1e-6)
        # mining 2 x 1000; grid 15 x (-15) + 15 x 45; PPA 2 x 30 x 2; settlement 2 x (-20
        # + 40)
        assert r.objective_usd == pytest.approx(
            2000 - (15 * -15 + 15 * 45) - 120 + 2 * (-20 + 40), abs=1e-6)


def test_a_physical_ppa_s_unused_energy_settles_at_a_negative_price_by_hand() -> None:
    """A physical block the site does not take settles at the index price, a negative one
    included (ERCOT settles a delivered block the load does not consume at the real-time
    price), unless the contract lets the generator curtail there. 20 MW at 30 USD/MWh,
    adder 5, AI 5 MW, mining 10 MW worth 100 USD/MWh; prices -20, 40, 150.

    t0: the 15 MW load takes the block (its energy settles at -20 otherwise, the grid is
    paid only 15), the 5 MW left settle at -20: -100. t1: the same at 40: +200. t2:
    mining curtailed (150 > 100), 15 MW resold at 150: +2,250. Net 2,000 - 1,800 + 2,350
    = 2,550. Before (spilled at no cost at or below zero), t0 imported 15 MW from the grid
    at -15 (+225) and spilled the block: 2,875, which ``ppa_curtail_at_negative_price``
    still gives."""
    prob = _problem([-20.0, 40.0, 150.0], ai_firm_mw=5.0, grid_adder_usd_per_mwh=5.0,
                    ppa_volume_mw=20.0, ppa_price_usd_per_mwh=30.0)
    for r in _both(prob):
        s = r.schedule
        assert s.ppa_used_mw == pytest.approx([15.0, 15.0, 5.0], abs=1e-6)
        assert s.grid_mw == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)
        assert s.ppa_resold_mw == pytest.approx([5.0, 5.0, 15.0], abs=1e-6)
        assert r.summary()["resale_credits_usd"] == pytest.approx(2350.0, abs=1e-6)
        assert r.objective_usd == pytest.approx(2550.0, abs=1e-6)
        # always on (no curtailment) settles the same way: t2 mines at 150 instead
        assert r.summary()["net_margin_always_on_usd"] == pytest.approx(
            3000 - 1800 + (-100 + 200 + 5 * 150), abs=1e-6)
    spill = prob.replace(ppa_curtail_at_negative_price=True)
    for r in _both(spill):
        s = r.schedule
        assert s.ppa_used_mw == pytest.approx([0.0, 15.0, 5.0], abs=1e-6)
        assert s.grid_mw == pytest.approx([15.0, 0.0, 0.0], abs=1e-6)
        assert s.ppa_resold_mw == pytest.approx([0.0, 5.0, 15.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(2875.0, abs=1e-6)


def test_negative_price_spills_renewable_and_imports() -> None:
    # price -20, adder 3: grid import is paid 17/MWh, so the site imports everything and
    # spills the renewable (resale at a negative price is refused)
    ren = np.array([8.0])
    prob = _problem([-20.0], ai_firm_mw=5.0, grid_adder_usd_per_mwh=3.0, renewable_mw_series=ren,
                    renewable_price_usd_per_mwh=25.0)
    for r in _both(prob):
        assert r.schedule.grid_mw[0] == pytest.approx(15.0, abs=1e-6)
        assert r.schedule.renewable_resold_mw[0] == pytest.approx(0.0, abs=1e-6)
        assert r.objective_usd == pytest.approx(1000 + 15 * 17 - 8 * 25, abs=1e-6)


def test_demand_response_by_hand() -> None:
    # 4 MW committed, readiness 10 USD/MW-h, penalty 1000, event at t1. Max site load 15
    # -> event cap 11 -> mining <= 6. Net: (1000-300) + (600-220) + 80 readiness = 1160.
    prob = _problem([20, 20], ai_firm_mw=5.0, dr_committed_mw=4.0,
                    dr_readiness_usd_per_mw_hour=10.0, dr_penalty_usd_per_mwh=1000.0,
                    dr_event_series=np.array([False, True]), dr_keep_online=True)
    for r in _both(prob):
        assert r.schedule.segment_mw[:, 0] == pytest.approx([10.0, 6.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(1160.0, abs=1e-6)
        assert r.summary()["dr_income_usd"] == pytest.approx(80.0, abs=1e-6)
    # a penalty below the margin: the site pays it rather than curtail
    cheap = prob.replace(dr_penalty_usd_per_mwh=50.0)
    for r in _both(cheap):
        assert r.objective_usd == pytest.approx(700 + 700 - 4 * 50 + 80, abs=1e-6)
    # keep-online, a firm commitment: at a price above the mining value, mining still
    # draws the committed MW
    online = _problem([300, 300], ai_firm_mw=0.0, dr_committed_mw=4.0,
                      dr_readiness_usd_per_mw_hour=10.0, dr_event_series=np.array([False, False]),
                      dr_keep_online=True, dr_withdrawable=False)
    for r in _both(online):
        assert r.schedule.segment_mw[:, 0] == pytest.approx([4.0, 4.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(2 * 4 * (100 - 300) + 80, abs=1e-6)
    # withdrawable (the default): mining 4 MW at 300 loses 200 a MWh to keep 10 of
    # readiness, so the site stops and forfeits it
    for r in _both(online.replace(dr_withdrawable=True)):
        assert r.schedule.segment_mw[:, 0] == pytest.approx([0.0, 0.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(0.0, abs=1e-6)
        assert r.summary()["dr_unavailable_mwh"] == pytest.approx(8.0, abs=1e-6)
    # an unavailability charge of 250 a MW-h: staying available (loss 200 - 10) is cheaper
    charged = online.replace(dr_withdrawable=True, dr_unavailable_usd_per_mw_hour=250.0)
    for r in _both(charged):
        assert r.schedule.segment_mw[:, 0] == pytest.approx([4.0, 4.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(2 * 4 * (100 - 300) + 80, abs=1e-6)
    for r in _both(charged.replace(dr_unavailable_usd_per_mw_hour=150.0)):  # 160 < 200
        assert r.schedule.segment_mw[:, 0] == pytest.approx([0.0, 0.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(-2 * 4 * 150.0, abs=1e-6)
        assert r.summary()["dr_unavailable_usd"] == pytest.approx(1200.0, abs=1e-6)


def test_a_withdrawable_dr_commitment_is_dropped_for_a_four_cp_peak_by_hand() -> None:
    """A load resource must draw what it offers to curtail, but an ERCOT QSE offers
    ancillary services hour by hour: keeping 4 MW mining through a 4CP peak to earn 10
    USD/MW-h of readiness costs 400,000 USD of transmission charge. Prices 20, 20, 20;
    mining 10 MW worth 100 USD/MWh; 4 MW committed, kept online; 100 USD/kW-yr on the one
    peak at t1 (100,000 USD a MW)."""
    prob = _problem([20, 20, 20], ai_firm_mw=0.0, dr_committed_mw=4.0,
                    dr_readiness_usd_per_mw_hour=10.0, dr_keep_online=True,
                    fourcp_usd_per_kw_year=100.0, fourcp_peak_series=np.array([False, True, False]))
    for r in _both(prob):  # t1: mining off, its readiness forfeited: 1,600 + 2 x 40
        assert r.schedule.segment_mw[:, 0] == pytest.approx([10.0, 0.0, 10.0], abs=1e-6)
        s = r.summary()
        assert s["fourcp_charge_usd"] == pytest.approx(0.0, abs=1e-6)
        assert s["dr_income_usd"] == pytest.approx(80.0, abs=1e-6)
        assert r.objective_usd == pytest.approx(1680.0, abs=1e-6)
    firm = prob.replace(dr_withdrawable=False)  # before: 4 MW kept through the peak
    for r in _both(firm):
        assert r.schedule.segment_mw[:, 0] == pytest.approx([10.0, 4.0, 10.0], abs=1e-6)
        assert r.summary()["fourcp_charge_usd"] == pytest.approx(400_000.0, abs=1e-3)
        assert r.objective_usd == pytest.approx(1600 + 4 * 80 + 120 - 400_000, abs=1e-3)


def test_a_withdrawable_commitment_carried_by_flexible_ai_is_as_available_as_a_firm_one(
) -> None:
    """Found in review: part of a DR commitment may be carried by the flexible AI load
    (12 MW committed on 8 MW of mining and 6 MW of flexible AI). Kept online and firm,
    mining draws what it can of it (8 MW) and the readiness is paid on all 12; withdrawable
    (the default), the 4 MW mining can never draw counted as unavailable in every
    interval, even with the whole fleet running: the same schedule earned 160 USD of
    readiness less (4 MW x 4 h x 10), charged 4 h x 4 MW x 5 of unavailability, and the
    summary said 16 MW-h were withdrawn. Power at 20 USD/MWh: mining (worth 100) runs
    flat out in both."""
    windows = np.array([0, 0, 1, 1])
    prob = _problem([20.0, 20.0, 20.0, 20.0], tranches=(Tranche("S", 8.0, 384.0),),
                    ai_firm_mw=2.0, ai_flexible_mw=3.0, ai_flexible_max_mw=6.0,
                    ai_window_series=windows, dr_committed_mw=12.0,
                    dr_readiness_usd_per_mw_hour=10.0, dr_unavailable_usd_per_mw_hour=5.0,
                    dr_event_series=np.zeros(4, dtype=bool), dr_keep_online=True)
    firm = _check(solve(prob.replace(dr_withdrawable=False), "lp"))
    free = _check(solve(prob, "lp"))
    for r in (firm, free):
        assert r.schedule.segment_mw.sum(axis=1) == pytest.approx([8.0] * 4, abs=1e-6)
        s = r.summary()
        assert s["dr_readiness_usd"] == pytest.approx(12 * 4 * 10.0, abs=1e-6)
        assert s["dr_unavailable_mwh"] == pytest.approx(0.0, abs=1e-6)
        assert s["dr_unavailable_usd"] == pytest.approx(0.0, abs=1e-6)
    assert free.objective_usd == pytest.approx(firm.objective_usd, abs=1e-6)
    # at a price above mining's value the withdrawable site stops; only the 8 MW of mining
    # go unavailable (the flexible AI's 4 MW stay as available as in the firm commitment)
    dear = _check(solve(prob.replace(price_usd_per_mwh_series=np.full(4, 300.0)), "lp"))
    assert dear.schedule.segment_mw.sum(axis=1) == pytest.approx([0.0] * 4, abs=1e-6)
    s = dear.summary()
    assert s["dr_unavailable_mwh"] == pytest.approx(8 * 4, abs=1e-6)
    assert s["dr_readiness_usd"] == pytest.approx(4 * 4 * 10.0, abs=1e-6)
    assert s["dr_unavailable_usd"] == pytest.approx(8 * 4 * 5.0, abs=1e-6)


def test_demand_response_commitment_above_curtailable_load_is_rejected() -> None:
    # 10 MW of mining (the only load that can be shed; the 5 MW of AI is firm): committing
    # 12 MW would earn readiness on 2 MW the site can never curtail.
    with pytest.raises(InputError, match=r"demand_response\.committed_mw"):
        _problem([20, 20], ai_firm_mw=5.0, dr_committed_mw=12.0,
                 dr_readiness_usd_per_mw_hour=10.0)
    # exactly the curtailable load is fine
    _problem([20, 20], ai_firm_mw=5.0, dr_committed_mw=10.0, dr_readiness_usd_per_mw_hour=10.0)


def test_four_cp_by_hand() -> None:
    # 100 USD/kW-yr on the mean import of one peak interval (t1): 100,000 USD per MW.
    prob = _problem([20, 20], ai_firm_mw=5.0, fourcp_usd_per_kw_year=100.0,
                    fourcp_peak_series=np.array([False, True]))
    for r in _both(prob):
        s = r.summary()
        assert r.schedule.segment_mw[:, 0] == pytest.approx([10.0, 0.0], abs=1e-6)
        assert s["fourcp_charge_usd"] == pytest.approx(500_000.0, abs=1e-3)
        assert s["fourcp_avoided_usd"] == pytest.approx(1_000_000.0, abs=1e-3)
        assert r.objective_usd == pytest.approx(700.0 - 100.0 - 500_000.0, abs=1e-3)


def test_import_limit_and_infeasible_ai() -> None:
    prob = _problem([20, 20], ai_firm_mw=5.0, import_limit_mw=12.0)
    for r in _both(prob):
        assert r.schedule.segment_mw[:, 0] == pytest.approx([7.0, 7.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(2 * (700 - 12 * 20), abs=1e-6)
        assert r.summary()["net_margin_always_on_usd"] == pytest.approx(r.objective_usd)
    bad = _problem([20, 20], ai_firm_mw=20.0, import_limit_mw=12.0)
    for solver in ("fast", "lp"):
        with pytest.raises(InputError, match="firm AI load"):
            solve(bad, solver)
    # renewables count toward serving the AI load
    ok = bad.replace(renewable_mw_series=np.array([9.0, 9.0]))
    _check(solve(ok, "fast"))


def test_underclocking_segments_by_hand() -> None:
    # f = 0.5, h = 0.7: the first 5 MW give 336 PH/s (140 USD/MWh), the next 5 MW 144 PH/s
    # (60 USD/MWh). At 80: run 5 MW underclocked; at 50: all 10 MW.
    tr = (Tranche("S", 10.0, 480.0, min_power_fraction=0.5, hashrate_fraction_at_min=0.7),)
    seg = tranche_segments(tr)
    assert seg.cap_mw == pytest.approx([5.0, 5.0])
    assert seg.ph_s_per_mw == pytest.approx([67.2, 28.8])
    prob = _problem([80.0, 50.0], tranches=tr)
    for r in _both(prob):
        assert r.schedule.segment_mw.sum(axis=1) == pytest.approx([5.0, 10.0], abs=1e-6)
        assert r.objective_usd == pytest.approx(300.0 + 500.0, abs=1e-6)
    with pytest.raises(InputError):
        Tranche("bad", 10.0, 480.0, min_power_fraction=0.5, hashrate_fraction_at_min=0.4)


def test_fast_path_refuses_linked_intervals() -> None:
    prob = _problem([20, 20], ramp_mw_per_interval=1.0)
    with pytest.raises(InputError, match="fast path"):
        solve(prob, "fast")
    assert solve(prob, "auto").report.solver == "lp"


# ---- linked intervals -------------------------------------------------------------------
def test_ramp_limit_is_respected_and_costs_margin() -> None:
    prices = [10, 10, 500, 500, 10, 10, 500, 10]
    base = _problem(prices, ai_firm_mw=2.0)
    ramped = base.replace(ramp_mw_per_interval=3.0)
    free = _check(solve(base, "fast"))
    r = _check(solve(ramped))
    load = r.accounts.site_load_mw
    assert np.abs(np.diff(load)).max() <= 3.0 + 1e-6
    assert r.objective_usd <= free.objective_usd + 1e-6
    assert r.report.solver == "lp" and r.report.termination_condition == "optimal"
    assert "site_load-ramp-range" in r.report.constraint_names


def test_flexible_ai_shifts_energy_within_windows() -> None:
    prices = np.array([10, 200, 10, 200, 30, 300, 30, 300], dtype=float)
    windows = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    prob = _problem(prices, tranches=(), ai_firm_mw=4.0, ai_flexible_mw=2.0,
                    ai_flexible_max_mw=4.0, ai_window_series=windows)
    r = _check(solve(prob))
    flex = r.schedule.ai_flexible_mw
    for w in (0, 1):
        assert flex[windows == w].sum() == pytest.approx(2.0 * 4, abs=1e-6)
    assert flex == pytest.approx([4, 0, 4, 0, 4, 0, 4, 0], abs=1e-6)
    flat = _check(solve(prob.replace(ai_firm_mw=6.0, ai_flexible_mw=0.0), "fast"))
    assert r.objective_usd >= flat.objective_usd - 1e-6
    # moving 2 MW x 2 h = 4 MWh per window from the expensive to the cheap hours
    assert r.objective_usd - flat.objective_usd == pytest.approx(4 * 190 + 4 * 270, abs=1e-6)


def _brute_force_min_up_down(prices: list[float], up: int, down: int, ai: float) -> float:
    """Best net margin over every on/off sequence of one 10 MW tranche (value 100)."""
    t = len(prices)
    best = -math.inf
    for seq in itertools.product((0, 1), repeat=t):
        ok = True
        for i in range(1, t):
            if seq[i] == 1 and seq[i - 1] == 0:
                ok &= all(seq[j] == 1 for j in range(i, min(i + up, t)))
            if seq[i] == 0 and seq[i - 1] == 1:
                ok &= all(seq[j] == 0 for j in range(i, min(i + down, t)))
        if not ok:
            continue
        val = sum(on * 10 * (100 - p) - ai * p for on, p in zip(seq, prices, strict=True))
        best = max(best, val)
    return best


@pytest.mark.parametrize(
    ("prices", "up", "down"),
    [
        ([20, 150, 20, 150, 150, 20, 20, 150], 2, 2),
        ([20, 150, 20, 20, 150, 20, 150, 20], 3, 1),
        ([150, 20, 150, 20, 20, 150, 20, 150], 1, 3),
    ],
)
def test_milp_min_up_down_matches_brute_force(prices: list[float], up: int, down: int) -> None:
    prob = _problem(prices, ai_firm_mw=5.0, min_up_intervals=up, min_down_intervals=down)
    r = _check(solve(prob))
    assert r.report.solver == "milp"
    assert r.objective_usd == pytest.approx(
        _brute_force_min_up_down(prices, up, down, 5.0), abs=1e-6
    )
    assert r.schedule.tranche_on is not None


# ---- fast path vs HiGHS on random instances ----------------------------------------------
@st.composite
def _instances(draw: st.DrawFn) -> DispatchProblem:
    n = draw(st.integers(1, 24))
    hours = draw(st.sampled_from([0.25, 1.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    prices = rng.gamma(2.0, 20.0, n) - 15.0
    prices[rng.random(n) < 0.15] += rng.uniform(100, 3000)
    k = draw(st.integers(1, 4))
    underclock = draw(st.booleans())
    tranches = []
    for i in range(k):
        p_mw = float(rng.uniform(1, 20))
        eff_j_th = float(rng.uniform(15, 40))
        f = float(rng.uniform(0.4, 0.9)) if underclock else 1.0
        h = float(rng.uniform(f, 1.0)) if underclock else None
        tranches.append(Tranche(f"t{i}", p_mw, p_mw * 1e3 / eff_j_th, f, h))
    mining = sum(t.power_mw for t in tranches)
    ai = float(draw(st.sampled_from([0.0, 3.0, 10.0])))
    kw: dict[str, object] = {
        "tranches": tuple(tranches),
        "ai_firm_mw": ai,
        "pool_fee_fraction": float(rng.uniform(0, 0.03)),
        "grid_adder_usd_per_mwh": float(rng.uniform(-2, 8)),
        "emissions_tco2_per_mwh_series": np.full(n, 0.35),
    }
    if draw(st.booleans()):
        kw["hashprice_usd_per_ph_day_series"] = rng.uniform(30, 70, n)
    if draw(st.booleans()):
        kw.update(ppa_volume_mw=float(rng.uniform(0, 30)),
                  ppa_price_usd_per_mwh=float(rng.uniform(20, 50)),
                  ppa_resale_allowed=draw(st.booleans()), ppa_is_renewable=draw(st.booleans()),
                  ppa_curtail_at_negative_price=draw(st.booleans()))
    if draw(st.booleans()):
        kw.update(renewable_mw_series=rng.uniform(0, 15, n), renewable_price_usd_per_mwh=20.0,
                  renewable_resale_allowed=draw(st.booleans()))
    committed = 0.0
    if draw(st.booleans()):
        committed = float(rng.uniform(0, mining))
        kw.update(dr_committed_mw=committed, dr_readiness_usd_per_mw_hour=5.0,
                  dr_penalty_usd_per_mwh=float(rng.uniform(10, 2000)),
                  dr_event_series=rng.random(n) < 0.3, dr_keep_online=draw(st.booleans()),
                  dr_withdrawable=draw(st.booleans()),
                  dr_unavailable_usd_per_mw_hour=float(draw(st.sampled_from([0.0, 40.0]))))
    if draw(st.booleans()):
        kw.update(fourcp_usd_per_kw_year=float(rng.uniform(10, 100)),
                  fourcp_peak_series=rng.random(n) < 0.2)
    if draw(st.booleans()):
        kw["import_limit_mw"] = ai + committed + float(rng.uniform(0.5, mining + 5))
    return _problem(prices, hours=hours, **kw)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_instances())
def test_fast_path_and_highs_agree(problem: DispatchProblem) -> None:
    fast, lp = _both(problem)
    scale = max(1.0, abs(fast.objective_usd), float(np.abs(problem.price_usd_per_mwh_series).sum()))
    # HiGHS stops at primal/dual feasibility 1e-7: objectives agree to ~1e-7 relative
    assert lp.objective_usd == pytest.approx(fast.objective_usd, abs=1e-6 * scale)
    # the always-on baseline does not depend on the solver
    assert fast.summary()["net_margin_always_on_usd"] == pytest.approx(
        lp.summary()["net_margin_always_on_usd"]
    )
    # dispatch is never worse than always-on without DR (always-on is feasible there)
    if problem.dr_committed_mw == 0:
        assert fast.objective_usd >= fast.summary()["net_margin_always_on_usd"] - 1e-6 * scale


def test_enforce_min_up_down_repair() -> None:
    from hashpivot.power.lp import enforce_min_up_down

    u = np.array([1, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1], dtype=bool)
    # up 3: the on-runs at [2, 3] and [7] are short and interior -> off (the run at t = 0
    # and the one touching the end are free); down 2: the off-run at [12] is then short
    # and interior -> on; the off-run [1..8] is long enough.
    out = enforce_min_up_down(u, 3, 2)
    assert out.tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    # the result satisfies the MILP's rules (starts at t >= 1 stay on >= 3, stops stay
    # off >= 2, truncated at the horizon end)
    for i in range(1, len(out)):
        if out[i] and not out[i - 1]:
            assert out[i:i + 3].all()
        if not out[i] and out[i - 1]:
            assert not out[i:i + 2].any()
    assert enforce_min_up_down(u, 1, 1).tolist() == u.tolist()


def test_a_start_highs_returns_unchanged_with_the_optimum_s_objective_is_solved_again() -> None:
    """Found in review: given a start, HiGHS 1.16 reports the optimum's objective but hands
    back the start's values when presolve alone solves the MIP, and the schedule kept was
    the start's (here 3,393.33 USD for an optimum of 3,456.67), reported optimal; the
    model is now solved again without presolve (``adapter.run_highs``)."""
    from hashpivot.power.lp.adapter import highs_for
    from hashpivot.power.lp.solve import build_model, fixed_margin_usd

    n = 7
    prob = DispatchProblem(
        index=pd.date_range("2024-07-01", periods=n, freq="h", tz="UTC"),
        interval_hours_series=np.ones(n),
        price_usd_per_mwh_series=np.array([200.0, 100.0, 100.0, 60.0, 60.0, 20.0, 20.0]),
        hashprice_usd_per_ph_day_series=np.full(n, 50.0),
        tranches=(Tranche("a", 6.0, 6e3 / 18.0, 0.6, 0.7), Tranche("b", 8.0, 8e3 / 25.0)),
        min_up_intervals=2,
    )
    m = build_model(prob, True)
    h, _ = highs_for(m, {"mip_rel_gap": 1e-9}, integer=True)  # no start
    h.run()
    optimum = -float(h.getInfo().objective_function_value) + fixed_margin_usd(prob)
    got = solve(prob, "lp", mip_gap=1e-9, window_hours=None)
    assert got.objective_usd == pytest.approx(optimum, rel=1e-9)
    assert got.objective_usd == pytest.approx(3456.6667, rel=1e-6)
