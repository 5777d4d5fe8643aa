"""Time alignment of auxiliary series to the price intervals of a dispatch run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.power.intervals import FloatArray, constant_series

__all__ = ["align_to_index", "interval_hours_of", "localize_times", "price_gaps_of"]


#: Consecutive steps of one length other than the median that make a part of a price
#: series at another interval length (an error), not missing rows (a note). [-]
MAX_RUN_OFF_MEDIAN = 24


def interval_hours_of(index: pd.DatetimeIndex) -> tuple[FloatArray, int]:
    """Interval lengths of a regular price index and the number of gaps found.

    Every interval gets the median step (a regular series); steps that differ from it are
    counted as gaps (missing or extra intervals in the price data), but a run of
    :data:`MAX_RUN_OFF_MEDIAN` or more consecutive steps of one other length is a part of
    the series at another interval length (an error: each would count the median step).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts, tz-aware.

    Returns
    -------
    interval_hours : numpy.ndarray
        [h]
    n_gaps : int
    """
    if len(index) < 2:
        raise InputError(Problem(path="prices", message="need at least two price intervals"))
    steps, step = _steps_hours(index)
    if step <= 0:
        raise InputError(Problem(path="prices", message="price timestamps are not increasing"))
    off = np.abs(steps - step) > 1e-9
    n_gaps = int(np.sum(off))
    run_start, run = _longest_run(steps, off)
    if run >= MAX_RUN_OFF_MEDIAN:
        # not missing rows (each a step of its own) but a part at another interval
        # length: each row would count the median step (a file turning from 60-minute to
        # 15-minute rows lost 3/4 of its hourly energy)
        raise InputError(Problem(path="prices", message=(
            f"the price intervals are not of one length: {run:,} steps in a row of "
            f"{60 * steps[run_start]:g} minutes from {index[run_start]}, where the median "
            f"step is {60 * step:g} minutes; resample the file to one interval")))
    return constant_series(step, len(index)), n_gaps


def _steps_hours(index: pd.DatetimeIndex) -> tuple[FloatArray, float]:
    """The steps between consecutive stamps of ``index`` and their median. [h]"""
    steps = np.diff(index.as_unit("ns").asi8) / 3.6e12
    return steps, float(np.median(steps))


def price_gaps_of(index: pd.DatetimeIndex) -> dict[str, Any]:
    """Where a price index of two stamps or more misses intervals: the steps longer than
    its median (gaps), the time they miss and the first one's span, as the dispatch
    summary reports them (the note of :func:`interval_hours_of`'s irregular steps).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts, tz-aware, increasing.

    Returns
    -------
    dict
        ``price_missing_gaps`` [-]; ``price_missing_hours``, the gaps' length less one
        median step each [h]; with a gap, ``price_gap_first_start`` (its first interval
        missing: the stamp before it plus the median step) and ``price_gap_first_end``
        (the next stamp present), as text in the index's time zone.
    """
    steps, step = _steps_hours(index)
    gaps = np.flatnonzero(steps - step > 1e-9)
    out: dict[str, Any] = {"price_missing_gaps": int(gaps.size),
                           "price_missing_hours": float((steps[gaps] - step).sum())}
    if gaps.size:
        first = int(gaps[0])
        out["price_gap_first_start"] = str(index[first] + pd.Timedelta(hours=step))
        out["price_gap_first_end"] = str(index[first + 1])
    return out


def align_to_index(
    series: pd.Series, index: pd.DatetimeIndex, what: str, field: str = ""
) -> FloatArray:
    """Values of a time series at each interval of ``index`` (mean over finer data,
    forward fill of coarser data); error if part of ``index`` is not covered.

    Parameters
    ----------
    series : pandas.Series
        tz-aware time series (profile, probability, emissions factor...).
    index : pandas.DatetimeIndex
        Target interval starts.
    what : str
        Name for error messages.
    field : str
        Input field path the series comes from (``dispatch.emissions_file``), if any.

    Returns
    -------
    numpy.ndarray
    """
    from hashpivot.power.resample import resample_prices

    try:
        s = series.sort_index()
        sidx = pd.DatetimeIndex(s.index)
        s.index = sidx.tz_localize(index.tz) if sidx.tz is None else sidx.tz_convert(index.tz)
        step = pd.Timedelta(hours=float(interval_hours_of(index)[0][0]))
        own = pd.Timedelta(pd.Series(s.index).diff().median()) if len(s) > 1 else step
        if len(s) > 1 and own != step:
            s = resample_prices(s, pd.tseries.frequencies.to_offset(step).freqstr)
        tolerance = own if own > step else step
        out = s.reindex(index, method="ffill", tolerance=tolerance)
    except (ValueError, TypeError, OverflowError, DataError) as exc:
        # duplicate or out-of-range timestamps (pandas holds 1677-2262), a bad layout
        raise InputError(
            Problem(
                path=field or what,
                message=f"cannot align the {what} to the price intervals: {exc}",
            )
        ) from None
    if out.isna().any():
        first = out.index[out.isna()][0]
        raise InputError(
            Problem(
                path=field or what,
                message=f"{what} does not cover the price intervals "
                f"({int(out.isna().sum())} missing, first {first})",
            )
        )
    return out.to_numpy(dtype=float)


def localize_times(times: list[dt.datetime], tz: Any) -> pd.DatetimeIndex:
    """Naive local times (the file's wall clock) or aware ones, in the market's zone."""
    idx = pd.DatetimeIndex(pd.to_datetime(list(times)))
    if idx.tz is None:
        return idx.tz_localize(tz, ambiguous=np.ones(len(idx), bool), nonexistent="shift_forward")
    return idx.tz_convert(tz)


def _longest_run(steps: FloatArray, off: npt.NDArray[np.bool_]) -> tuple[int, int]:
    """Where the longest run of consecutive equal steps off the median starts, and its
    length (``(0, 0)`` when no step is off). [-]"""
    if not off.any():
        return 0, 0
    change = np.ones(len(steps), dtype=bool)
    change[1:] = (steps[1:] != steps[:-1]) | (off[1:] != off[:-1])
    starts = np.flatnonzero(change)
    lengths = np.diff(np.append(starts, len(steps)))
    j = int(np.argmax(np.where(off[starts], lengths, 0)))
    return int(starts[j]), int(lengths[j])
