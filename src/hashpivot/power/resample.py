"""Change the interval length of a power-price series (a pure transform).

A price series here is a :class:`pandas.Series` named ``price_usd_per_mwh`` [USD/MWh] and
indexed by tz-aware **interval starts** (index name ``interval_start``), as every reader in
:mod:`hashpivot.io` returns.
"""

from __future__ import annotations

import pandas as pd

from hashpivot.exceptions import DataError, InputError
from hashpivot.units import INDEX_NAME, PRICE_NAME

__all__ = ["INDEX_NAME", "PRICE_NAME", "resample_prices"]


def _median_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if len(index) < 2:
        raise DataError("a price series needs at least two intervals to infer its step")
    return pd.Timedelta(pd.Series(index).diff().median())


def resample_prices(series: pd.Series, freq: str) -> pd.Series:
    """Change the interval length of a price series.

    Coarser: mean price of the finer intervals in each new interval (bins aligned to local
    midnight; ``"D"`` gives local calendar days of 23, 24 or 25 hours). Finer: each
    interval's price is repeated (forward fill) over its sub-intervals, never across a gap.

    Parameters
    ----------
    series : pandas.Series
        Prices indexed by tz-aware interval starts. [USD/MWh]
    freq : str
        Target interval, e.g. ``"5min"``, ``"15min"``, ``"1h"``, ``"D"``.

    Returns
    -------
    pandas.Series
        Prices per new interval start. [USD/MWh]
    """
    if not isinstance(series.index, pd.DatetimeIndex):
        raise InputError("resample_prices needs a DatetimeIndex of interval starts")
    step = _median_step(series.index)
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick):
        target = pd.Timedelta(offset.nanos, unit="ns")
    elif isinstance(offset, pd.offsets.Day):
        target = pd.Timedelta(days=offset.n)
    else:
        target = pd.Timedelta(days=31)  # months and longer: always coarser
    attrs = dict(series.attrs)
    if target == step:
        out = series.copy()
    elif target > step:
        grouped = series.resample(offset)
        out = grouped.mean()[grouped.count() > 0]
    else:
        ratio = step / target
        if abs(ratio - round(ratio)) > 1e-9:
            raise InputError(f"cannot split {step} intervals into {freq} (not a divisor)")
        n = round(ratio)
        idx = pd.date_range(series.index[0], series.index[-1] + step - target, freq=target)
        out = series.reindex(idx, method="ffill", limit=n - 1).dropna()
    out.name = PRICE_NAME
    out.index.name = INDEX_NAME
    out.attrs = attrs
    if "kind" in attrs:
        out.attrs["kind"] = f"{attrs['kind']}->{freq}"
    return out
