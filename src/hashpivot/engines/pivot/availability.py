"""When a block of a site's machines runs in the forward engines: installed and connected.

A ``[[sites.fleet]]`` entry's ``start`` and ``end`` are the days its machines are
installed. ``pivot``, ``simulate`` and ``optimize`` mine each entry (each tranche,
:mod:`~hashpivot.engines.pivot.tranches`) in the share of each month's days it is
installed and its site connected (:func:`running_share`): an expansion mines from its
start, machines retired at their end mine no more. A conversion displaces a site's
machines by their power at the meter whether installed yet or not, least efficient first
(the capacity a planned entry will use is kept for it), so the optimizer's tranches and
pivot's are the same blocks. Machines displaced before they are installed are not bought
(no purchase, no resale); machines retired at their ``end`` are not resold by the model.

A planned entry (``start`` after the first day valued) that gives ``capex_usd_per_th`` is
bought in the month of its start (:func:`purchase_month`): its purchase is paid then on
the MW not displaced by a conversion, as fleet capex, and is no recurring capex of the
terminal value. Without a purchase price it is counted as if already paid for (a note
says so: :mod:`hashpivot.engines.standing`).

Where the site's entries do not fit its ``capacity_mw`` all together
(:attr:`hashpivot.models.Site.fleet_fits_capacity`), those dated one after the other
share slots of the capacity in turn (a swap: :mod:`hashpivot.mining.slots`; a conversion
displaces the machines running now, and a later entry is bought on the MW it left); where
no slots fit, the entries are taken as they stand on the first month (each over the whole
horizon, the least efficient cut to the capacity), and a note says so.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.models.fleet import last_day

if TYPE_CHECKING:
    from hashpivot.engines.pivot.site_inputs import SiteInputs

__all__ = ["both_dated", "horizon_last_day", "installed_share", "month_span", "never_runs",
           "owned_share", "purchase_month", "retires_within", "running_share",
           "running_window"]

#: The spans of the periods last asked (:func:`month_span`), by identity: id -> (periods,
#: span), each kept alive with its entry so that no other object takes its id.
_SPANS: dict[int, tuple[pd.PeriodIndex, tuple[str, int]]] = {}
#: Periods :data:`_SPANS` holds at most (a run values a handful). [-]
_SPANS_HELD = 8


def month_span(periods: pd.PeriodIndex) -> tuple[str, int]:
    """The first month (``YYYY-MM``) and the number of monthly periods.

    Parameters
    ----------
    periods : pandas.PeriodIndex
        Monthly periods valued, at least one.

    Returns
    -------
    (str, int)
        The first month and the number of months: the key of the caches of the
        functions below, remembered for the last few periods asked (the engines ask it of
        the same periods for every block of a fleet, and a swap's blocks number up to the
        square of its entries: :mod:`~hashpivot.mining.slots`).

    Raises
    ------
    ValueError
        Where the periods are not monthly.
    """
    held = _SPANS.get(id(periods))
    if held is not None and held[0] is periods:
        return held[1]
    if periods.freqstr != "M":
        raise ValueError(f"monthly periods expected, got {periods.freqstr}")
    span = (str(periods[0]), len(periods))
    if len(_SPANS) >= _SPANS_HELD:
        _SPANS.clear()
    _SPANS[id(periods)] = (periods, span)
    return span


def installed_share(start: str | None, end: str | None, periods: pd.PeriodIndex
                    ) -> FloatArray:
    """Share of each month's days on which a fleet entry is installed.

    Parameters
    ----------
    start, end : str or None
        The entry's ``start`` and ``end`` (``YYYY-MM`` or ``YYYY-MM-DD``; a ``YYYY-MM`` end
        runs through that month); None: unbounded.
    periods : pandas.PeriodIndex
        Monthly periods valued.

    Returns
    -------
    ndarray (T,)
        In [0, 1], read-only. [-]
    """
    n = len(periods)
    if (start is None and end is None) or n == 0:
        return np.ones(n)
    return _installed(start, end, *month_span(periods))


@functools.lru_cache(maxsize=256)
def _installed(start: str | None, end: str | None, first_month: str, n: int) -> FloatArray:
    """:func:`installed_share` of ``n`` months from ``first_month`` (read-only)."""
    periods = pd.period_range(first_month, periods=n, freq="M")
    days = np.asarray(periods.days_in_month, dtype=np.float64)
    # in days from the first month's first day (a date past 2262 has no nanosecond
    # datetime: as one, 2999-12-31 wrapped to a day before the horizon, a review found)
    day0 = periods[0].start_time
    lo = np.concatenate([[0.0], np.cumsum(days)[:-1]])
    hi = lo + days  # the day after each month
    first = lo if start is None else np.maximum(lo, float((pd.Timestamp(start) - day0).days))
    last = hi
    stop = last_day(end)
    if stop is not None:
        last = np.minimum(hi, float((stop - day0).days + 1))
    on = last - first
    out = np.asarray(np.clip(on / days, 0.0, 1.0), dtype=np.float64)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=1024)
def both_dated(start_a: str | None, end_a: str | None, start_b: str | None,
               end_b: str | None) -> tuple[str | None, str | None]:
    """The days two dated spans share: the later ``start`` and the earlier ``end`` (each
    read as :func:`installed_share` reads it: a ``YYYY-MM`` end runs through that month;
    None: unbounded). The share of a month's days in both is :func:`installed_share` of
    the result, not the product of the two shares: a site connected on the 16th and an
    entry that ends on the 15th of the same month run together on none of its days.

    Returns
    -------
    (str or None, str or None)
        One of the two starts and one of the two ends, as given (cached: every block of
        a fleet asks it again).
    """
    start = start_a if start_b is None else start_b if start_a is None else (
        start_a if pd.Timestamp(start_a) >= pd.Timestamp(start_b) else start_b)
    last_a, last_b = last_day(end_a), last_day(end_b)
    end = end_a if last_b is None else end_b if last_a is None else (
        end_a if last_a <= last_b else end_b)
    return start, end


def running_window(site: SiteInputs) -> tuple[str | None, str | None]:
    """The days a block of machines runs: installed (``site.installed``, its entry's
    dates) and the site connected (``connection_date`` on), as :func:`both_dated`."""
    return both_dated(site.connection_date, None, *site.installed)


def running_share(site: SiteInputs, periods: pd.PeriodIndex) -> FloatArray:
    """Share of each month's days a block of machines runs: installed (``site.installed``,
    its entry's dates) and the site connected (``connection_date``), both on the same
    days (:func:`running_window`). [-]"""
    if site.installed == (None, None):
        return connected_share(site.connection_date, periods)
    return installed_share(*running_window(site), periods)


def purchase_month(site: SiteInputs, periods: pd.PeriodIndex) -> int | None:
    """Index of the month a planned block's machines are bought: the month of its start
    when that day comes after the first day valued and the entry gives a purchase price
    (``purchase_usd_per_th``); None otherwise (bought before, no price given, or never
    running: its ``end`` before its site's connection)."""
    start = site.installed[0]
    if start is None or site.purchase_usd_per_th <= 0 or len(periods) == 0:
        return None
    if never_runs(site):
        return None  # (it ends before its site connects): not bought
    return _start_month(start, *month_span(periods))


@functools.lru_cache(maxsize=256)
def _start_month(start: str, first_month: str, n: int) -> int | None:
    """:func:`purchase_month` of a block starting on ``start``, ``n`` months from
    ``first_month``: the index of its start's month where it starts after the first
    month's first day and within the months."""
    day = pd.Timestamp(start)
    first = pd.Period(first_month, "M")
    if day <= first.start_time:
        return None
    k = (day.to_period("M") - first).n
    return k if k < n else None


def never_runs(site: SiteInputs) -> bool:
    """Whether a block's machines never run: its entry ends before its site connects
    (:func:`running_window` holds no day)."""
    return _ends_before(*running_window(site))


@functools.lru_cache(maxsize=256)
def _ends_before(first: str | None, end: str | None) -> bool:
    """Whether ``end`` (read by :func:`last_day`) comes before the day ``first``."""
    stop = last_day(end)
    return stop is not None and first is not None and stop < pd.Timestamp(first)


def owned_share(installed: FloatArray, bought_in: int | None, never: bool = False
                ) -> FloatArray:
    """Share of each month a block's machines are the operator's to resell when a
    conversion displaces them: ``installed`` (:func:`installed_share`), but none in month
    ``bought_in`` (:func:`purchase_month`: the MW displaced then are not bought), and
    none at all where they ``never`` run (:func:`never_runs`: neither bought nor sold).
    [-]"""
    if never:
        return np.zeros_like(installed)
    if bought_in is None:
        return installed
    out = np.array(installed, dtype=np.float64)
    out[bought_in] = 0.0
    return out


def retires_within(site: SiteInputs, periods: pd.PeriodIndex) -> bool:
    """Whether a block's machines leave before the horizon's last day (its entry's
    ``end``): they then mine on in no terminal value and are not replaced."""
    stop = last_day(site.installed[1])
    if stop is None or len(periods) == 0:
        return False
    return bool(stop < horizon_last_day(*month_span(periods)))


@functools.lru_cache(maxsize=64)
def horizon_last_day(first_month: str, n: int) -> pd.Timestamp:
    """The last day of the ``n`` months from ``first_month`` (:func:`month_span`), at
    midnight."""
    return (pd.Period(first_month, "M") + (n - 1)).end_time.normalize()
