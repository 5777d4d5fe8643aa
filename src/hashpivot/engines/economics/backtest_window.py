"""A backtest's window: its first and last day, each given for the run or filled in by the
one rule the command line, the service and the library share.

- ``end``: default the latest day of the daily history (bundled, plus the days ``hashpivot
  data update`` fetched);
- ``start``: default a year before the end: the 365 days to it, the end included, from
  the history's first day at the earliest (and never after the end).

Each day's source is in the run's resolved assumptions (:meth:`BacktestWindow.rows`):
``run setting`` for a day given for the run, the rule's words for one filled in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

#: Days of the default window, the end included: a year to the end. [day]
DEFAULT_WINDOW_DAYS = 365
#: The source of a day given for the run (a command-line option, a run parameter).
RUN_SETTING = "run setting"
#: The source of a default start (what ``--start`` and the ``start`` field say).
DEFAULT_START = "default: a year before the end"
#: The source of a default end (what ``--end`` and the ``end`` field say).
DEFAULT_END = "default: the latest day of the data"
#: How a default start reads in full: the option's help and the field's description.
DEFAULT_START_TEXT = (f"{DEFAULT_START} ({DEFAULT_WINDOW_DAYS} days, the end included; not "
                      "before the data's first day)")
#: How a default end reads in full: the option's help and the field's description.
DEFAULT_END_TEXT = f"{DEFAULT_END} (bundled, or fetched by `hashpivot data update`)"
#: The days a window has, in its order.
WINDOW_DAYS = ("start", "end")


def default_start(end: dt.date, first_day: dt.date) -> dt.date:
    """The first day of a default window ending on ``end``.

    Parameters
    ----------
    end : datetime.date
        The window's last day. [day]
    first_day : datetime.date
        The daily history's first day. [day]

    Returns
    -------
    datetime.date
        ``end`` less 364 days (:data:`DEFAULT_WINDOW_DAYS` days, the end included), from
        ``first_day`` at the earliest; ``end`` itself when the history starts after it
        (the data check then refuses the end, not a start no one gave). [day]
    """
    return min(end, max(first_day, end - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)))


@dataclass(frozen=True)
class BacktestWindow:
    """A backtest's first and last day (ISO ``YYYY-MM-DD`` text, as given or filled in)
    and which of them the rule filled in (``defaults``: ``"start"``, ``"end"``)."""

    start: str
    end: str
    defaults: tuple[str, ...] = ()

    def source(self, day: str) -> str:
        """Where ``day`` (``"start"`` or ``"end"``) comes from: :data:`RUN_SETTING`, or the
        rule (:data:`DEFAULT_START`, :data:`DEFAULT_END`)."""
        if day not in self.defaults:
            return RUN_SETTING
        return DEFAULT_START if day == "start" else DEFAULT_END

    def rows(self) -> list[dict[str, Any]]:
        """The resolved assumptions' rows of the window: ``backtest start`` and ``backtest
        end``, each with its day and source."""
        return [{"name": f"backtest {day}", "value": getattr(self, day), "unit": "day",
                 "source": self.source(day)} for day in WINDOW_DAYS]


def backtest_window(start: str | None, end: str | None,
                    data_range: tuple[dt.date, dt.date] | None = None,
                    defaults: Collection[str] = ()) -> BacktestWindow:
    """The window of a backtest: the days given, the others by the rule.

    Parameters
    ----------
    start, end : str or None
        The days given for the run (ISO ``YYYY-MM-DD``, kept as given); None: the rule's.
    data_range : tuple of datetime.date, optional
        The daily history's first and last day; default the history's
        (:func:`hashpivot.io.btc_daily_range`), read only when a day is left to the rule.
    defaults : collection of str
        The days given that a caller filled in by this rule earlier (the service resolves
        its runs' windows when they are submitted): their source stays the rule's.

    Returns
    -------
    BacktestWindow
        The two days and which of them the rule gave.
    """
    filled = {day for day in WINDOW_DAYS if day in defaults}
    if start is None or end is None:
        if data_range is None:
            from hashpivot.io import btc_daily_range

            data_range = btc_daily_range()
        first, last = data_range
        if end is None:
            end, filled = last.isoformat(), filled | {"end"}
        if start is None:
            import pandas as pd

            start = default_start(pd.Timestamp(end).date(), first).isoformat()
            filled.add("start")
    return BacktestWindow(start, end, tuple(d for d in WINDOW_DAYS if d in filled))


__all__ = [
    "DEFAULT_END",
    "DEFAULT_END_TEXT",
    "DEFAULT_START",
    "DEFAULT_START_TEXT",
    "DEFAULT_WINDOW_DAYS",
    "RUN_SETTING",
    "WINDOW_DAYS",
    "BacktestWindow",
    "backtest_window",
    "default_start",
]
