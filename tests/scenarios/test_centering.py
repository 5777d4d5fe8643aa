"""Center paths and the mean/median centering of the BTC price (hashpivot.scenarios.centering)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import (
    build_scenario_params,
    calibrate_market,
    generate_market_paths,
)
from tests.scenarios.paths import center_paths, spec_with


def test_gbm_mean_equalscenter_paths() -> None:
    params = build_scenario_params(spec_with(), center=center_paths())
    n = 20_000
    m = generate_market_paths(params, n, np.random.default_rng(4))
    ratio = m.btc_price_usd[:, [11, 59]] / params.price_center_usd[[11, 59]]
    # E[S_t] = C_t; the sample mean of the lognormal ratio has sd sqrt(exp(s^2 t) - 1)/sqrt(n).
    for j, t_years in enumerate((1.0, 5.0)):
        se = math.sqrt(math.exp(0.36 * t_years) - 1) / math.sqrt(n)
        assert abs(ratio[:, j].mean() - 1) < 4 * se


def test_mediancenter_paths() -> None:
    params = build_scenario_params(spec_with(price_center="median"), center=center_paths())
    m = generate_market_paths(params, 20_000, np.random.default_rng(4))
    ratio = m.btc_price_usd[:, 59] / params.price_center_usd[59]
    # median of a lognormal ratio at 5 years: se of the sample median of log ratio is
    # sqrt(pi/2) * 0.6 * sqrt(5) / sqrt(n) ~ 0.012; 4 se tolerance
    se = math.sqrt(math.pi / 2) * 0.6 * math.sqrt(5) / math.sqrt(20_000)
    assert abs(np.median(np.log(ratio))) < 4 * se


def test_history_mode_center_and_daily_steps() -> None:
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2020-01-01", "2024-12-31"))
    spec = ScenarioSpec(
        anchor="history", btc_drift_per_year=0.0, hashrate_elasticity=0.0,
        hashrate_trend_per_year=0.12, btc_price_usd=90_000.0,
    )
    periods = pd.period_range("2025-01", periods=48, freq="M")
    p = build_scenario_params(spec, periods, cal, simulate_power=False)
    assert p.price_center_usd[0] == pytest.approx(90_000.0)
    np.testing.assert_allclose(p.price_center_usd, 90_000.0)
    g = np.diff(np.log(p.hashrate_center_th_s))
    np.testing.assert_allclose(g, 0.01, rtol=1e-12)
    # the 2028 halving shows in the subsidy
    assert p.subsidy_btc_per_block[0] == pytest.approx(3.125)
    assert p.subsidy_btc_per_block[-1] == pytest.approx(1.5625)

    days = pd.period_range("2025-01-01", periods=90, freq="D")
    pd_ = build_scenario_params(spec, days, cal, simulate_power=False)
    m = generate_market_paths(pd_, 5, np.random.default_rng(0))
    assert m.btc_price_usd.shape == (5, 90)
    assert m.days_per_period[0] == 1.0


def test_history_median_center_grows_at_the_log_drift() -> None:
    # mu is the GBM drift of dS/S: with price_center = "median" the center (the median) must
    # grow at mu - sigma^2/2, so the mean still grows at mu (the same process as "mean").
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2020-01-01", "2024-12-31"))
    periods = pd.period_range("2025-01", periods=24, freq="M")
    kw: dict[str, object] = {
        "anchor": "history", "btc_drift_per_year": 0.3, "btc_volatility_per_year": 0.5,
        "power_calibrate_on": None,
    }
    mean_c = build_scenario_params(ScenarioSpec(**kw), periods, cal, simulate_power=False)
    med_c = build_scenario_params(
        ScenarioSpec(**kw, price_center="median"), periods, cal, simulate_power=False
    )
    dt = np.asarray(periods.days_in_month[1:], dtype=float) / 365.25
    g_mean = np.diff(np.log(mean_c.price_center_usd)) / dt
    g_med = np.diff(np.log(med_c.price_center_usd)) / dt
    np.testing.assert_allclose(g_mean, 0.3, rtol=1e-9)
    np.testing.assert_allclose(g_med, 0.3 - 0.5 * 0.5**2, rtol=1e-9)


def test_bootstrap_mean_and_volatility() -> None:
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2016-01-01", "2024-12-31"))
    spec = spec_with(price_model="bootstrap", btc_volatility_per_year=0.5, bootstrap_block_months=6)
    params = build_scenario_params(spec, calibration=cal, center=center_paths())
    n = 4000
    m = generate_market_paths(params, n, np.random.default_rng(9))
    x = np.log(m.btc_price_usd / params.price_center_usd)
    r = np.diff(x, axis=1)
    # each increment is scale * demeaned historical return: its sd is 0.5 sqrt(dt)
    sd_hat = float((r / np.sqrt(params.dt_years[1:])).std())
    assert sd_hat == pytest.approx(0.5, rel=0.03)
    # mean-preserving despite the autocorrelation inside blocks: E[exp(x_t)] = 1 within
    # 4 standard errors at 1 and 5 years (a per-step correction that ignored it was
    # biased by about +4 % at 12 months: 8 seeds x 20,000 paths gave 1.042 +- 0.002)
    for t in (11, 59):
        e = np.exp(x[:, t])
        assert abs(e.mean() - 1) < 4 * e.std() / math.sqrt(n)


def test_bootstrap_mean_correction_by_hand() -> None:
    from hashpivot.scenarios.centering import bootstrap_mean_correction, gbm_mean_correction

    pool = np.array([-0.1, 0.0, 0.2])
    scale = np.array([1.0, 2.0, 0.5])
    # blocks of 1: each period is one independent draw from the pool
    corr = bootstrap_mean_correction(pool, scale, 1, 3)
    want = [math.log(np.mean(np.exp(s * pool))) for s in scale]
    np.testing.assert_allclose(corr, want, rtol=1e-14)
    # one block of 2: windows (-0.1, 0), (0, 0.2) and (0.2, -0.1) (the last wraps around
    # the pool); the second step's correction is the increment of log E[exp(cumulative sum)]
    corr2 = bootstrap_mean_correction(pool, np.ones(2), 2, 2)
    m1 = math.log((math.exp(-0.1) + math.exp(0.0) + math.exp(0.2)) / 3)
    m2 = math.log((math.exp(-0.1) + math.exp(0.2) + math.exp(0.1)) / 3)
    np.testing.assert_allclose(corr2, [m1, m2 - m1], rtol=1e-14)
    assert gbm_mean_correction(np.array([0.5]), np.array([2.0]))[0] == 0.25


def test_history_fees_keep_the_calibrated_median() -> None:
    """The history's fee level is the median of the last 12 monthly means, and its sigma
    the spread of log fees around a trailing median: the simulated months should scatter
    around that median. They were drawn with it as their mean, ``fc exp(s w - s^2/2)``,
    so their median was ``exp(-s^2/2)`` of it (0.59 at the calibrated 1.02). The center
    is now the mean, ``level exp(s^2/2)``; a ``[scenario] fees_btc_per_block`` is a mean
    (the draws' center, as ``[pivot]``'s fees are the deterministic path's)."""
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2020-01-01", "2024-12-31"))
    spec = ScenarioSpec(anchor="history", btc_drift_per_year=0.0, hashrate_elasticity=0.0)
    periods = pd.period_range("2025-01", periods=12, freq="M")
    p = build_scenario_params(spec, periods, cal, simulate_power=False)
    s = p.fees_sigma
    assert s > 0.3  # (teeth: a spread that matters)
    np.testing.assert_allclose(p.fees_center_btc_per_block,
                               cal.fees_btc_per_block * math.exp(0.5 * s * s), rtol=1e-12)
    n = 20_000
    m = generate_market_paths(p, n, np.random.default_rng(3))
    # the sample median of a lognormal: se of its log ~ sqrt(pi/2) s / sqrt(n)
    se = math.sqrt(math.pi / 2) * s / math.sqrt(n)
    log_ratio = np.log(m.fees_btc_per_block[:, 5] / cal.fees_btc_per_block)
    assert abs(float(np.median(log_ratio))) < 4 * se
    given = build_scenario_params(spec.model_copy(update={"fees_btc_per_block": 0.03}),
                                  periods, cal, simulate_power=False)
    np.testing.assert_allclose(given.fees_center_btc_per_block, 0.03)  # a mean, as given


#: A second value of each spread parameter, to see whether the center path moves with it.
_CHANGED: dict[str, object] = {
    "btc_volatility_per_year": 0.3, "hashrate_elasticity": 0.9,
    "hashrate_volatility_per_year": 0.5, "price_hashrate_correlation": -0.5,
    "fees_lognormal_sigma": 0.3, "hashrate_lag_months": 6,
}


@pytest.mark.parametrize("setting", [
    {"anchor": "history"},
    {"anchor": "history", "price_center": "median"},
    {"anchor": "history", "fees_btc_per_block": 0.03},
    {"anchor": "deterministic"},
    {"anchor": "deterministic", "price_center": "median"},
    {"anchor": "deterministic", "btc_drift_per_year": 0.2},
    {"anchor": "deterministic", "btc_drift_by_year": {2027: 0.1}, "price_center": "median"},
])
def test_the_center_reads_the_spread_fields_it_names(setting: dict[str, object]) -> None:
    # a run with every volatility zero (optimize --deterministic, simulate's deterministic
    # column) is its center path: the fields center_spread_fields names move it, the
    # others do not (optimize's rows said "not used" of all of them until 2026-12-07)
    from hashpivot.io import load_btc_daily
    from hashpivot.scenarios.centering import center_spread_fields

    daily = load_btc_daily("2020-01-01", "2024-12-31")
    periods = pd.period_range("2026-01", periods=36, freq="M")

    def center(**kw: object) -> list[np.ndarray]:
        spec = spec_with(**{**setting, **kw})
        p = build_scenario_params(spec, periods, calibrate_market(
            daily, spec.hashrate_lag_months), center=center_paths(36), simulate_power=False)
        return [p.price_center_usd, p.hashrate_center_th_s, p.fees_center_btc_per_block]

    base = center()
    reads = center_spread_fields(
        str(setting["anchor"]), str(setting.get("price_center", "mean")),
        drift_given="btc_drift_per_year" in setting or "btc_drift_by_year" in setting,
        fees_given="fees_btc_per_block" in setting)
    other = "median" if setting.get("price_center") != "median" else "mean"
    for field, value in {**_CHANGED, "price_center": other}.items():
        moved = any(not np.allclose(a, b, rtol=1e-12) for a, b in
                    zip(base, center(**{field: value}), strict=True))
        assert moved == (field in reads), field
