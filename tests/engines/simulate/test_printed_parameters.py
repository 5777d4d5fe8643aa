"""The paths have the parameters simulate prints: on examples/pivot-200mw.toml, the
monthly log returns of 20,000 paths have the printed BTC volatility and the pivot model's
median growth, the hashrate's own shocks the printed noise and correlation, and the
subsidy halves in the month the assumptions table names (2028-04, block 1,050,000)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from hashpivot.engines.simulate import SimulationConfig, prepare
from hashpivot.engines.simulate.assumptions import resolved_assumptions
from hashpivot.models import load_portfolio
from hashpivot.scenarios import generate_chunk

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"
N = 20_000


@pytest.fixture(scope="module")
def run_and_paths():  # type: ignore[no-untyped-def]
    pf = load_portfolio(EXAMPLE)
    run = prepare(pf, SimulationConfig(n_paths=N, seed=0, chunk_paths=N, horizon_months=60))
    return run, generate_chunk(run.task.params, np.random.SeedSequence(2024), N)


def test_log_returns_have_the_printed_volatility_and_the_center_s_growth(
        run_and_paths) -> None:  # type: ignore[no-untyped-def]
    """Each month's log return over the 20,000 paths: its sd is the printed
    btc_volatility_per_year times sqrt(days / 365.25) (chi-square: the sample sd of n
    normal draws has a relative error 1 / sqrt(2 (n - 1)), 0.5 %; 5 of them allowed, on
    the pooled 59 months 0.07 % each, 5 allowed); its mean is the center's log growth
    (median center: no Ito term) within 4 standard errors sd / sqrt(n), and pooled over
    the months the annualised mean is the file's btc_price_growth_per_year = 0.10 in
    log(1.10) within 4 of its standard errors."""
    run, m = run_and_paths
    printed = {r["name"]: r["value"] for r in resolved_assumptions(run.inputs)}
    sigma = float(printed["[scenario] btc_volatility_per_year"])
    assert sigma == pytest.approx(run.inputs["calibration"]["btc_volatility_per_year"])
    logp = np.log(m.btc_price_usd)
    r = np.diff(logp, axis=1)  # (n, 59)
    dt = np.asarray(m.periods.days_in_month[1:], dtype=float) / 365.25
    center = np.log(run.task.params.price_center_usd)
    growth = np.diff(center)
    sd = r.std(axis=0, ddof=1)
    expected_sd = sigma * np.sqrt(dt)
    rel = 1 / math.sqrt(2 * (N - 1))
    assert np.all(np.abs(sd / expected_sd - 1) < 5 * rel), np.abs(sd / expected_sd - 1).max()
    pooled = math.sqrt(np.mean((r - r.mean(axis=0)) ** 2 / expected_sd**2))
    assert abs(pooled - 1) < 5 * rel / math.sqrt(r.shape[1])
    z = (r.mean(axis=0) - growth) / (expected_sd / math.sqrt(N))
    assert np.all(np.abs(z) < 4.5), np.abs(z).max()
    years = dt.sum()
    annual = float((logp[:, -1] - logp[:, 0]).mean() / years)
    se = sigma * math.sqrt(years) / math.sqrt(N) / years
    assert printed["[pivot] btc_price_growth_per_year"] == 0.1
    assert annual == pytest.approx(math.log(1.10), abs=4 * se)
    assert float(np.median(np.log(m.btc_price_usd[:, -1]) - center[-1])) == pytest.approx(
        0.0, abs=4 * math.sqrt(math.pi / 2) * sigma * math.sqrt(dt.sum() + 31 / 365.25)
        / math.sqrt(N))


def test_hashrate_shocks_have_the_printed_noise_and_correlation(
        run_and_paths) -> None:  # type: ignore[no-untyped-def]
    """The hashrate's log deviation from its center less its response to the lagged
    hashprice is the shock e_t: its sd per month is the printed
    hashrate_volatility_per_year / sqrt(12) (0.5 % relative error at 20,000 paths, 5 of
    them allowed: the printed value is the months' mean, they differ by sqrt of the days),
    and its correlation with the same month's price shock the printed
    price_hashrate_correlation (se (1 - rho^2) / sqrt(n) = 0.006; 5 allowed)."""
    run, m = run_and_paths
    p = run.task.params
    printed = {r["name"]: r["value"] for r in resolved_assumptions(run.inputs)}
    vol = float(printed["[scenario] hashrate_volatility_per_year"])
    rho = float(printed["[scenario] price_hashrate_correlation"])
    beta, L = p.hashrate_elasticity, p.hashrate_lag_months
    X = np.log(m.btc_price_usd / p.price_center_usd)
    Y = np.log(m.network_hashrate_th_s / p.hashrate_center_th_s)
    sub = p.subsidy_btc_per_block
    R = np.log((sub + m.fees_btc_per_block) / (sub + p.fees_center_btc_per_block))
    D = X - Y + R
    T = X.shape[1]
    t = np.arange(1 + L + 1, T)
    e = Y[:, t] - Y[:, t - 1] - beta / L * (D[:, t - 1] - D[:, t - 1 - L])
    sd = e.std(axis=0, ddof=1)
    rel = 1 / math.sqrt(2 * (N - 1))
    assert np.all(np.abs(sd / (vol / math.sqrt(12)) - 1) < 5 * rel + 0.02), sd
    assert float(np.mean(sd)) == pytest.approx(vol / math.sqrt(12), rel=5 * rel)
    price_shock = X[:, t] - X[:, t - 1]
    c = np.array([np.corrcoef(price_shock[:, k], e[:, k])[0, 1] for k in range(t.size)])
    assert float(c.mean()) == pytest.approx(rho, abs=5 * (1 - rho**2) / math.sqrt(N * t.size))


def test_the_2028_halving_is_in_the_month_printed(run_and_paths) -> None:  # type: ignore[no-untyped-def]
    """Block 1,050,000 (the fifth halving: 210,000 x 5) from the printed start height at
    144 blocks a day falls in 2028-04; the paths' subsidy is 3.125 BTC before that month,
    1.5625 after, and a blend of the two (by the days on either side) in it."""
    run, m = run_and_paths
    printed = {r["name"]: r["value"] for r in resolved_assumptions(run.inputs)}
    h0 = int(str(printed["[pivot] start_height"]).replace(",", ""))
    assert "1,050,000 in 2028-04 (3.125 -> 1.5625 BTC/block)" in str(
        printed["halvings in the horizon"])
    start = m.periods[0].start_time
    day = start + np.timedelta64(math.ceil((1_050_000 - h0) / 144), "D")
    assert (day.year, day.month) == (2028, 4)
    k = list(m.periods.astype(str)).index("2028-04")
    s = m.subsidy_btc_per_block[0]
    assert s[k - 1] == 3.125 and s[k + 1] == 1.5625 and 1.5625 <= s[k] <= 3.125
    assert (m.subsidy_btc_per_block == s).all()
