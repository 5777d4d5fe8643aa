"""The stochastic processes of the market paths, one function per process.

Arrays are ``(n_periods, n_paths)`` (time first: the recursions run row by row). Each
function that draws takes the :class:`numpy.random.Generator` and draws a fixed number of
variates in a fixed order; :func:`hashpivot.scenarios.generator.generate_market_paths`
calls them in the documented draw order.

BTC price (log factor ``X_t``, ``S_t = C_t exp(X_t)``)
    GBM (:func:`gbm_increments`): ``X_t = sum_{k<=t} (sigma_k sqrt(dt_k) z_k - sigma_k^2
    dt_k / 2)`` with ``z ~ N(0, 1)``, the last term only for a mean center.
    Block bootstrap (:func:`bootstrap_increments`): historical monthly log returns,
    demeaned, scaled to the requested volatility, resampled in blocks of ``b`` consecutive
    months that wrap around the history (circular: a block that runs past the last month
    goes on from the first, so every month is equally likely at every place of a block and
    each step has the pool's mean, 0, and variance; Politis and Romano, 1992), minus
    :func:`~hashpivot.scenarios.centering.bootstrap_mean_correction` for a mean center.
Network hashrate (:func:`hashrate_shocks`, :func:`hashrate_deviation`)
    ``log H_t = log Hc_t + Y_t``, ``Y_t = Y_{t-1} + beta * (D_{t-1} - D_{t-1-L}) / L + e_t``
    where ``D`` is the deviation of log hashprice from the center
    (``X - Y + log((s + f) / (s + fc))``) and ``e_t = sigma_h (rho z_t + sqrt(1 - rho^2)
    v_t)`` is correlated with the price shock. Together with the center (built by the same
    recursion in ``history`` mode) this is the OLS model of
    :mod:`hashpivot.scenarios.calibration`.
    With ``hashrate_response = "margin"`` the center responds to its own margin below cost
    (:mod:`hashpivot.scenarios.margin`) and each path adds ``k dt D_{t-L}``: the calibrated
    linear response to its margin's deviation from the center's (``m - mc = D``, the
    power cost being common). Linear, so the center stays the median path (the kink
    ``min(m, 0)`` applied path by path would pull the median hashrate 13 % below the
    center in 5 years on ``examples/pivot-200mw.toml``); zero at zero volatility.
Fees per block (:func:`fee_draws`)
    ``f_t = fc_t exp(s w_t - s^2 / 2)``, iid lognormal with mean ``fc_t``.
Power price, index contracts (:func:`power_prices`)
    ``p_t = pc_t exp(U_t - v_t / 2) exp(J_t) / E[exp J]``, ``U`` an OU/AR(1) of the log
    price (``phi = exp(-kappa dt)``, stationary sd ``sigma / sqrt(2 kappa)``, ``U_{-1} = 0``,
    ``v_t = Var U_t``), ``J_t`` an exponential jump of mean ``j`` with probability ``p`` per
    step (drawn from one uniform ``u``: spike if ``u < p``, size ``-j log(u / p)``).
    One such process per market node of the index sites, each with its own parameters;
    the innovations of market ``k`` are ``rho_k z_1 + sqrt(1 - rho_k^2) e_k``, ``z_1``
    the first market's, and markets of one ISO share ``u`` (a system-wide scarcity).
"""

from __future__ import annotations

import math

import numpy as np

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.scenarios.calibration import DAYS_PER_YEAR
from hashpivot.scenarios.centering import bootstrap_mean_correction, gbm_mean_correction
from hashpivot.scenarios.margin import step_months_and_lag
from hashpivot.scenarios.parameters import ScenarioParams

DAYS_PER_MONTH = DAYS_PER_YEAR / 12


def cumulate_rows(a: FloatArray) -> FloatArray:
    """Cumulative sum along axis 0, in place, row by row (faster than ``cumsum(axis=0)``)."""
    for t in range(1, a.shape[0]):
        a[t] += a[t - 1]
    return a


def gbm_increments(
    params: ScenarioParams, n: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """GBM log increments of the price and the standardized shocks ``z``.

    Draws ``standard_normal((T, n))``. Returns ``(inc, z)``, both ``(T, n)``. [-]
    """
    T = params.n_periods
    dt = params.dt_years[:, None]
    sigma = params.price_volatility_per_year[:, None]
    z = rng.standard_normal((T, n))
    inc = sigma * np.sqrt(dt) * z
    if params.price_center == "mean":
        inc -= gbm_mean_correction(sigma, dt)
    return inc, z


def bootstrap_increments(
    params: ScenarioParams, n: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Circular block-bootstrap log increments of the price and the standardized returns
    ``z``.

    Draws ``integers(0, N, size=(n_blocks, n))`` (the block starts, ``N`` the pool's
    months; a block wraps past the last month to the first). Returns ``(inc, z)``, both
    ``(T, n)``; ``z`` is the resampled return over the pool's sd (``ddof = 0``: each step
    draws the pool's months with equal probability, so ``z`` has variance 1 and ``inc``
    ``sigma^2 dt``). [-]
    """
    T = params.n_periods
    b = params.bootstrap_block_months
    pool = params.bootstrap_pool
    n_blocks = -(-T // b)
    starts = rng.integers(0, pool.size, size=(n_blocks, n))
    idx = circular_block_index(starts, b, pool.size)[:T]
    pool_sd = float(np.std(pool)) if pool.size > 1 else 0.0
    scale = (
        params.price_volatility_per_year * np.sqrt(params.dt_years) / pool_sd
        if pool_sd > 0
        else np.zeros(T)
    )
    corr = np.zeros(T)
    if params.price_center == "mean":
        corr = bootstrap_mean_correction(pool, scale, b, T)
    inc = scale[:, None] * pool[idx] - corr[:, None]
    z = pool[idx] / pool_sd if pool_sd > 0 else np.zeros((T, n))
    return inc, z


def circular_block_index(starts: IntArray, block_months: int, pool_months: int) -> IntArray:
    """Pool index of each step of blocks starting at ``starts`` ``(n_blocks, n)``: block
    ``k`` covers steps ``k b .. k b + b - 1`` with months ``start, start + 1, ...`` modulo
    the pool's ``N`` months. Returns ``(n_blocks * b, n)``. [-]"""
    n_blocks, n = starts.shape
    b = block_months
    idx = (starts[:, None, :] + np.arange(b)[None, :, None]) % pool_months
    return np.asarray(idx.reshape(n_blocks * b, n))


def hashrate_shocks(
    params: ScenarioParams, z: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Hashrate shocks ``e = sigma_h (rho z + sqrt(1 - rho^2) v)``, ``(T, n)``. [-]

    Draws ``standard_normal((T, n))`` (``v``).
    """
    # compiled (numba), imported here: a deterministic run draws nothing and loads no numba
    from hashpivot.scenarios.paths_kernel import correlated_shocks

    v = rng.standard_normal(z.shape)
    rho = params.price_hashrate_correlation
    correlated_shocks(
        np.ascontiguousarray(params.hashrate_noise_per_step, dtype=np.float64), float(rho),
        math.sqrt(max(1 - rho**2, 0.0)), np.ascontiguousarray(z, dtype=np.float64), v,
    )
    return v


def fee_draws(
    params: ScenarioParams, n: int, rng: np.random.Generator, reward_ratio: bool = True
) -> tuple[FloatArray, FloatArray | None]:
    """Fees per block ``fc exp(s w - s^2 / 2)``: ``fc`` is their mean, their median
    ``fc exp(-s^2 / 2)``. [BTC]

    Draws ``standard_normal((T, n))`` (``w``).

    Returns
    -------
    fees : ndarray, shape (n, T)
        Path-major (C order). [BTC]
    log_reward_ratio : ndarray, shape (T, n), or None
        With ``reward_ratio``, ``log((subsidy + f) / (subsidy + fc))``: the block reward's
        log deviation from the center's (the hashprice response's,
        :func:`hashrate_deviation`); else None. [-]
    """
    # compiled (numba), imported here: a deterministic run draws nothing and loads no numba
    from hashpivot.scenarios.paths_kernel import fee_exponent, fees_path_major

    T = params.n_periods
    w = rng.standard_normal((T, n))
    s = params.fees_sigma
    # the same operations as fc[:, None] * np.exp(s * w - 0.5 * s * s), and the ratio
    # as (sub + fees) / (sub + fc), element by element; numpy's exp and log
    fee_exponent(w, float(s), 0.5 * s * s)
    np.exp(w, out=w)
    sub = np.ascontiguousarray(params.subsidy_btc_per_block, dtype=np.float64)
    center = np.ascontiguousarray(params.fees_center_btc_per_block, dtype=np.float64)
    fees = np.empty((n, T))
    ratio = np.empty((T, n)) if reward_ratio else np.empty((0, 0))
    fees_path_major(w, center, sub, sub + center, reward_ratio, fees, ratio)
    del w
    if not reward_ratio:
        return fees, None
    return fees, np.log(ratio, out=ratio)


def responds(params: ScenarioParams) -> bool:
    """Whether the hashrate responds to the paths' hashprice (elasticity or margin
    response): :func:`hashrate_deviation` then takes the block reward's ratio. [-]"""
    margin = params.margin_elasticity_per_month != 0.0 and params.log_margin_center is not None
    return params.hashrate_elasticity != 0.0 or margin


def hashrate_deviation(
    params: ScenarioParams, X: FloatArray, e: FloatArray, log_reward_ratio: FloatArray | None
) -> FloatArray:
    """Log deviation ``Y`` of the hashrate from its center, ``(T, n)``. [-]

    Parameters
    ----------
    params : ScenarioParams
        Elasticity ``beta``, window ``L``, subsidy and fee centers.
    X : ndarray
        Cumulative log price factor. [-]
    e : ndarray
        Hashrate shocks (:func:`hashrate_shocks`); overwritten: it becomes ``Y``
        (C order, float64, as drawn). [-]
    log_reward_ratio : ndarray or None
        The block reward's log deviation from the center's (:func:`fee_draws`); None
        when the hashrate does not respond (:func:`responds`). [-]

    Notes
    -----
    Daily steps use a lag of ``round(L * 30.44)`` days and scale the response per step.
    The recursion runs compiled (:func:`~hashpivot.scenarios.paths_kernel.
    deviation_recursion`), bitwise the row-by-row numpy one it replaced.
    """
    T, n = e.shape
    L = params.hashrate_lag_months
    beta = params.hashrate_elasticity
    kappa = params.margin_elasticity_per_month
    margin = kappa != 0.0 and params.log_margin_center is not None
    if not responds(params):
        return cumulate_rows(e)  # no response: Y is the cumulative noise
    # deviation of log(subsidy + fees) from the center: only the hashprice response uses it
    assert log_reward_ratio is not None
    R = log_reward_ratio
    if params.is_daily:
        lag_steps = max(1, round(L * DAYS_PER_MONTH))
        step_months = 1.0 / DAYS_PER_MONTH
    else:
        lag_steps, step_months = L, 1.0
    coef = beta * step_months / L
    m_steps, m_lag = step_months_and_lag(params.periods, params.margin_lag_months)
    # the path's margin less the center's is its hashprice deviation D: linear, so the
    # deterministic path stays the median of the paths
    kappa_steps = np.asarray(kappa * np.asarray(m_steps, dtype=np.float64), dtype=np.float64)
    from hashpivot.scenarios.paths_kernel import deviation_recursion  # compiled (numba)

    Y = np.ascontiguousarray(e, dtype=np.float64)
    deviation_recursion(
        np.ascontiguousarray(X, dtype=np.float64), Y, R, int(lag_steps), float(coef),
        bool(margin), np.atleast_1d(kappa_steps), int(m_lag), np.empty((T, n)),
    )
    return Y


def power_prices(params: ScenarioParams, n: int, rng: np.random.Generator
                 ) -> tuple[FloatArray, dict[str, FloatArray]] | None:
    """Index power prices, ``(T, n)``, of the first index market and of each other one
    (:attr:`ScenarioParams.power_markets`, by node), or None when power is not
    simulated. [USD/MWh]

    Draws ``standard_normal((T, n))`` then ``random((T, n))`` (only when simulated), then
    for each other market in turn ``standard_normal((T, n))`` (``e``: its innovations
    ``rho z + sqrt(1 - rho^2) e``, ``z`` the first market's) and, for the first market of
    a grid operator (ISO) not drawn before, ``random((T, n))``: markets of one ISO share
    the spike uniforms (scarcity is system-wide), each with its own probability and size.
    A run of one market draws as before the other markets were.
    """
    if params.power_center_usd_per_mwh is None:
        return None
    T = params.n_periods
    zp = rng.standard_normal((T, n))
    u = rng.random((T, n))
    first = _ou_with_spikes(params.power_center_usd_per_mwh, params.power_phi,
                            params.power_innovation_sd, params.power_spike_probability,
                            params.power_spike_mean_log, zp, u)
    uniforms = {_iso(params.power_node): u}
    others: dict[str, FloatArray] = {}
    for m in params.power_markets:
        e = rng.standard_normal((T, n))
        if m.iso not in uniforms:
            uniforms[m.iso] = rng.random((T, n))
        if m.center_usd_per_mwh is None:
            continue
        rho = m.correlation
        e *= math.sqrt(max(1.0 - rho * rho, 0.0))
        e += rho * zp
        others[m.node] = _ou_with_spikes(m.center_usd_per_mwh, m.phi, m.innovation_sd,
                                         m.spike_probability, m.spike_mean_log, e,
                                         uniforms[m.iso])
    return first, others


def _iso(node: str | None) -> str | None:
    """The grid operator of a market node ``iso:point`` (None: not known)."""
    return None if node is None else node.split(":", 1)[0]


def _ou_with_spikes(center: FloatArray, phi: FloatArray, sd: FloatArray, p_step: FloatArray,
                    j: float, zp: FloatArray, u: FloatArray) -> FloatArray:
    """``center exp(U - v / 2) exp(J) / E[exp J]`` (the module docstring), ``(T, n)``,
    from the standard normals ``zp`` and the uniforms ``u`` ``(T, n)`` (neither
    changed). [USD/MWh]"""
    T, n = zp.shape
    U = np.empty((T, n))
    var = np.empty(T)
    prev_u, prev_v = np.zeros(n), 0.0
    for t in range(T):
        U[t] = phi[t] * prev_u + sd[t] * zp[t]
        var[t] = phi[t] ** 2 * prev_v + sd[t] ** 2
        prev_u, prev_v = U[t], var[t]
    p = p_step[:, None]
    spike = u < p
    rows, cols = np.nonzero(spike)
    pr = p_step[rows]
    # given u < p, u / p is uniform on (0, 1): -j log(u / p) is an exponential jump
    U[rows, cols] += -j * np.log(np.maximum(u[rows, cols], 1e-300) / pr)
    mean_jump = 1 - p + p / (1 - j)
    U -= 0.5 * var[:, None]
    return np.asarray(center[:, None] * np.exp(U) / mean_jump)
