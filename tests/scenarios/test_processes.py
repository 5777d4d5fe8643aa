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


def _bootstrap_params(pool: np.ndarray, block_months: int, center: str) -> object:
    """The test spec's parameters with the bootstrap on ``pool`` (demeaned by the caller)."""
    from dataclasses import replace

    params = build_scenario_params(spec_with(price_center=center), center=center_paths())
    return replace(params, price_model="bootstrap", bootstrap_pool=pool,
                   bootstrap_block_months=block_months)


def test_bootstrap_draws_every_month_at_every_place_of_a_block() -> None:
    """The blocks wrap around the history (a circular block bootstrap, Politis and
    Romano 1992): each month of the pool is equally likely at each place of a block, so
    each step's return has the pool's mean (0: demeaned) and its variance. A block that
    could only start where it fits in the history (the moving-block bootstrap) never put
    the last months first or the first months last: on the bundled 2022-01..2025-09 pool
    in blocks of 6, the 6th month of each block missed the 2022-06 crash (sd 0.85 of the
    requested volatility) and the returns averaged +0.5 %/month, so a median-centred run
    drifted 5.6 %/year above its center (2.4 times it at 15 years)."""
    from hashpivot.scenarios.processes import bootstrap_increments

    raw = np.array([-0.5, 0.12, 0.1, 0.08, 0.11, 0.09])
    pool = raw - raw.mean()
    b = 3
    params = _bootstrap_params(pool, b, "median")
    n = 3000
    inc, _ = bootstrap_increments(params, n, np.random.default_rng(5))
    scale = params.price_volatility_per_year * np.sqrt(params.dt_years) / pool.std()
    drawn = inc / scale[:, None]  # the pool's values, as drawn
    for j in range(b):
        at_j = drawn[j::b]
        for v in pool:
            share = float(np.isclose(at_j, v, rtol=0, atol=1e-12).mean())
            # 1/6 each; a month a block never reaches at this place has share 0
            assert share == pytest.approx(1 / pool.size, abs=0.02)
    # each step's sd is the requested volatility (the pool's own sd, not n - 1's)
    sd = params.price_volatility_per_year * np.sqrt(params.dt_years)
    np.testing.assert_allclose((inc / sd[:, None]).std(), 1.0, rtol=0.02)


def test_bootstrap_median_center_centres_the_log_price() -> None:
    """With ``price_center = "median"`` the bootstrap's log price is centred on the
    center path: its mean at 1, 5 and 10 years within 4 standard errors of it (the
    moving-block bootstrap put it 0.25 above at 5 years on this pool, 0.52 at 10)."""
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2022-01-01", "2025-09-26"))
    spec = spec_with(price_model="bootstrap", price_center="median",
                     btc_volatility_per_year=0.5, bootstrap_block_months=6)
    params = build_scenario_params(spec, calibration=cal, center=center_paths())
    n = 20_000
    m = generate_market_paths(params, n, np.random.default_rng(3))
    x = np.log(m.btc_price_usd / params.price_center_usd)
    for t in (11, 59, 119):
        assert abs(float(x[:, t].mean())) < 4 * float(x[:, t].std()) / math.sqrt(n)
