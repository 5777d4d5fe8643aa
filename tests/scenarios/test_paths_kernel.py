"""The compiled market-path steps against the numpy expressions they replace, bitwise
(hashpivot.scenarios.paths_kernel)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.bitcoin import btc_per_th_day, difficulty_from_hashrate
from hashpivot.scenarios.generator import SimulatedMarketPaths
from hashpivot.scenarios.paths_kernel import (
    correlated_shocks,
    deviation_recursion,
    difficulty_and_hashvalue,
    fee_exponent,
    fees_path_major,
    scaled_transpose,
)
from tests.import_probe import imported_by_command

ROOT = Path(__file__).resolve().parents[2]
T, N = 37, 53


def _rng() -> np.random.Generator:
    return np.random.default_rng(20261206)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert a.tobytes() == b.tobytes()


def test_correlated_shocks_are_the_numpy_expression() -> None:
    rng = _rng()
    z, v = rng.standard_normal((2, T, N))
    noise = rng.uniform(0.01, 0.2, T)
    for rho in (0.0, 0.37, -0.9):
        c = math.sqrt(max(1 - rho**2, 0.0))
        want = noise[:, None] * (rho * z + c * v)
        got = v.copy()
        correlated_shocks(noise, rho, c, z, got)
        _same(got, want)


def _deviation_numpy(X: np.ndarray, e: np.ndarray, R: np.ndarray, lag: int, coef: float,
                     margin: bool, kappa_steps: np.ndarray, m_lag: int) -> np.ndarray:
    """The row-by-row numpy recursion of processes.hashrate_deviation until 2026-12-06."""
    n = e.shape[1]
    zero = np.zeros(n)
    Y = np.empty(e.shape)
    D = np.empty(e.shape)
    prev = zero
    for t in range(e.shape[0]):
        if t >= 1:
            d_lag = D[t - 1 - lag] if t - 1 - lag >= 0 else zero
            cur = prev + coef * (D[t - 1] - d_lag) + e[t]
        else:
            cur = prev + e[t]
        if margin and t >= 1:
            cur = cur + kappa_steps[t] * D[max(t - m_lag, 0)]
        Y[t] = cur
        np.subtract(X[t], cur, out=D[t])
        D[t] += R[t]
        prev = cur
    return Y


@pytest.mark.parametrize(("lag", "margin", "m_lag"), [(1, False, 0), (6, False, 0),
                                                      (3, True, 2), (50, True, 40)])
def test_deviation_recursion_is_the_numpy_recursion(lag: int, margin: bool, m_lag: int) -> None:
    rng = _rng()
    X = np.cumsum(rng.standard_normal((T, N)) * 0.1, axis=0)
    e = rng.standard_normal((T, N)) * 0.03
    e[0, :3] = -0.0  # 0.0 + -0.0 is +0.0, as numpy's zeros + e gives
    R = rng.standard_normal((T, N)) * 0.01
    kappa_steps = 0.06 * rng.uniform(0.5, 1.5, T)
    want = _deviation_numpy(X, e, R, lag, 0.09 / lag, margin, kappa_steps, m_lag)
    got = e.copy()
    deviation_recursion(X, got, R, lag, 0.09 / lag, margin, kappa_steps, m_lag, np.empty((T, N)))
    _same(got, want)
    assert not np.signbit(got[0, :3]).any()


def test_scaled_transpose_is_center_times_factor_transposed() -> None:
    rng = _rng()
    factor = np.exp(rng.standard_normal((T, N)))
    center = rng.uniform(1e4, 1e5, T)
    out = np.empty((N, T))
    scaled_transpose(center, factor, out)
    _same(out, np.ascontiguousarray((center[:, None] * factor).T))


def test_difficulty_and_hashvalue_are_bitcoin_py_s() -> None:
    rng = _rng()
    hashrate = 8e8 * np.exp(rng.standard_normal((N, T)) * 0.2)
    fees = 0.02 * np.exp(rng.standard_normal((N, T)))
    subsidy = np.where(np.arange(T) < 20, 3.125, 1.5625)
    d, hv, bad = difficulty_and_hashvalue(hashrate, subsidy, fees)
    want_d = difficulty_from_hashrate(hashrate)
    _same(d, want_d)
    _same(hv, btc_per_th_day(want_d, np.broadcast_to(subsidy, (N, T)) + fees))
    assert bad == 0
    # a non-positive difficulty gives NaN and is counted (the caller warns); NaN is no such
    hashrate[1, 2], hashrate[3, 4], hashrate[5, 6] = 0.0, -1.0, np.nan
    d, hv, bad = difficulty_and_hashvalue(hashrate, subsidy, fees)
    assert bad == 2
    with pytest.warns(RuntimeWarning, match="difficulty must be > 0"):
        want = btc_per_th_day(difficulty_from_hashrate(hashrate),
                              np.broadcast_to(subsidy, (N, T)) + fees)
    _same(hv, want)
    assert np.isnan(hv[[1, 3, 5], [2, 4, 6]]).all()


def test_generated_paths_warn_of_a_non_positive_difficulty() -> None:
    periods = pd.period_range("2026-01", periods=3, freq="M")
    ones = np.ones((2, 3))
    m = SimulatedMarketPaths(
        periods=periods, btc_price_usd=ones * 9e4,
        network_hashrate_th_s=np.array([[8e8, 0.0, 8e8], [8e8, 8e8, 8e8]]),
        fees_btc_per_block=ones * 0.02,
        subsidy_btc_per_block=np.broadcast_to(np.full(3, 3.125), (2, 3)),
    )
    with pytest.warns(RuntimeWarning, match="difficulty must be > 0"):
        hv = m.hashvalue_btc_per_th_day
    assert np.isnan(hv[0, 1]) and np.isfinite(hv[1]).all()
    assert m.difficulty[0, 1] == 0.0 and not m.difficulty.flags.writeable


def test_a_deterministic_pivot_loads_no_numba(tmp_path: Path) -> None:
    # the kernels serve drawn paths: pivot's one deterministic path takes the numpy
    # expressions and should not pay numba's import (~0.2 s a run; BENCHMARKS.md says so)
    imported, _ = imported_by_command(
        ["pivot", str(ROOT / "examples" / "pivot-200mw.toml"), "--json"], ["numba"],
        cwd=tmp_path)
    assert not imported["numba"]


@pytest.mark.parametrize("ratio", [True, False])
def test_fees_are_the_numpy_expressions(ratio: bool) -> None:
    """fee_exponent, numpy's exp, then fees_path_major: bitwise the fees
    ``fc exp(s w - s^2 / 2)`` transposed and the block reward's ratio to the center's as
    processes.fee_draws and hashrate_deviation computed them in numpy until 2026-12-07."""
    rng = _rng()
    w = rng.standard_normal((T, N))
    center = rng.uniform(0.01, 0.3, T)
    subsidy = np.where(np.arange(T) < 20, 3.125, 1.5625)
    s = 0.37
    want = w * s
    want -= 0.5 * s * s
    np.exp(want, out=want)
    want *= center[:, None]
    want_ratio = subsidy[:, None] + want
    want_ratio /= subsidy[:, None] + center[:, None]
    got = w.copy()
    fee_exponent(got, s, 0.5 * s * s)
    np.exp(got, out=got)
    fees = np.empty((N, T))
    got_ratio = np.empty((T, N)) if ratio else np.empty((0, 0))
    fees_path_major(got, center, subsidy, subsidy + center, ratio, fees, got_ratio)
    _same(fees, np.ascontiguousarray(want.T))
    if ratio:
        _same(got_ratio, want_ratio)
