"""Center paths of the scenarios and the mean/median centering of the BTC price.

Each simulated series is a *center* path times a stochastic factor. The center is either
the pivot model's deterministic market (``anchor = "deterministic"``,
:func:`anchored_center`) or a path built from the calibration (``anchor = "history"``,
:func:`history_center`).

What the center *is* for the BTC price is the user's choice (``[scenario].price_center``):

``"mean"``
    ``E[S_t] = C_t``: GBM log increments carry the Ito term ``-sigma^2 dt / 2``
    (:func:`gbm_mean_correction`); bootstrap increments carry
    :func:`bootstrap_mean_correction`. In ``history`` mode the center grows at the drift
    ``mu``.
``"median"``
    The log price is symmetric around ``log C_t``: no correction; in ``history`` mode the
    center grows at ``mu - sigma^2 / 2``, and anchored where a drift is given (the mean
    grows at ``mu`` either way). The bootstrap's demeaned returns put the log
    price's mean on ``log C_t`` (each step draws every month of the pool with equal
    probability); their skew moves its median: on the bundled 2022-01..2025-09 months,
    in blocks of 6 at the calibrated volatility, 4 to 10 % above the center.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.bitcoin import period_subsidy_btc, year_later
from hashpivot.exceptions import Problem
from hashpivot.market import MarketPaths
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios.calibration import (
    DAYS_PER_YEAR,
    MarketCalibration,
    hashprice_regressor,
)


def per_year(periods: pd.PeriodIndex, base: float, overrides: dict[int, float]) -> FloatArray:
    """``base`` in every period, replaced by ``overrides[year]`` in those calendar years."""
    years = np.asarray(periods.year)
    out = np.full(len(periods), float(base))
    for y, v in overrides.items():
        out[years == int(y)] = float(v)
    return out


# --------------------------------------------------------------------------------------
# mean centering of the price increments
# --------------------------------------------------------------------------------------
def gbm_mean_correction(sigma: FloatArray, dt: FloatArray) -> FloatArray:
    """Ito term ``sigma^2 dt / 2`` subtracted from GBM log increments for ``E[S_t] = C_t``."""
    return np.asarray(0.5 * sigma**2 * dt, dtype=np.float64)


def bootstrap_mean_correction(
    pool: FloatArray, scale: FloatArray, block_months: int, n_periods: int
) -> FloatArray:
    """Per-period correction of block-bootstrap log increments for ``E[exp X_t] = 1``.

    Parameters
    ----------
    pool : ndarray
        Demeaned historical monthly log returns. [-]
    scale : ndarray, shape (n_periods,)
        Multiplier of each period's resampled return (volatility / pool sd). [-]
    block_months : int
        Block length ``b``. [month]
    n_periods : int
        Number of periods. [-]

    Returns
    -------
    ndarray, shape (n_periods,)
        Returns inside a block are autocorrelated (that is what blocks keep), so the
        correction is taken on the windows themselves: for each block,
        ``log E_w[exp(cumulative scaled window sum)]`` over the ``N`` equally likely
        windows ``w`` (one starting at each month of the pool, wrapping past its end as
        :func:`hashpivot.scenarios.processes.bootstrap_increments` draws them),
        differenced within the block (blocks are independent draws).
    """
    b, T = block_months, n_periods
    n_blocks = -(-T // b)
    corr = np.zeros(T)
    n_win = pool.size
    windows = pool[(np.arange(n_win)[:, None] + np.arange(b)[None, :]) % n_win]  # (N, b)
    for k in range(n_blocks):
        t0, t1 = k * b, min(k * b + b, T)
        cum = np.cumsum(scale[None, t0:t1] * windows[:, : t1 - t0], axis=1)
        log_m = np.log(np.mean(np.exp(cum), axis=0))
        corr[t0:t1] = np.diff(log_m, prepend=0.0)
    return corr


# --------------------------------------------------------------------------------------
# center paths
# --------------------------------------------------------------------------------------
def center_spread_fields(
    anchor: str, price_center: str, *, drift_given: bool, fees_given: bool
) -> dict[str, str]:
    """The ``[scenario]`` parameters of the paths' spread that the center path reads too.

    A run with every volatility zero (its paths the center) still depends on them:
    :func:`history_center` grows the price at the drift (less ``sigma^2 / 2`` for a
    median center), builds the hashrate from its response to the center's hashprice and
    takes the fees' mean from the history's median; :func:`anchored_center` re-grows the
    price only where a drift is given.

    Parameters
    ----------
    anchor : str
        ``[scenario] anchor``: ``"deterministic"`` or ``"history"``.
    price_center : str
        ``[scenario] price_center``: ``"mean"`` or ``"median"``.
    drift_given : bool
        Whether ``[scenario]`` gives a BTC drift (``btc_drift_per_year`` or
        ``btc_drift_by_year``).
    fees_given : bool
        Whether ``[scenario]`` gives ``fees_btc_per_block``.

    Returns
    -------
    dict
        Field name -> what the center path takes from it; empty when it reads none.
    """
    history = anchor == "history"
    growth = history or drift_given
    reads = {}
    if growth:
        reads["price_center"] = ("the BTC price grows at the drift as its mean, or less "
                                 "sigma^2 / 2 as its median")
    if growth and price_center == "median":
        reads["btc_volatility_per_year"] = ("its median BTC price grows at the drift less "
                                            "sigma^2 / 2")
    if history:
        reads["hashrate_elasticity"] = "the hashrate's response to its hashprice"
        reads["hashrate_lag_months"] = "the months of the hashrate's response"
        if not fees_given:
            reads["fees_lognormal_sigma"] = ("the fees' mean, the history's median x "
                                             "exp(sigma^2 / 2)")
    return reads


def anchored_center(
    spec: ScenarioSpec, center: MarketPaths, periods: pd.PeriodIndex, dt: FloatArray,
    sigma: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """Center paths from the deterministic market (``anchor = 'deterministic'``).

    ``sigma`` is the BTC volatility of each period [1/sqrt(year)]: a drift is ``mu`` of
    ``dS/S``, so with ``price_center = "median"`` the center grows at ``mu - sigma^2 / 2``
    where a drift is given (as :func:`history_center`).

    Returns
    -------
    price [USD], hashrate [TH/s], fees [BTC], subsidy [BTC], power [USD/MWh] or None
        The deterministic path, with the spec's overrides: a drift (``btc_drift_per_year``,
        ``btc_drift_by_year``) re-grows the price from its start (the deterministic path's
        own growth in the years no drift is given), ``btc_price_usd`` and
        ``network_hashrate_th_s`` rescale, ``hashrate_trend_per_year`` re-grows the
        hashrate, ``fees_btc_per_block`` replaces the fees.
    """
    T = len(periods)
    price_det = center.btc_price_usd[0].astype(np.float64)
    if spec.btc_drift_per_year is not None or spec.btc_drift_by_year:
        det_growth = np.zeros(T)
        det_growth[1:] = np.diff(np.log(price_det)) / dt[1:]
        base = det_growth if spec.btc_drift_per_year is None else np.full(
            T, spec.btc_drift_per_year
        )
        mu = base.copy()
        drift_given = np.full(T, spec.btc_drift_per_year is not None)
        years = np.asarray(periods.year)
        for y, v in spec.btc_drift_by_year.items():
            mu[years == int(y)] = v
            drift_given[years == int(y)] = True
        if spec.price_center == "median":
            # mu is the GBM drift of dS/S, so the median grows at mu - sigma^2 / 2 (Ito);
            # the deterministic path's own growth is already the median's
            mu = np.where(drift_given, mu - 0.5 * sigma**2, mu)
        steps = np.zeros(T)
        steps[1:] = mu[1:] * dt[1:]
        p0 = spec.btc_price_usd if spec.btc_price_usd is not None else price_det[0]
        price_c = p0 * np.exp(np.cumsum(steps))
    else:
        price_c = price_det.copy()
        if spec.btc_price_usd is not None:
            price_c *= spec.btc_price_usd / price_det[0]
    hash_c = center.network_hashrate_th_s[0].astype(np.float64).copy()
    if spec.hashrate_trend_per_year is not None:
        h0 = spec.network_hashrate_th_s or hash_c[0]
        t_years = np.concatenate([[0.0], np.cumsum(dt[1:])])
        hash_c = h0 * np.exp(spec.hashrate_trend_per_year * t_years)
    elif spec.network_hashrate_th_s is not None:
        hash_c *= spec.network_hashrate_th_s / hash_c[0]
    fees_c = center.fees_btc_per_block[0].astype(np.float64).copy()
    if spec.fees_btc_per_block is not None:
        fees_c = np.full(T, spec.fees_btc_per_block)
    subsidy = center.subsidy_btc_per_block[0].astype(np.float64).copy()
    power_c = None
    if center.power_price_usd_per_mwh is not None:
        power_c = center.power_price_usd_per_mwh[0].astype(np.float64).copy()
    return price_c, hash_c, fees_c, subsidy, power_c


def history_center(
    spec: ScenarioSpec,
    periods: pd.PeriodIndex,
    cal: MarketCalibration,
    dt: FloatArray,
    problems: list[Problem],
    source: str,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Center paths built from the calibration (``anchor = 'history'``).

    Runs monthly from the month after the calibration's last month to the end of
    ``periods``: the price center grows at the drift (``mu``, or ``mu - sigma^2 / 2`` for a
    median center), the hashrate center follows the calibrated response to the center's
    hashprice (seeded with the last ``L + 1`` months of history), fees stay at their
    level (its mean: the calibrated median times ``exp(sigma^2 / 2)``), the subsidy follows
    the block height. Daily periods take the value of their
    month (the price is interpolated geometrically inside the month).

    Returns
    -------
    price [USD], hashrate [TH/s], fees [BTC], subsidy [BTC], subsidy a year later [BTC]
        Problems (a start inside the calibration window, no block height) are appended to
        ``problems``.
    """
    first_month = pd.Period(periods[0], "M")
    last_month = pd.Period(periods[-1], "M")
    if first_month <= cal.last_month:
        problems.append(
            Problem(
                "scenario.start",
                f"history mode starts after the calibration window (after {cal.last_month})",
                source,
            )
        )
        T = len(periods)
        return np.ones(T), np.ones(T), np.ones(T), np.ones(T), np.ones(T)
    months = pd.period_range(cal.last_month + 1, last_month, freq="M")
    M = len(months)
    dtm = np.asarray(months.days_in_month, dtype=np.float64) / DAYS_PER_YEAR
    mu = per_year(
        months,
        spec.btc_drift_per_year if spec.btc_drift_per_year is not None else cal.gbm.drift_per_year,
        spec.btc_drift_by_year,
    )
    log_growth = mu
    if spec.price_center == "median":
        # mu is the GBM drift of dS/S, so the median grows at mu - sigma^2 / 2 (Ito)
        sigma = per_year(
            months,
            spec.btc_volatility_per_year
            if spec.btc_volatility_per_year is not None
            else cal.gbm.volatility_per_year,
            spec.btc_volatility_by_year,
        )
        log_growth = mu - 0.5 * sigma**2
    price = cal.last_price_usd * np.exp(np.cumsum(log_growth * dtm))
    gap = (first_month - (cal.last_month + 1)).n
    if spec.btc_price_usd is not None:
        price *= spec.btc_price_usd / price[gap]
    # the draws' center is their mean (processes.fee_draws); the history's level is a
    # median of monthly fees that scatter lognormally around it: its mean is higher
    fee_sigma = (spec.fees_lognormal_sigma if spec.fees_lognormal_sigma is not None
                 else cal.fees_sigma)
    fees_level = (
        spec.fees_btc_per_block if spec.fees_btc_per_block is not None
        else cal.fees_btc_per_block * math.exp(0.5 * fee_sigma * fee_sigma)
    )
    fees = np.full(M, fees_level)
    if spec.block_height is not None:
        h0, d0 = float(spec.block_height), first_month.start_time
    elif cal.last_height is not None and cal.last_height_date is not None:
        h0 = float(cal.last_height)
        d0 = pd.Timestamp(cal.last_height_date) + pd.Timedelta(days=1)
    else:
        problems.append(
            Problem("scenario.block_height", "not set and not in the history", source)
        )
        h0, d0 = 0.0, first_month.start_time
    subsidy_m = period_subsidy_btc(months, h0, d0, spec.blocks_per_day)
    later = period_subsidy_btc(year_later(periods), h0, d0, spec.blocks_per_day)
    L = spec.hashrate_lag_months
    a = (
        spec.hashrate_trend_per_year / 12
        if spec.hashrate_trend_per_year is not None
        else cal.hashrate.trend_per_month
    )
    beta = (
        spec.hashrate_elasticity
        if spec.hashrate_elasticity is not None
        else 0.0 if spec.hashrate_response == "margin"  # see parameters.build_scenario_params
        else cal.hashrate.elasticity
    )
    lhp = list(cal.recent_log_hashprice[-(L + 1) :])
    lh = math.log(cal.last_hashrate_th_s)
    log_hash = np.empty(M)
    for i in range(M):
        x = float(hashprice_regressor(np.asarray([*lhp[-(L + 1) :], 0.0]), L)[-1])
        lh = lh + a + beta * x
        log_hash[i] = lh
        lhp.append(math.log(price[i]) - lh + math.log(subsidy_m[i] + fees[i]))
    hashrate = np.exp(log_hash)
    if spec.network_hashrate_th_s is not None:
        hashrate *= spec.network_hashrate_th_s / hashrate[gap]
    # map to the requested periods
    pos = (pd.PeriodIndex(periods.asfreq("M"), freq="M") - months[0]).map(lambda o: o.n)
    idx = np.asarray(pos, dtype=np.int64)
    if periods.freqstr.startswith("M"):
        subsidy = subsidy_m[idx]
    else:
        subsidy = period_subsidy_btc(periods, h0, d0, spec.blocks_per_day)
        # daily price center: interpolate the monthly growth inside each month
        day_frac = (np.asarray(periods.day, dtype=np.float64) - 0.5) / np.asarray(
            periods.days_in_month, dtype=np.float64
        )
        prev = np.concatenate([[cal.last_price_usd], price])[idx]
        price_d = prev * (price[idx] / prev) ** day_frac
        return price_d, hashrate[idx], fees[idx], subsidy, later
    return price[idx], hashrate[idx], fees[idx], subsidy, later
