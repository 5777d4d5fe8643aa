"""Calibration of the monthly index power price model on history (pure functions, no I/O).

From any time-indexed price Series: monthly base prices (non-spike days), spike lifts,
optional seasonality and an OU of the log base sampled monthly; see :func:`fit_power`.
The BTC market's estimators are :mod:`hashpivot.scenarios.calibration` (which re-exports
these names).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError


@dataclass(frozen=True)
class PowerFit:
    """Monthly index power price model (see the module docstring).

    Attributes
    ----------
    mean_usd_per_mwh : float
        Mean of the calibration series. [USD/MWh]
    mean_reversion_per_year : float
        OU speed ``kappa`` of the log monthly price deviation. [1/year]
    volatility_per_year : float
        OU volatility of the log monthly price deviation. [1/sqrt(year)]
    spike_probability_per_month : float
        Probability that a month spikes. [-]
    spike_mean_log : float
        Mean of the exponential jump of the log monthly price in a spike month. [-]
    seasonal_factors : tuple of 12 floats
        January..December multipliers of the mean (average 1). [-]
    """

    mean_usd_per_mwh: float
    mean_reversion_per_year: float
    volatility_per_year: float
    spike_probability_per_month: float
    spike_mean_log: float
    seasonal_factors: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the fields."""
        d = asdict(self)
        d["seasonal_factors"] = list(self.seasonal_factors)
        return d


#: Used when no power data is available and the user sets nothing: a moderately
#: persistent, moderately volatile monthly price (stationary sd ~ 0.17 in log) with
#: occasional spikes. Not a calibration: replace with data or user parameters.
DEFAULT_POWER_FIT = PowerFit(
    mean_usd_per_mwh=float("nan"),
    mean_reversion_per_year=6.0,
    volatility_per_year=0.6,
    spike_probability_per_month=0.05,
    spike_mean_log=0.3,
    seasonal_factors=(1.0,) * 12,
)


def fit_power(prices: pd.Series, spike_lift_threshold: float = 0.05) -> PowerFit:
    """Calibrate the monthly power model on a time-indexed price Series.

    Parameters
    ----------
    prices : pandas.Series
        Prices on a ``DatetimeIndex`` (any step: 15-min, hourly, daily), at least 90 days
        and 3 months. [USD/MWh]
    spike_lift_threshold : float
        A month counts as a spike month when its spike days lift its mean by more than this
        fraction. [-]

    Returns
    -------
    PowerFit

    Notes
    -----
    1. Daily means ``d``; *spike days*: ``d > Q3 + 3 IQR`` of the daily means.
    2. Per month: the *base* mean over the non-spike days, and the spike *lift*
       ``sum over spike days of (d - base) / days / base``; months with a lift above the
       threshold are spike months: ``p`` = their share, ``j`` = mean ``log(1 + lift)``
       over them (capped at 0.9).
    3. Seasonal factors: calendar-month means of the base divided by its mean, only with
       at least 24 months (one year cannot tell seasons from noise); else flat.
    4. The de-seasonalized log base ``b_i`` is the OU sampled monthly: its lag-1
       autocorrelation ``phi`` (clipped to [0.05, 0.95]) gives ``kappa = -12 log phi`` and
       its standard deviation ``s`` gives ``sigma = s sqrt(2 kappa)`` (stationary sd of an OU
       is ``sigma / sqrt(2 kappa)``).
    """
    m = monthly_log_base(prices, spike_lift_threshold)
    lb = m.log_base_deviation.to_numpy()
    sd = float(np.std(lb, ddof=1))
    if lb.size >= 4 and lb[:-1] @ lb[:-1] > 0:
        phi = float(np.clip((lb[:-1] @ lb[1:]) / (lb[:-1] @ lb[:-1]), 0.05, 0.95))
    else:
        phi = 0.5
    kappa = -12.0 * math.log(phi)
    return PowerFit(
        mean_usd_per_mwh=m.mean_usd_per_mwh,
        mean_reversion_per_year=kappa,
        volatility_per_year=sd * math.sqrt(2 * kappa),
        spike_probability_per_month=m.spike_probability_per_month,
        spike_mean_log=m.spike_mean_log,
        seasonal_factors=m.seasonal_factors,
    )


@dataclass(frozen=True)
class MonthlyBase:
    """Steps 1-3 of :func:`fit_power` and the de-seasonalized log base of step 4.

    Attributes
    ----------
    mean_usd_per_mwh : float
        Mean of the daily prices. [USD/MWh]
    spike_probability_per_month : float
        Share of the complete months that spike. [-]
    spike_mean_log : float
        Mean ``log(1 + lift)`` of the spike months (capped at 0.9; 0 without any). [-]
    seasonal_factors : tuple of 12 floats
        January..December factors of the base (flat under 24 months). [-]
    log_base_deviation : pandas.Series
        ``b_i``: the de-seasonalized log base of each complete month less its mean, on a
        monthly ``PeriodIndex``. [-]
    """

    mean_usd_per_mwh: float
    spike_probability_per_month: float
    spike_mean_log: float
    seasonal_factors: tuple[float, ...]
    log_base_deviation: pd.Series


def monthly_log_base(prices: pd.Series, spike_lift_threshold: float = 0.05) -> MonthlyBase:
    """The monthly base prices of :func:`fit_power` (its notes 1-3) and their
    de-seasonalized log deviation (note 4), by month; parameters as there.

    Raises
    ------
    DataError
        Fewer than 90 days, a non-positive mean, fewer than 3 complete months.
    """
    s = pd.Series(prices).astype(float).dropna()
    if not isinstance(s.index, pd.DatetimeIndex):
        raise DataError("power prices need a DatetimeIndex")
    if s.index.tz is not None:
        s.index = s.index.tz_localize(None)
    daily = s.resample("D").mean().dropna()
    if len(daily) < 90:
        raise DataError(f"need at least 90 days of power prices, got {len(daily)}")
    mean = float(daily.mean())
    if not mean > 0:
        raise DataError("power prices have a non-positive mean; cannot calibrate")
    q1, q3 = np.percentile(daily.to_numpy(), [25, 75])
    spike_day = daily > q3 + 3 * (q3 - q1)
    month = pd.DatetimeIndex(daily.index).to_period("M")
    base = daily[~spike_day].groupby(month[~spike_day]).mean()
    n_days = daily.groupby(month).size()
    excess = (daily - base.reindex(month).to_numpy()).where(spike_day, 0.0)
    lift = excess.groupby(month).sum() / n_days / base.reindex(n_days.index)
    lift = lift.fillna(0.0)
    ok = (base > 0).reindex(n_days.index, fill_value=False) & (n_days >= 20)
    base, lift = base[ok[ok].index], lift[ok]
    if len(base) < 3:
        raise DataError("need at least 3 complete months of power prices with a positive mean")
    spike_month = lift > spike_lift_threshold
    p_month = float(spike_month.mean())
    j = float(min(np.log1p(lift[spike_month]).mean(), 0.9)) if spike_month.any() else 0.0
    if len(base) >= 24:
        by_cal = base.groupby(base.index.month).mean()
        factors = np.ones(12)
        factors[by_cal.index.to_numpy() - 1] = by_cal.to_numpy() / by_cal.mean()
    else:
        factors = np.ones(12)
    lb = np.log(base.to_numpy() / factors[base.index.month - 1])
    lb = lb - lb.mean()
    return MonthlyBase(mean, p_month, j, tuple(float(f) for f in factors),
                       pd.Series(lb, index=base.index))


#: Overlapping complete months two markets need for their correlation to be fitted
#: (:func:`fit_power_correlation`). [month]
MIN_CORRELATION_MONTHS = 12


def fit_power_correlation(first: pd.Series, other: pd.Series,
                          spike_lift_threshold: float = 0.05) -> tuple[float, int] | None:
    """Correlation of two markets' monthly de-seasonalized log base deviations
    (:func:`monthly_log_base`, each on its own series) over their common complete months,
    and their number; None under :data:`MIN_CORRELATION_MONTHS` common months (or where
    either is constant over them).

    Parameters
    ----------
    first, other : pandas.Series
        Prices of the two markets on a ``DatetimeIndex``. [USD/MWh]
    spike_lift_threshold : float
        As :func:`fit_power`. [-]

    Returns
    -------
    (float, int) or None
        Pearson correlation [-] and the months it is fitted on [month].

    Notes
    -----
    The correlation of the monthly log price levels (net of spikes and season), taken as
    the correlation of the two OU innovations: equal where both markets have the same
    mean reversion, an approximation otherwise.
    """
    a = monthly_log_base(first, spike_lift_threshold).log_base_deviation
    b = monthly_log_base(other, spike_lift_threshold).log_base_deviation
    common = a.index.intersection(b.index)
    if len(common) < MIN_CORRELATION_MONTHS:
        return None
    x, y = a[common].to_numpy(), b[common].to_numpy()
    if not (np.std(x) > 0 and np.std(y) > 0):
        return None
    return float(np.corrcoef(x, y)[0, 1]), len(common)


__all__ = ["DEFAULT_POWER_FIT", "MIN_CORRELATION_MONTHS", "MonthlyBase", "PowerFit",
           "fit_power", "fit_power_correlation", "monthly_log_base"]
