"""Estimators of the market model on history (hashpivot.scenarios.calibration)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hashpivot.scenarios import (
    calibrate_market,
    fit_gbm,
    fit_hashrate_response,
    fit_power,
    monthly_history,
)
from hashpivot.scenarios.calibration import hashprice_regressor


def test_fit_gbm_exact_on_constant_returns() -> None:
    # Constant log return 0.001/day: sigma = 0 and mu = 0.001 * 365.25 exactly.
    fit = fit_gbm(np.full(100, 0.001), 365.25)
    assert fit.volatility_per_year < 1e-15  # float rounding of std of equal numbers
    assert fit.drift_per_year == pytest.approx(0.36525, rel=1e-12)


def test_fit_gbm_recovers_parameters() -> None:
    rng = np.random.default_rng(3)
    mu, sigma, k, n = 0.3, 0.7, 365.25, 200_000
    r = (mu - sigma**2 / 2) / k + sigma / math.sqrt(k) * rng.standard_normal(n)
    fit = fit_gbm(r, k)
    # Tolerances: 4 standard errors as reported by the fit itself.
    assert abs(fit.volatility_per_year - sigma) < 4 * fit.volatility_se_per_year
    assert abs(fit.drift_per_year - mu) < 4 * fit.drift_se_per_year


def test_hashprice_regressor_hand_case() -> None:
    x = hashprice_regressor(np.array([0.0, 1.0, 3.0, 6.0, 10.0]), 2)
    # x_t = (lhp[t-1] - lhp[t-3]) / 2: defined from t = 3
    assert np.isnan(x[:3]).all()
    assert x[3] == pytest.approx((3.0 - 0.0) / 2)
    assert x[4] == pytest.approx((6.0 - 1.0) / 2)


def test_fit_hashrate_response_recovers_known_model() -> None:
    # Synthetic monthly history that follows the model exactly plus noise.
    rng = np.random.default_rng(5)
    n, L, a, beta, s = 400, 3, 0.04, 0.3, 0.03
    lp = np.cumsum(0.1 * rng.standard_normal(n))
    lh = np.zeros(n)
    lhp = np.zeros(n)
    reward = np.log(3.125)
    for t in range(n):
        if t >= L + 1:
            x = (lhp[t - 1] - lhp[t - 1 - L]) / L
            lh[t] = lh[t - 1] + a + beta * x + s * rng.standard_normal()
        elif t > 0:
            lh[t] = lh[t - 1] + a
        lhp[t] = lp[t] - lh[t] + reward
    monthly = pd.DataFrame(
        {
            "price_usd": np.exp(lp),
            "hashrate_th_s": np.exp(lh),
            "fees_btc_per_block": 0.0,
            "subsidy_btc_per_block": 3.125,
            "log_hashprice": lhp,
        },
        index=pd.period_range("1990-01", periods=n, freq="M"),
    )
    fit = fit_hashrate_response(monthly, L)
    assert abs(fit.elasticity - beta) < 4 * fit.elasticity_se
    assert fit.trend_per_month == pytest.approx(a, abs=0.01)
    assert fit.noise_per_month == pytest.approx(s, rel=0.15)


def test_calibrate_market_on_bundled_history() -> None:
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2018-01-01", "2024-12-31"), lag_months=3)
    # Broad sanity ranges of BTC 2018-2024 (daily vol 55-90 %/sqrt(year)).
    assert 0.5 < cal.gbm.volatility_per_year < 0.9
    assert -1 < cal.hashrate.elasticity < 1
    assert cal.last_month == pd.Period("2024-12", "M")
    assert cal.last_height is not None and cal.last_height > 870_000
    assert cal.recent_log_hashprice.shape == (4,)


def test_monthly_history_drops_partial_months() -> None:
    idx = pd.date_range("2024-01-01", "2024-02-10", freq="D")
    df = pd.DataFrame(
        {
            "price_usd": 1.0,
            "hashrate_th_s": 2.0,
            "fees_btc_per_block": 0.1,
            "subsidy_btc_per_block": 3.125,
        },
        index=idx,
    )
    m = monthly_history(df)
    assert list(m.index.astype(str)) == ["2024-01"]
    assert m["log_hashprice"].iloc[0] == pytest.approx(math.log(1.0 * 3.225 / 2.0))


def test_fit_power_synthetic() -> None:
    # Flat 30 $/MWh daily prices for two years with one 10-day spike at 600 $/MWh:
    # exactly one spike month; lift = 10 * (600 - 30) / 31 / 30; flat seasonality.
    idx = pd.date_range("2022-01-01", "2023-12-31", freq="D")
    rng = np.random.default_rng(0)
    p = pd.Series(30.0 * np.exp(0.01 * rng.standard_normal(len(idx))), index=idx)
    p["2023-07-05":"2023-07-14"] = 600.0
    fit = fit_power(p)
    assert fit.spike_probability_per_month == pytest.approx(1 / 24)
    lift = 10 * (600 - 30) / 31 / 30
    assert fit.spike_mean_log == pytest.approx(min(math.log1p(lift), 0.9), rel=0.02)
    assert max(abs(np.array(fit.seasonal_factors) - 1)) < 0.05


def test_fit_power_bundled_ercot() -> None:
    from hashpivot.io import load_market_prices

    fit = fit_power(load_market_prices("ercot:HB_WEST:2024"))
    assert 10 < fit.mean_usd_per_mwh < 60
    assert fit.seasonal_factors == (1.0,) * 12  # one year: no seasonality claimed
    assert 0 <= fit.spike_probability_per_month <= 1
    assert fit.mean_reversion_per_year > 0


def _monthly(levels: list[float], start: str) -> pd.Series:
    """Daily prices, each month at its level, from ``start``. [USD/MWh]"""
    months = pd.period_range(start, periods=len(levels), freq="M")
    days = pd.date_range(months[0].start_time, months[-1].end_time.normalize(), freq="D")
    by_month = dict(zip(months, levels, strict=True))
    return pd.Series([by_month[d.to_period("M")] for d in days], index=days)


def test_the_correlation_is_fitted_on_the_common_months_by_hand() -> None:
    """Two series flat within each month (no spike days; under 24 months: no season):
    the log base deviations are the log monthly levels less their mean, so the fitted
    correlation is the Pearson correlation of the log levels over the 13 months the two
    have in common (a from 2023-01, 14 months; b from 2023-02), 13 months; with 11 in
    common (under 12) there is none."""
    from hashpivot.scenarios.power_calibration import fit_power_correlation

    a = [30, 32, 28, 35, 40, 38, 45, 50, 42, 36, 33, 31, 29, 34]
    b = [40, 37, 44, 47, 43, 55, 60, 52, 49, 41, 39, 36, 45]
    rho, months = fit_power_correlation(_monthly(a, "2023-01"), _monthly(b, "2023-02")) or (
        None, 0)
    assert months == 13
    assert rho == pytest.approx(float(np.corrcoef(np.log(a[1:]), np.log(b))[0, 1]),
                                abs=1e-12)
    assert fit_power_correlation(_monthly(a, "2023-01"), _monthly(b[:11], "2023-04")) is None
