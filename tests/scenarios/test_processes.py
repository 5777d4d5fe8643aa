"""The stochastic processes: GBM, hashrate response, power (hashpivot.scenarios.processes)."""

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


def _gbm_estimates(price: np.ndarray, dt_years: np.ndarray) -> tuple[float, float, int]:
    """MLE of GBM drift and vol from paths with unequal steps (month lengths)."""
    r = np.diff(np.log(price), axis=1)
    dt = dt_years[1:]
    m = r.sum() / (dt.sum() * r.shape[0])  # log drift per year
    s2 = float((((r - m * dt) ** 2) / dt).mean())
    return m + s2 / 2, math.sqrt(s2), r.size


def test_generator_reproduces_calibrated_drift_and_volatility() -> None:
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2019-01-01", "2024-12-31"), lag_months=3)
    spec = ScenarioSpec(anchor="history", power_calibrate_on=None)
    periods = pd.period_range("2025-01", periods=120, freq="M")
    params = build_scenario_params(spec, periods, cal, simulate_power=False)
    n = 3000
    m = generate_market_paths(params, n, np.random.default_rng(11))
    mu_hat, sigma_hat, n_ret = _gbm_estimates(m.btc_price_usd, params.dt_years)
    mu, sigma = cal.gbm.drift_per_year, cal.gbm.volatility_per_year
    # Sampling error of the estimates from n paths x 119 monthly returns:
    # se(sigma) = sigma / sqrt(2 N) with N returns; se(mu) = sigma / sqrt(n * years).
    years = params.dt_years[1:].sum()
    se_sigma = sigma / math.sqrt(2 * n_ret)
    se_mu = sigma / math.sqrt(n * years)
    assert abs(sigma_hat - sigma) < 4 * se_sigma
    assert abs(mu_hat - mu) < 4 * se_mu


def test_hashrate_shock_correlation_and_response() -> None:
    spec = spec_with(
        hashrate_elasticity=0.0, price_hashrate_correlation=0.6, fees_lognormal_sigma=0.0
    )
    center = center_paths()
    params = build_scenario_params(spec, center=center)
    m = generate_market_paths(params, 20_000, np.random.default_rng(6))
    dp = np.diff(np.log(m.btc_price_usd / params.price_center_usd), axis=1).ravel()
    dh = np.diff(np.log(m.network_hashrate_th_s / center.network_hashrate_th_s), axis=1).ravel()
    rho = np.corrcoef(dp, dh)[0, 1]
    # sample correlation of 2.4M pairs: se ~ (1 - rho^2) / sqrt(N) < 1e-3
    assert rho == pytest.approx(0.6, abs=0.005)

    # with an elasticity, a price rise lifts later hashrate: OLS on the simulated
    # deviations recovers beta (fees constant so D = X - Y exactly)
    spec = spec_with(
        hashrate_elasticity=0.5, price_hashrate_correlation=0.0, fees_lognormal_sigma=0.0
    )
    params = build_scenario_params(spec, center=center)
    m = generate_market_paths(params, 4000, np.random.default_rng(7))
    X = np.log(m.btc_price_usd / params.price_center_usd)
    Y = np.log(m.network_hashrate_th_s / center.network_hashrate_th_s)
    D = X - Y
    L = 3
    y = np.diff(Y, axis=1)[:, L:]  # Y_t - Y_{t-1} for t >= L + 1
    x = (D[:, L:-1] - D[:, :-L - 1]) / L
    beta_hat = float((x * y).sum() / (x * x).sum())
    assert beta_hat == pytest.approx(0.5, abs=0.02)


def test_power_mean_preserving_and_positive() -> None:
    params = build_scenario_params(spec_with(), center=center_paths())
    m = generate_market_paths(params, 20_000, np.random.default_rng(8))
    p = m.power_price_usd_per_mwh
    assert p is not None and (p > 0).all()
    means = p.mean(axis=0) / 40.0
    # 120 monthly means of 20k draws each (log sd ~0.3 plus spikes): 4 se ~ 0.01
    assert np.abs(means - 1).max() < 0.015
