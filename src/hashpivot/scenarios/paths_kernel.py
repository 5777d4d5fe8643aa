"""The market paths' arithmetic between the draws, compiled: the hashrate shocks, the
fees and their block reward's ratio to the center's, the hashrate recursion, the switch
from time-major to path-major arrays and the hash value.

:mod:`hashpivot.scenarios.processes` and :mod:`hashpivot.scenarios.generator` hold the
model; numpy made about a dozen passes over ``(n_periods, n_paths)`` arrays for these
steps, each with its temporary, and the recursion a dozen small ones per period. Each
kernel here reads its inputs once and writes each output once, every element by the same
IEEE operations in the same order as the numpy expressions it replaces (no fast-math, no
fused multiply-add), so the paths are bitwise those of the numpy version. The exponentials
and logarithms stay numpy's own (its SIMD ``exp``/``log`` need not round as libm does).

Compiled on first use and cached on disk (``cache=True``); the kernels release the GIL.
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.jit import cached_njit
from hashpivot.units import (
    H_PER_TH,
    HASHES_PER_DIFFICULTY,
    SECONDS_PER_DAY,
    TARGET_BLOCK_INTERVAL_S,
)


@cached_njit(nogil=True, error_model="numpy")
def correlated_shocks(  # pragma: no cover - compiled
    noise: FloatArray, rho: float, rho_c: float, z: FloatArray, v: FloatArray
) -> None:
    """``v <- noise[t] (rho z + rho_c v)`` in place, ``(T, n)``: the hashrate shocks. [-]"""
    T, n = v.shape
    for t in range(T):
        a = noise[t]
        for i in range(n):
            v[t, i] = a * (rho * z[t, i] + rho_c * v[t, i])


@cached_njit(nogil=True, error_model="numpy")
def deviation_recursion(  # pragma: no cover - compiled
    X: FloatArray, e: FloatArray, R: FloatArray, lag_steps: int, coef: float,
    margin: bool, kappa_steps: FloatArray, m_lag: int, D: FloatArray,
) -> None:
    """The hashrate's log deviation ``Y`` from its center, written over ``e`` ``(T, n)``.

    ``Y_t = Y_{t-1} + coef (D_{t-1} - D_{t-1-L}) + e_t`` (``D`` before the first period
    and ``Y_{-1}`` zero), plus ``kappa_steps[t] D_{max(t - m_lag, 0)}`` from ``t = 1``
    with the margin response; ``D_t = (X_t - Y_t) + R_t`` is written to ``D``. [-]
    """
    T, n = e.shape
    for t in range(T):
        if t == 0:
            for i in range(n):
                cur = 0.0 + e[0, i]
                e[0, i] = cur
                D[0, i] = (X[0, i] - cur) + R[0, i]
            continue
        tl = t - 1 - lag_steps
        tm = max(t - m_lag, 0)
        km = kappa_steps[t] if margin else 0.0
        for i in range(n):
            d_lag = D[tl, i] if tl >= 0 else 0.0
            cur = (e[t - 1, i] + coef * (D[t - 1, i] - d_lag)) + e[t, i]
            if margin:
                cur = cur + km * D[tm, i]
            e[t, i] = cur
            D[t, i] = (X[t, i] - cur) + R[t, i]


@cached_njit(nogil=True, error_model="numpy")
def fee_exponent(  # pragma: no cover - compiled
    w: FloatArray, s: float, half_variance: float
) -> None:
    """``w <- w s - half_variance`` in place, ``(T, n)``: the fees' log factor. [-]"""
    T, n = w.shape
    for t in range(T):
        for i in range(n):
            w[t, i] = w[t, i] * s - half_variance


@cached_njit(nogil=True, error_model="numpy")
def fees_path_major(  # pragma: no cover - compiled
    factor: FloatArray, center: FloatArray, subsidy: FloatArray, reward_center: FloatArray,
    ratio: bool, fees: FloatArray, reward_ratio: FloatArray,
) -> None:
    """The fees ``fees[i, t] = factor[t, i] center[t]``, path-major ``(n, T)``, of their
    time-major factor ``(T, n)``; with ``ratio`` also the block reward over the center's,
    ``reward_ratio[t, i] = (subsidy[t] + fees[i, t]) / reward_center[t]`` ``(T, n)``."""
    T, n = factor.shape
    for t in range(T):
        c = center[t]
        s = subsidy[t]
        r = reward_center[t]
        for i in range(n):
            f = factor[t, i] * c
            fees[i, t] = f
            if ratio:
                reward_ratio[t, i] = (s + f) / r


@cached_njit(nogil=True, error_model="numpy")
def scaled_transpose(  # pragma: no cover - compiled
    center: FloatArray, factor: FloatArray, out: FloatArray
) -> None:
    """``out[i, t] = center[t] * factor[t, i]``: a time-major factor ``(T, n)`` times its
    center, path-major ``(n, T)``."""
    T, n = factor.shape
    for i in range(n):
        for t in range(T):
            out[i, t] = center[t] * factor[t, i]


@cached_njit(nogil=True, error_model="numpy")
def _hashvalue(  # pragma: no cover - compiled
    hashrate: FloatArray, subsidy: FloatArray, fees: FloatArray, difficulty: FloatArray,
    hashvalue: FloatArray,
) -> int:
    n, T = hashrate.shape
    bad = 0
    for i in range(n):
        for t in range(T):
            d = ((hashrate[i, t] * H_PER_TH) * TARGET_BLOCK_INTERVAL_S) / HASHES_PER_DIFFICULTY
            difficulty[i, t] = d
            if not d > 0.0:
                if d == d:  # NaN stays NaN and is no non-positive value
                    bad += 1
                d = np.nan
            reward = subsidy[t] + fees[i, t]
            hashvalue[i, t] = ((reward * SECONDS_PER_DAY) * H_PER_TH) / (
                d * HASHES_PER_DIFFICULTY
            )
    return bad


def difficulty_and_hashvalue(
    hashrate_th_s: FloatArray, subsidy_btc_per_block: FloatArray, fees_btc_per_block: FloatArray
) -> tuple[FloatArray, FloatArray, int]:
    """Difficulty and expected BTC per TH/s per day of path-major arrays in one pass.

    The same operations as :func:`hashpivot.bitcoin.difficulty_from_hashrate` and
    :func:`hashpivot.bitcoin.btc_per_th_day` at 600 s blocks (a non-positive difficulty
    gives NaN).

    Parameters
    ----------
    hashrate_th_s : ndarray, shape (n, T)
        Network hashrate. [TH/s]
    subsidy_btc_per_block : ndarray, shape (T,)
        Block subsidy, the same on every path. [BTC]
    fees_btc_per_block : ndarray, shape (n, T)
        Fees per block. [BTC]

    Returns
    -------
    difficulty : ndarray, shape (n, T)
        [-]
    hashvalue : ndarray, shape (n, T)
        [BTC/(TH/s)/day]
    n_bad : int
        Non-positive difficulties (the caller warns, as ``btc_per_th_day`` does). [-]
    """
    h = np.ascontiguousarray(hashrate_th_s, dtype=np.float64)
    difficulty = np.empty(h.shape)
    hashvalue = np.empty(h.shape)
    bad = _hashvalue(
        h, np.ascontiguousarray(subsidy_btc_per_block, dtype=np.float64),
        np.ascontiguousarray(fees_btc_per_block, dtype=np.float64), difficulty, hashvalue,
    )
    return difficulty, hashvalue, int(bad)
