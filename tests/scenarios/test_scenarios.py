"""Tests of the scenario calibration and generator (hashpivot.scenarios)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hashpivot.bitcoin import block_subsidy_btc_array
from hashpivot.exceptions import InputError
from hashpivot.market import MarketPaths
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import (
    build_scenario_params,
    calibrate_market,
    chunk_seeds,
    fit_gbm,
    fit_hashrate_response,
    fit_power,
    generate_chunk,
    generate_market_paths,
    monthly_history,
    period_subsidy_btc,
)
from hashpivot.scenarios.calibration import hashprice_regressor

PERIODS = pd.period_range("2026-01", periods=120, freq="M")


def _center(T: int = 120, power: bool = True) -> MarketPaths:
    periods = pd.period_range("2026-01", periods=T, freq="M")
    t = np.arange(T)
    return MarketPaths(
        periods=periods,
        btc_price_usd=(100_000.0 * 1.01**t)[None, :],
        network_hashrate_th_s=(1e9 * 1.02**t)[None, :],
        fees_btc_per_block=np.full((1, T), 0.03),
        subsidy_btc_per_block=np.where(t < 27, 3.125, 1.5625)[None, :],
        power_price_usd_per_mwh=np.full((1, T), 40.0) if power else None,
    )


def _spec(**kw: object) -> ScenarioSpec:
    base: dict[str, object] = {
        "btc_volatility_per_year": 0.6,
        "hashrate_elasticity": 0.2,
        "hashrate_volatility_per_year": 0.2,
        "price_hashrate_correlation": 0.3,
        "fees_lognormal_sigma": 0.5,
        "power_mean_reversion_per_year": 12.0,
        "power_volatility_per_year": 1.0,
        "power_spike_probability_per_month": 0.1,
        "power_spike_mean_log": 0.3,
    }
    base.update(kw)
    return ScenarioSpec.model_validate(base)


# --------------------------------------------------------------------------------------
# spec models
# --------------------------------------------------------------------------------------
def test_specs_have_defaults_and_forbid_extras() -> None:
    from hashpivot.models.risk import TreasurySpec

    assert ScenarioSpec().price_model == "gbm"
    assert TreasurySpec().policy == "sell_to_cover"
    with pytest.raises(ValueError):
        ScenarioSpec.model_validate({"unknown": 1})
    with pytest.raises(ValueError):
        TreasurySpec.model_validate({"min_cash_usd": 10.0, "target_cash_usd": 5.0})
    # TOML keys are strings: calendar-year overrides coerce to int
    assert ScenarioSpec.model_validate({"btc_drift_by_year": {"2026": -0.2}}).btc_drift_by_year == {
        2026: -0.2
    }


# --------------------------------------------------------------------------------------
# calibration
# --------------------------------------------------------------------------------------
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
    from hashpivot.io.power_prices import load_market_prices

    fit = fit_power(load_market_prices("ercot:HB_WEST:2024"))
    assert 10 < fit.mean_usd_per_mwh < 60
    assert fit.seasonal_factors == (1.0,) * 12  # one year: no seasonality claimed
    assert 0 <= fit.spike_probability_per_month <= 1
    assert fit.mean_reversion_per_year > 0


# --------------------------------------------------------------------------------------
# subsidy
# --------------------------------------------------------------------------------------
def test_period_subsidy_blends_the_halving_month() -> None:
    # Height 1,049,000 at 2028-01-01 start, 144 blocks/day: the halving at 1,050,000 falls
    # 1000/144 = 6.94 days into January 2028.
    periods = pd.period_range("2027-12", periods=3, freq="M")
    sub = period_subsidy_btc(periods, 1_049_000, "2028-01-01", 144.0)
    assert sub[0] == pytest.approx(3.125)
    jan_blocks = 31 * 144
    expected = (1000 * 3.125 + (jan_blocks - 1000) * 1.5625) / jan_blocks
    assert sub[1] == pytest.approx(expected, rel=1e-12)
    assert sub[2] == pytest.approx(1.5625)
    # agrees with the exact per-block subsidy away from the halving
    assert sub[2] == block_subsidy_btc_array([1_060_000])[0]


# --------------------------------------------------------------------------------------
# generator
# --------------------------------------------------------------------------------------
def test_zero_volatility_reproduces_the_center_exactly() -> None:
    center = _center()
    params = build_scenario_params(_spec(), calibration=None, center=center).zero_volatility()
    m = generate_market_paths(params, 50, np.random.default_rng(1))
    for name in ("btc_price_usd", "network_hashrate_th_s", "fees_btc_per_block",
                 "subsidy_btc_per_block", "power_price_usd_per_mwh"):
        got = getattr(m, name)
        want = np.broadcast_to(getattr(center, name), got.shape)
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_spec_with_zero_volatilities_equals_center() -> None:
    spec = _spec(
        btc_volatility_per_year=0.0,
        hashrate_volatility_per_year=0.0,
        fees_lognormal_sigma=0.0,
        power_volatility_per_year=0.0,
        power_spike_probability_per_month=0.0,
    )
    center = _center()
    m = generate_market_paths(
        build_scenario_params(spec, center=center), 7, np.random.default_rng(2)
    )
    np.testing.assert_array_equal(m.btc_price_usd, np.repeat(center.btc_price_usd, 7, 0))
    np.testing.assert_array_equal(
        m.network_hashrate_th_s, np.repeat(center.network_hashrate_th_s, 7, 0)
    )
    np.testing.assert_array_equal(
        m.power_price_usd_per_mwh, np.repeat(center.power_price_usd_per_mwh, 7, 0)
    )


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


def test_user_drift_and_volatility_per_year() -> None:
    spec = _spec(btc_drift_per_year=0.1, btc_volatility_by_year={2027: 1.2})
    params = build_scenario_params(spec, center=_center())
    years = np.asarray(PERIODS.year)
    assert np.all(params.price_volatility_per_year[years == 2027] == 1.2)
    assert np.all(params.price_volatility_per_year[years != 2027] == 0.6)
    g = np.diff(np.log(params.price_center_usd)) / params.dt_years[1:]
    np.testing.assert_allclose(g, 0.1, rtol=1e-12)


def test_gbm_mean_equals_center() -> None:
    params = build_scenario_params(_spec(), center=_center())
    n = 20_000
    m = generate_market_paths(params, n, np.random.default_rng(4))
    ratio = m.btc_price_usd[:, [11, 59]] / params.price_center_usd[[11, 59]]
    # E[S_t] = C_t; the sample mean of the lognormal ratio has sd sqrt(exp(s^2 t) - 1)/sqrt(n).
    for j, t_years in enumerate((1.0, 5.0)):
        se = math.sqrt(math.exp(0.36 * t_years) - 1) / math.sqrt(n)
        assert abs(ratio[:, j].mean() - 1) < 4 * se


def test_median_centre() -> None:
    params = build_scenario_params(_spec(price_center="median"), center=_center())
    m = generate_market_paths(params, 20_000, np.random.default_rng(4))
    ratio = m.btc_price_usd[:, 59] / params.price_center_usd[59]
    # median of a lognormal ratio at 5 years: se of the sample median of log ratio is
    # sqrt(pi/2) * 0.6 * sqrt(5) / sqrt(n) ~ 0.012; 4 se tolerance
    se = math.sqrt(math.pi / 2) * 0.6 * math.sqrt(5) / math.sqrt(20_000)
    assert abs(np.median(np.log(ratio))) < 4 * se


def test_bootstrap_mean_and_volatility() -> None:
    from hashpivot.io import load_btc_daily

    cal = calibrate_market(load_btc_daily("2016-01-01", "2024-12-31"))
    spec = _spec(price_model="bootstrap", btc_volatility_per_year=0.5, bootstrap_block_months=6)
    params = build_scenario_params(spec, calibration=cal, center=_center())
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


def test_hashrate_shock_correlation_and_response() -> None:
    spec = _spec(hashrate_elasticity=0.0, price_hashrate_correlation=0.6, fees_lognormal_sigma=0.0)
    center = _center()
    params = build_scenario_params(spec, center=center)
    m = generate_market_paths(params, 20_000, np.random.default_rng(6))
    dp = np.diff(np.log(m.btc_price_usd / params.price_center_usd), axis=1).ravel()
    dh = np.diff(np.log(m.network_hashrate_th_s / center.network_hashrate_th_s), axis=1).ravel()
    rho = np.corrcoef(dp, dh)[0, 1]
    # sample correlation of 2.4M pairs: se ~ (1 - rho^2) / sqrt(N) < 1e-3
    assert rho == pytest.approx(0.6, abs=0.005)

    # with an elasticity, a price rise lifts later hashrate: OLS on the simulated
    # deviations recovers beta (fees constant so D = X - Y exactly)
    spec = _spec(hashrate_elasticity=0.5, price_hashrate_correlation=0.0, fees_lognormal_sigma=0.0)
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
    params = build_scenario_params(_spec(), center=_center())
    m = generate_market_paths(params, 20_000, np.random.default_rng(8))
    p = m.power_price_usd_per_mwh
    assert p is not None and (p > 0).all()
    means = p.mean(axis=0) / 40.0
    # 120 monthly means of 20k draws each (log sd ~0.3 plus spikes): 4 se ~ 0.01
    assert np.abs(means - 1).max() < 0.015


def test_chunks_are_reproducible_and_order_independent() -> None:
    params = build_scenario_params(_spec(), center=_center(24))
    a = chunk_seeds(7, 25, 10)
    assert [(k, n) for k, n, _ in a] == [(0, 10), (1, 10), (2, 5)]
    b = chunk_seeds(7, 25, 10)
    forward = [generate_chunk(params, s, n).btc_price_usd for _, n, s in a]
    backward = [generate_chunk(params, s, n).btc_price_usd for _, n, s in reversed(b)][::-1]
    for x, y in zip(forward, backward, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(forward[0][:5], forward[2])  # chunks differ
    # same as spawning from a fresh root SeedSequence
    child = np.random.SeedSequence(7).spawn(3)[1]
    np.testing.assert_array_equal(generate_chunk(params, child, 10).btc_price_usd, forward[1])


def test_history_mode_centre_and_daily_steps() -> None:
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


def test_history_median_centre_grows_at_the_log_drift() -> None:
    # mu is the GBM drift of dS/S: with price_center = "median" the centre (the median) must
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


def test_bad_inputs_are_reported_with_paths() -> None:
    with pytest.raises(InputError) as err:
        build_scenario_params(ScenarioSpec(), calibration=None, center=_center())
    paths = {p.path for p in err.value.problems}
    assert "scenario.btc_volatility_per_year" in paths
    assert "scenario.hashrate_elasticity" in paths
    with pytest.raises(InputError):
        build_scenario_params(ScenarioSpec(anchor="deterministic"), PERIODS)


def test_out_of_range_overrides_are_rejected() -> None:
    from pydantic import ValidationError

    for kw in (
        {"btc_volatility_by_year": {2026: -0.5}},
        {"btc_drift_by_year": {2026: 9.0}},
        {"power_mean_usd_per_mwh": -20.0},
    ):
        with pytest.raises(ValidationError):
            ScenarioSpec(**kw)
