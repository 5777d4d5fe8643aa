"""Calibration of the stochastic market model on history (pure functions, no I/O).

Every estimator here takes pandas objects and returns numbers; the engines load the bundled
data (:func:`hashpivot.io.load_btc_daily`, ERCOT prices) and pass it in.

Estimators
----------
BTC price (GBM)
    From daily log returns ``r`` over the window (BTC trades every day, 365.25 per year):
    ``sigma = std(r) * sqrt(365.25)`` and ``mu = mean(r) * 365.25 + sigma**2 / 2`` (the
    arithmetic drift of ``dS/S = mu dt + sigma dW``). Standard errors:
    ``se(mu) ~= sigma / sqrt(T_years)`` and ``se(sigma) ~= sigma / sqrt(2 n)``.
Block bootstrap
    Monthly log returns of month-end prices over the window, resampled in blocks.
Network hashrate (OLS on monthly means)
    ``dlogH_t = a + beta * x_t + e_t`` where ``dlogH_t = log H_t - log H_{t-1}`` (monthly
    mean hashrate) and ``x_t = (log HP_{t-1} - log HP_{t-1-L}) / L`` is the average monthly
    change of log hashprice over the previous ``L`` months, with
    ``log HP = log price - log H + log(subsidy + fees)`` (hashprice up to a constant).
    ``a`` is the trend per month, ``beta`` the elasticity [-], ``std(e)`` the noise per
    month; the price-hashrate shock correlation is ``corr(e_t, r_t - mean r)`` with ``r_t``
    the same month's log change of the monthly mean price. On 2016-01..2025-09 with L = 3:
    ``a ~= 0.062``/month, ``beta ~= 0.10`` (s.e. 0.06), noise ~= 0.28/sqrt(year),
    correlation ~= 0.24.
Fees
    Level = median of the last 12 monthly means of fees per block in the window; sigma =
    standard deviation of ``log(fees_month) - log(trailing 12-month median)``. A history
    center takes the level to its mean, ``level exp(sigma^2 / 2)``
    (:func:`hashpivot.scenarios.centering.history_center`), the draws' center.
Power price (monthly average of an index)
    :mod:`hashpivot.scenarios.power_calibration` (:func:`fit_power`, re-exported here).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.exceptions import DataError
from hashpivot.scenarios.power_calibration import DEFAULT_POWER_FIT, PowerFit, fit_power

DAYS_PER_YEAR = 365.25


# --------------------------------------------------------------------------------------
# monthly history
# --------------------------------------------------------------------------------------
def monthly_history(daily: pd.DataFrame) -> pd.DataFrame:
    """Monthly means of the daily BTC table.

    Parameters
    ----------
    daily : pandas.DataFrame
        Indexed by day, columns ``price_usd`` [USD], ``hashrate_th_s`` [TH/s],
        ``fees_btc_per_block`` [BTC], ``subsidy_btc_per_block`` [BTC].

    Returns
    -------
    pandas.DataFrame
        Indexed by a monthly ``PeriodIndex``: the means of those columns plus
        ``price_end_usd`` (last price of the month) [USD] and ``log_hashprice`` (log of
        ``price * (subsidy + fees) / hashrate``, hashprice up to a constant) [-].
        Months with fewer than 20 days of data are dropped (a partial last month).
    """
    cols = ["price_usd", "hashrate_th_s", "fees_btc_per_block", "subsidy_btc_per_block"]
    missing = [c for c in cols if c not in daily.columns]
    if missing:
        raise DataError(f"daily BTC table lacks column(s): {', '.join(missing)}")
    d = daily[cols].dropna()
    if d.empty:
        raise DataError("daily BTC table has no complete row in the calibration window")
    idx = pd.DatetimeIndex(d.index).to_period("M")
    g = d.groupby(idx)
    m = g.mean()
    m["price_end_usd"] = g["price_usd"].last()
    m = m[g.size() >= 20]
    m.index = pd.PeriodIndex(m.index, freq="M")
    m["log_hashprice"] = (
        np.log(m["price_usd"])
        - np.log(m["hashrate_th_s"])
        + np.log(m["subsidy_btc_per_block"] + m["fees_btc_per_block"])
    )
    return m


# --------------------------------------------------------------------------------------
# BTC price
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GbmFit:
    """GBM parameters estimated from log returns.

    Attributes
    ----------
    drift_per_year : float
        Arithmetic drift ``mu``. [1/year]
    volatility_per_year : float
        Volatility ``sigma``. [1/sqrt(year)]
    drift_se_per_year : float
        Standard error of ``mu``: ``sigma / sqrt(T)``. [1/year]
    volatility_se_per_year : float
        Standard error of ``sigma``: ``sigma / sqrt(2 n)``. [1/sqrt(year)]
    n_returns : int
        Number of returns used. [-]
    """

    drift_per_year: float
    volatility_per_year: float
    drift_se_per_year: float
    volatility_se_per_year: float
    n_returns: int


def fit_gbm(log_returns: FloatArray | pd.Series, periods_per_year: float) -> GbmFit:
    """Fit a GBM to log returns sampled at a fixed step.

    Parameters
    ----------
    log_returns : array_like
        Log returns ``log(S_t / S_{t-1})``. [-]
    periods_per_year : float
        Steps per year (365.25 for daily BTC, 12 for monthly). [1/year]

    Returns
    -------
    GbmFit
        ``sigma = std(r, ddof=1) sqrt(k)``, ``mu = mean(r) k + sigma**2 / 2``.
    """
    r = np.asarray(log_returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size < 3:
        raise DataError(f"need at least 3 returns to fit a GBM, got {r.size}")
    sigma = float(np.std(r, ddof=1) * math.sqrt(periods_per_year))
    mu = float(np.mean(r) * periods_per_year + sigma**2 / 2)
    years = r.size / periods_per_year
    return GbmFit(
        drift_per_year=mu,
        volatility_per_year=sigma,
        drift_se_per_year=sigma / math.sqrt(years),
        volatility_se_per_year=sigma / math.sqrt(2 * r.size),
        n_returns=int(r.size),
    )


# --------------------------------------------------------------------------------------
# network hashrate
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HashrateFit:
    """OLS of monthly log-hashrate growth on the lagged log-hashprice change.

    Attributes
    ----------
    trend_per_month : float
        Intercept ``a``. [1/month]
    elasticity : float
        Slope ``beta``. [-]
    elasticity_se : float
        OLS standard error of ``beta``. [-]
    noise_per_month : float
        Residual standard deviation. [1/sqrt(month)]
    price_correlation : float
        Correlation of the residual with the same month's price log change. [-]
    lag_months : int
        ``L``. [month]
    n_months : int
        Observations used. [-]
    """

    trend_per_month: float
    elasticity: float
    elasticity_se: float
    noise_per_month: float
    price_correlation: float
    lag_months: int
    n_months: int


def hashprice_regressor(log_hashprice: FloatArray | pd.Series, lag_months: int) -> FloatArray:
    """``x_t = (log HP_{t-1} - log HP_{t-1-L}) / L`` (NaN where not available). [-]"""
    lhp = np.asarray(log_hashprice, dtype=np.float64)
    x = np.full(lhp.shape, np.nan)
    L = lag_months
    if lhp.size > L + 1:
        x[L + 1 :] = (lhp[L:-1] - lhp[: -L - 1]) / L
    return x


def fit_hashrate_response(monthly: pd.DataFrame, lag_months: int) -> HashrateFit:
    """Regress monthly log-hashrate growth on the lagged average log-hashprice change.

    Parameters
    ----------
    monthly : pandas.DataFrame
        From :func:`monthly_history`.
    lag_months : int
        ``L`` >= 1. [month]

    Returns
    -------
    HashrateFit
        See the module docstring for the regression.
    """
    if lag_months < 1:
        raise ValueError("lag_months must be >= 1")
    lh = np.log(monthly["hashrate_th_s"].to_numpy(np.float64))
    lp = np.log(monthly["price_usd"].to_numpy(np.float64))
    y = np.full(lh.shape, np.nan)
    y[1:] = np.diff(lh)
    rp = np.full(lp.shape, np.nan)
    rp[1:] = np.diff(lp)
    x = hashprice_regressor(monthly["log_hashprice"].to_numpy(np.float64), lag_months)
    ok = np.isfinite(y) & np.isfinite(x) & np.isfinite(rp)
    n = int(ok.sum())
    if n < 12:
        raise DataError(
            f"need at least 12 months to calibrate the hashrate response, got {n} "
            f"(widen the calibration window)"
        )
    A = np.column_stack([np.ones(n), x[ok]])
    coef, *_ = np.linalg.lstsq(A, y[ok], rcond=None)
    resid = y[ok] - A @ coef
    s2 = float(resid @ resid) / (n - 2)
    cov = s2 * np.linalg.inv(A.T @ A)
    rpc = rp[ok] - rp[ok].mean()
    denom = float(np.sqrt((resid @ resid) * (rpc @ rpc)))
    corr = float(resid @ rpc) / denom if denom > 0 else 0.0
    return HashrateFit(
        trend_per_month=float(coef[0]),
        elasticity=float(coef[1]),
        elasticity_se=float(math.sqrt(cov[1, 1])),
        noise_per_month=float(math.sqrt(s2)),
        price_correlation=corr,
        lag_months=lag_months,
        n_months=n,
    )


# --------------------------------------------------------------------------------------
# fees
# --------------------------------------------------------------------------------------
def fit_fees(monthly: pd.DataFrame) -> tuple[float, float]:
    """Fee level and lognormal sigma from monthly mean fees per block.

    Returns
    -------
    level_btc_per_block : float
        Median of the last 12 monthly means. [BTC]
    sigma : float
        Std of ``log(fees) - log(trailing 12-month median)``. [-]
    """
    f = monthly["fees_btc_per_block"].astype(float)
    f = f[f > 0]
    if f.empty:
        raise DataError("no positive fees in the calibration window")
    level = float(f.iloc[-12:].median())
    trailing = f.rolling(12, min_periods=12).median().shift(1)
    dev = (np.log(f) - np.log(trailing)).dropna()
    sigma = float(dev.std(ddof=1)) if len(dev) >= 3 else 0.5
    return level, sigma


# --------------------------------------------------------------------------------------
# the whole calibration
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarketCalibration:
    """Everything estimated from the history window (echoed in results).

    Attributes
    ----------
    window_start, window_end : datetime.date
        Calibration window actually used.
    gbm : GbmFit
        Daily-return GBM fit.
    monthly_log_returns : ndarray
        Month-end log returns of the window (the bootstrap pool). [-]
    hashrate : HashrateFit
        Hashrate response OLS.
    fees_btc_per_block : float
        Fee level. [BTC]
    fees_sigma : float
        Lognormal sigma of monthly fees. [-]
    last_month : pandas.Period
        Last complete month of the window.
    last_price_usd : float
        Mean price of the last month. [USD]
    last_hashrate_th_s : float
        Mean network hashrate of the last month. [TH/s]
    last_height : int or None
        Height at the end of the last day with one. [blocks]
    last_height_date : datetime.date or None
        Day of ``last_height``.
    recent_log_hashprice : ndarray
        The last ``lag + 1`` monthly log hashprices (pre-history of the response). [-]
    """

    window_start: dt.date
    window_end: dt.date
    gbm: GbmFit
    monthly_log_returns: FloatArray
    hashrate: HashrateFit
    fees_btc_per_block: float
    fees_sigma: float
    last_month: pd.Period
    last_price_usd: float
    last_hashrate_th_s: float
    last_height: int | None
    last_height_date: dt.date | None
    recent_log_hashprice: FloatArray

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary of the estimates."""
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "btc_drift_per_year": self.gbm.drift_per_year,
            "btc_drift_se_per_year": self.gbm.drift_se_per_year,
            "btc_volatility_per_year": self.gbm.volatility_per_year,
            "btc_volatility_se_per_year": self.gbm.volatility_se_per_year,
            "hashrate_trend_per_year": self.hashrate.trend_per_month * 12,
            "hashrate_elasticity": self.hashrate.elasticity,
            "hashrate_elasticity_se": self.hashrate.elasticity_se,
            "hashrate_volatility_per_year": self.hashrate.noise_per_month * math.sqrt(12),
            "price_hashrate_correlation": self.hashrate.price_correlation,
            "hashrate_lag_months": self.hashrate.lag_months,
            "fees_btc_per_block": self.fees_btc_per_block,
            "fees_lognormal_sigma": self.fees_sigma,
            "last_month": str(self.last_month),
            "last_price_usd": self.last_price_usd,
            "last_hashrate_th_s": self.last_hashrate_th_s,
        }


def calibrate_market(daily: pd.DataFrame, lag_months: int = 3) -> MarketCalibration:
    """Calibrate price, hashrate and fee models on a daily BTC table window.

    Parameters
    ----------
    daily : pandas.DataFrame
        Daily BTC table over the calibration window (see
        :func:`hashpivot.io.load_btc_daily`): ``price_usd``, ``hashrate_th_s``,
        ``fees_btc_per_block``, ``subsidy_btc_per_block`` and optionally ``height_end``.
    lag_months : int
        Window ``L`` of the hashrate response. [month]

    Returns
    -------
    MarketCalibration
    """
    d = daily.dropna(subset=["price_usd"])
    if len(d) < 400:
        raise DataError(
            f"calibration window has {len(d)} days of prices; need at least 400 "
            "(about 13 months)"
        )
    r_daily = np.diff(np.log(d["price_usd"].to_numpy(np.float64)))
    gbm = fit_gbm(r_daily, DAYS_PER_YEAR)
    monthly = monthly_history(d)
    r_month = np.diff(np.log(monthly["price_end_usd"].to_numpy(np.float64)))
    hr = fit_hashrate_response(monthly, lag_months)
    fee_level, fee_sigma = fit_fees(monthly)
    last_height: int | None = None
    last_height_date: dt.date | None = None
    if "height_end" in d.columns:
        h = pd.to_numeric(d["height_end"], errors="coerce").dropna()
        if not h.empty:
            last_height = int(h.iloc[-1])
            last_height_date = pd.Timestamp(h.index[-1]).date()
    lhp = monthly["log_hashprice"].to_numpy(np.float64)
    return MarketCalibration(
        window_start=pd.Timestamp(d.index[0]).date(),
        window_end=pd.Timestamp(d.index[-1]).date(),
        gbm=gbm,
        monthly_log_returns=r_month,
        hashrate=hr,
        fees_btc_per_block=fee_level,
        fees_sigma=fee_sigma,
        last_month=monthly.index[-1],
        last_price_usd=float(monthly["price_usd"].iloc[-1]),
        last_hashrate_th_s=float(monthly["hashrate_th_s"].iloc[-1]),
        last_height=last_height,
        last_height_date=last_height_date,
        recent_log_hashprice=lhp[-(lag_months + 1) :].copy(),
    )


__all__ = [
    "DAYS_PER_YEAR",
    "DEFAULT_POWER_FIT",
    "GbmFit",
    "HashrateFit",
    "MarketCalibration",
    "PowerFit",
    "calibrate_market",
    "fit_fees",
    "fit_gbm",
    "fit_hashrate_response",
    "fit_power",
    "hashprice_regressor",
    "monthly_history",
]
