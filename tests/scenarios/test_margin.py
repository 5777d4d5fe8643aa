"""The optional margin response of the network hashrate (hashpivot.scenarios.margin)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.pivot import growth_market
from hashpivot.market import MarketPaths
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import (
    MarginResponse,
    build_scenario_params,
    count_loss_spells,
    fit_margin_response,
    generate_market_paths,
    monthly_history,
)
from hashpivot.scenarios.margin import (
    HASHRATE_MARGIN_ELASTICITY_PER_MONTH,
    HASHRATE_MARGIN_ELASTICITY_SE_PER_MONTH,
    apply_margin_response,
    first_loss_spell,
    log_margin,
    loss_spell_mask,
    loss_spell_note,
    marginal_cost_usd_per_ph_day,
    marginal_fleet_efficiency_j_per_th,
)
from tests.scenarios.paths import center_paths, spec_with

MONTHS = pd.period_range("2026-01", periods=36, freq="M")


def _market(response: MarginResponse | None, growth: float = 0.2) -> MarketPaths:
    return growth_market(MONTHS, 100_000.0, 0.0, 1.0e9, growth, 0.03, 930_000, response)


# --------------------------------------------------------------------------------------
# the pieces, by hand
# --------------------------------------------------------------------------------------
def test_marginal_cost_and_efficiency_by_hand() -> None:
    # 1 PH/s at 30 J/TH draws 30 kW: 0.72 MWh a day, 36 USD at 50 USD/MWh
    assert marginal_cost_usd_per_ph_day(30.0, 50.0) == pytest.approx(36.0, rel=1e-15)
    p = pd.period_range("2025-01", periods=1, freq="M")  # mid-January: 15.5 days after
    want = 30.0 * 0.8 ** (15.5 / 365.25)
    assert marginal_fleet_efficiency_j_per_th(p, 30.0, 0.2)[0] == pytest.approx(want, rel=1e-12)


def test_response_recursion_by_hand() -> None:
    m = np.full(4, -0.5)
    a = apply_margin_response(m, 1.0, 0.06, 1)
    # a1 = 0.06 * (-0.5); a2 = a1 + 0.06 * (-0.5 - a1); a3 = a2 + 0.06 * (-0.5 - a2)
    a1 = -0.03
    a2 = a1 + 0.06 * (-0.5 - a1)
    a3 = a2 + 0.06 * (-0.5 - a2)
    np.testing.assert_allclose(a, [0.0, a1, a2, a3], rtol=1e-15)
    # above cost nothing happens; a lag of 2 uses the margin two steps back (month 0 first)
    np.testing.assert_array_equal(apply_margin_response(np.full(4, 0.3), 1.0, 0.06, 1), 0.0)
    b = apply_margin_response(np.array([-1.0, 0.2, 0.2, 0.2]), 1.0, 0.1, 2)
    np.testing.assert_allclose(b, [0.0, -0.1, -0.2, -0.2], rtol=1e-15)


def test_zero_elasticity_is_the_exogenous_path_exactly() -> None:
    expensive = MarginResponse(elasticity_per_month=0.0, power_price_usd_per_mwh=500.0)
    a, b = _market(None), _market(expensive)
    np.testing.assert_array_equal(a.network_hashrate_th_s, b.network_hashrate_th_s)
    assert (b.extra["log_margin"] < 0).all()


def test_below_cost_growth_is_lower_and_can_turn_negative() -> None:
    exo = _market(None)
    # 500 USD/MWh: the marginal fleet is far below cost every month
    r = MarginResponse(elasticity_per_month=0.06, power_price_usd_per_mwh=500.0)
    resp = _market(r)
    g_exo = np.diff(np.log(exo.network_hashrate_th_s[0]))
    g = np.diff(np.log(resp.network_hashrate_th_s[0]))
    assert (g < g_exo).all()
    # first month by hand: exogenous growth + k * m_0 (m_0 on the exogenous path)
    m0 = resp.extra["log_margin"][0, 0]
    assert g[0] == pytest.approx(g_exo[0] + 0.06 * m0, rel=1e-12)
    assert g[0] < 0  # log(1.2)/12 = 0.015 < 0.06 * |m0|
    # healthy margins (cheap power): the exogenous path is untouched
    cheap = _market(MarginResponse(elasticity_per_month=0.06, power_price_usd_per_mwh=5.0))
    np.testing.assert_array_equal(
        cheap.network_hashrate_th_s, exo.network_hashrate_th_s
    )


def test_log_margin_matches_the_hashprice_formula() -> None:
    # D = 100e12 -> hashrate D 2^32 / 600 / 1e12 TH/s; 62.86 USD/PH/day (hand check)
    h = 100e12 * 2**32 / 600 / 1e12
    p = pd.period_range("2025-01", periods=1, freq="M")
    r = MarginResponse(efficiency_gain_per_year=0.0)
    m = log_margin(p, 100_000.0, h, 0.0, 3.125, r)
    assert np.exp(m[0]) * 36.0 == pytest.approx(62.86, abs=0.005)


# --------------------------------------------------------------------------------------
# loss spells
# --------------------------------------------------------------------------------------
def test_loss_spell_needs_more_than_twelve_months() -> None:
    m = np.full((3, 30), 0.1)
    m[0, 5:17] = -0.1  # 12 months: not more than a year
    m[1, 5:18] = -0.1  # 13 months
    m[2, 2:10] = -0.1
    m[2, 11:20] = -0.1  # two spells of 8 and 9 months
    np.testing.assert_array_equal(loss_spell_mask(m, 12), [False, True, False])
    periods = pd.period_range("2026-01", periods=30, freq="M")
    assert first_loss_spell(m[1], periods, 12) == "2026-06..2027-06"
    assert first_loss_spell(m[0], periods, 12) is None
    note = loss_spell_note(m[1], periods, MarginResponse())
    assert note is not None and "2026-06..2027-06" in note


def test_pivot_warns_on_a_constructed_loss_path() -> None:
    from pathlib import Path

    from hashpivot.engines import pivot
    from hashpivot.models import load_portfolio

    pf = load_portfolio(Path(__file__).parents[2] / "examples" / "pivot-200mw.toml")
    spec = (pf.scenario or ScenarioSpec()).model_copy(
        update={"hashrate_response": "margin", "network_power_price_usd_per_mwh": 200.0}
    )
    res = pivot.run_pivot(pf.model_copy(update={"scenario": spec}))
    notes = [w for w in res.warnings if "mines at a loss for more than a year" in w]
    assert len(notes) == 1 and "2025-10.." in notes[0]
    assert "hashrate_response" in res.inputs
    rows = {r["name"]: r for r in res.resolved_assumptions()}
    assert rows["[scenario] hashrate_response"]["value"] == "margin"
    # default (exogenous): no note and no new echo
    res0 = pivot.run_pivot(pf)
    assert not [w for w in res0.warnings if "at a loss" in w]
    assert "hashrate_response" not in res0.inputs


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------
def _responded_center(spec: ScenarioSpec) -> MarketPaths:
    """The test center with the response applied, as the pivot model would give it."""
    from hashpivot.scenarios.margin import respond_to_margin

    c = center_paths(power=False)
    r = MarginResponse.from_spec(spec)
    assert r is not None
    h, m = respond_to_margin(c.periods, c.btc_price_usd, c.network_hashrate_th_s,
                             c.fees_btc_per_block, c.subsidy_btc_per_block, r)
    return MarketPaths(c.periods, c.btc_price_usd, h, c.fees_btc_per_block,
                       c.subsidy_btc_per_block, extra={"log_margin": m})


def test_zero_volatility_reproduces_the_responded_center() -> None:
    spec = spec_with(hashrate_response="margin", network_power_price_usd_per_mwh=150.0)
    center = _responded_center(spec)
    params = build_scenario_params(spec, center=center).zero_volatility()
    m = generate_market_paths(params, 5, np.random.default_rng(0))
    np.testing.assert_array_equal(
        m.network_hashrate_th_s, np.repeat(center.network_hashrate_th_s, 5, 0)
    )
    # an unresponded center gets the response applied by build_scenario_params
    p2 = build_scenario_params(spec, center=center_paths(power=False)).zero_volatility()
    np.testing.assert_allclose(
        p2.hashrate_center_th_s, center.network_hashrate_th_s[0], rtol=1e-12
    )


def test_paths_follow_their_own_margin_and_report_spells() -> None:
    base = {"hashrate_elasticity": 0.0, "fees_lognormal_sigma": 0.0,
            "price_hashrate_correlation": 0.0, "hashrate_volatility_per_year": 0.0}
    exo = build_scenario_params(spec_with(**base), center=center_paths(power=False))
    spec = spec_with(**base, hashrate_response="margin", hashrate_margin_elasticity_per_month=0.1)
    params = build_scenario_params(spec, center=center_paths(power=False))
    a = generate_market_paths(exo, 2000, np.random.default_rng(5))
    b = generate_market_paths(params, 2000, np.random.default_rng(5))
    np.testing.assert_array_equal(a.btc_price_usd, b.btc_price_usd)  # same draws
    # log H - log Hc = Y: with only the margin term, Y_t = Y_{t-1} + k D_{t-1} and
    # D = X - Y, so a path whose price fell (X < 0) mines less than the center
    x = np.log(b.btc_price_usd / params.price_center_usd)
    y = np.log(b.network_hashrate_th_s / params.hashrate_center_th_s)
    np.testing.assert_allclose(y[:, 1], 0.1 * x[:, 0], atol=1e-12)
    assert ((y[:, 24] < 0) == (x[:, 12:24].mean(axis=1) < 0)).mean() > 0.8
    # a spell > 12 months below cost: counted path by path
    n = count_loss_spells(params, b)
    assert 0 < n < 2000
    assert count_loss_spells(exo, a) == 0  # no response: nothing computed


# --------------------------------------------------------------------------------------
# calibration
# --------------------------------------------------------------------------------------
def test_calibrated_elasticity_has_the_expected_sign_and_is_reproducible() -> None:
    from hashpivot.io import load_btc_daily

    monthly = monthly_history(load_btc_daily("2016-01-01", "2025-09-26"))
    fit = fit_margin_response(monthly)
    again = fit_margin_response(monthly)
    assert fit == again
    # growth falls with the margin: positive and more than 3 HAC standard errors from 0
    assert fit.elasticity_per_month > 3 * fit.elasticity_hac_se_per_month > 0
    # the default constant is this fit, rounded to 4 decimals
    assert fit.elasticity_per_month == pytest.approx(
        HASHRATE_MARGIN_ELASTICITY_PER_MONTH, abs=5e-5
    )
    assert fit.elasticity_se_per_month == pytest.approx(
        HASHRATE_MARGIN_ELASTICITY_SE_PER_MONTH, abs=5e-5
    )
    assert (fit.first_month, fit.last_month, fit.n_months) == ("2016-02", "2025-09", 116)


def test_calibration_recovers_a_known_response() -> None:
    # synthetic history: hashrate growth = 0.01 + 0.05 m_{t-1} + noise, price a random walk
    rng = np.random.default_rng(3)
    months = pd.period_range("2015-01", periods=240, freq="M")
    r = MarginResponse()
    cost = r.cost_usd_per_ph_day(months)
    price = 30_000 * np.exp(np.cumsum(rng.normal(0.02, 0.15, 240)))
    lh = np.empty(240)
    lh[0] = np.log(1e8)
    sub, fees = 6.25, 0.1
    for t in range(1, 240):
        hp = price[t - 1] * (sub + fees) * 144 / np.exp(lh[t - 1]) * 1000
        m = np.log(hp / cost[t - 1])
        lh[t] = lh[t - 1] + 0.01 + 0.05 * m + rng.normal(0, 0.01)
    monthly = pd.DataFrame(
        {"price_usd": price, "hashrate_th_s": np.exp(lh), "subsidy_btc_per_block": sub,
         "fees_btc_per_block": fees},
        index=months,
    )
    fit = fit_margin_response(monthly)
    assert fit.elasticity_per_month == pytest.approx(0.05, abs=3 * fit.elasticity_se_per_month)
    assert fit.intercept_per_month == pytest.approx(0.01, abs=0.01)


def test_history_mode_center_responds_monthly_and_daily() -> None:
    from hashpivot.io import load_btc_daily
    from hashpivot.scenarios import calibrate_market

    cal = calibrate_market(load_btc_daily("2020-01-01", "2024-12-31"))
    kw: dict[str, object] = {
        "anchor": "history", "btc_drift_per_year": -0.3, "hashrate_elasticity": 0.0,
        "hashrate_trend_per_year": 0.3, "power_calibrate_on": None,
    }
    months = pd.period_range("2025-01", periods=48, freq="M")
    exo = build_scenario_params(ScenarioSpec(**kw), months, cal, simulate_power=False)
    resp = build_scenario_params(
        ScenarioSpec(**kw, hashrate_response="margin"), months, cal, simulate_power=False
    )
    assert resp.log_margin_center is not None and (resp.log_margin_center < 0).any()
    # a falling price: the responded center ends below the exogenous one, never above
    assert (resp.hashrate_center_th_s <= exo.hashrate_center_th_s * (1 + 1e-12)).all()
    assert resp.hashrate_center_th_s[-1] < 0.95 * exo.hashrate_center_th_s[-1]
    days = pd.period_range("2025-01-01", periods=120, freq="D")
    d = build_scenario_params(
        ScenarioSpec(**kw, hashrate_response="margin"), days, cal, simulate_power=False
    )
    m = generate_market_paths(d.zero_volatility(), 2, np.random.default_rng(0))
    np.testing.assert_array_equal(m.network_hashrate_th_s[0], d.hashrate_center_th_s)


def test_unset_change_elasticity_is_zero_with_the_margin_response() -> None:
    spec = spec_with(hashrate_elasticity=None, hashrate_response="margin")
    assert build_scenario_params(spec, center=center_paths()).hashrate_elasticity == 0.0
    set_ = spec_with(hashrate_elasticity=0.2, hashrate_response="margin")
    assert build_scenario_params(set_, center=center_paths()).hashrate_elasticity == 0.2
