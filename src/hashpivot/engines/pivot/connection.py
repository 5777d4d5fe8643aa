"""A site's grid connection: its machines mine only from the day the load is connected.

``[[sites]] connection_date`` is the day the site's load was (or will be) connected to
the grid. A site connected after the first month valued mines nothing before that day and
the share of the month's days from it on in its month of connection, in ``pivot``,
``simulate`` and ``optimize`` alike (its mining MW scaled by :func:`connected_share`: the
revenue, power, energy, BTC, mining costs and fleet replacement of those months; its cash
SG&A and, in ``simulate``, its machines' depreciation likewise); the machines it would
sell when a conversion displaces them keep their resale value. ``backtest`` and
``cost --date`` leave the site out on the days before it, machines, depreciation and
cost items (:meth:`hashpivot.models.Site.connected_on`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray

if TYPE_CHECKING:
    from hashpivot.engines.pivot.inputs import SiteInputs
    from hashpivot.engines.pivot.strategies import Strategy

__all__ = ["after_connection", "connected_share", "earliest_build_start",
           "first_connected_month"]


def connected_share(connection_date: str | None, periods: pd.PeriodIndex) -> FloatArray:
    """Share of each month's days on which the site is connected.

    Parameters
    ----------
    connection_date : str or None
        ``YYYY-MM-DD``, the first day connected; None: connected throughout.
    periods : pandas.PeriodIndex
        Monthly periods valued.

    Returns
    -------
    ndarray (T,)
        1 in the months from the connection on, 0 before it, and in the month of the
        connection its days from that day on over the month's days. [-]
    """
    n = len(periods)
    if connection_date is None or n == 0:
        return np.ones(n)
    day = pd.Timestamp(connection_date)
    first = periods.to_timestamp(how="start")
    days = np.asarray(periods.days_in_month, dtype=np.float64)
    after = np.asarray((first + pd.to_timedelta(days, unit="D") - day).days, dtype=np.float64)
    return np.asarray(np.clip(after / days, 0.0, 1.0), dtype=np.float64)


def first_connected_month(connection_date: str | None) -> pd.Period | None:
    """The first whole month a site is connected: the month of ``connection_date`` when it
    is the 1st, else the next; None without a date (connected throughout)."""
    if connection_date is None:
        return None
    day = pd.Timestamp(connection_date)
    month = day.to_period("M")
    return month if day.day == 1 else month + 1


def earliest_build_start(connection_date: str | None,
                         construction_months: int) -> pd.Period | None:
    """The first month a hall's construction may start so that it goes into service (its
    construction done) in a whole month the site is connected: a hall draws power; None
    without a date."""
    month = first_connected_month(connection_date)
    return None if month is None else month - int(construction_months)


def after_connection(strategies: Sequence[Strategy], sites: Sequence[SiteInputs],
                     ) -> tuple[list[Strategy], list[str]]:
    """The strategies with each hall that would go into service before its site is
    connected started later, so it goes into service on the first whole month connected,
    and a note per strategy moved (``pivot`` and ``simulate``; ``optimize`` starts no hall
    earlier, :func:`earliest_build_start`).

    Parameters
    ----------
    strategies : sequence of Strategy
        As built (:func:`~hashpivot.engines.pivot.strategies.build_strategies`).
    sites : sequence of SiteInputs
        The valued sites (``connection_date``, ``hosting.construction_months``).

    Returns
    -------
    strategies : list of Strategy
    notes : list of str
    """
    by_name = {s.name: s for s in sites}
    out: list[Strategy] = []
    notes: list[str] = []
    for strategy in strategies:
        phases = []
        moved: list[str] = []
        for ph in strategy.phases:
            site = by_name.get(ph.site)
            earliest = None if site is None else earliest_build_start(
                site.connection_date, int(site.hosting.construction_months))
            if earliest is not None and ph.start < earliest:
                moved.append(f"{ph.gross_mw:,.1f} MW at {ph.site!r} from {ph.start} to "
                             f"{earliest} (connected {site.connection_date})"
                             if site is not None else "")
                ph = dataclasses.replace(ph, start=earliest)
            phases.append(ph)
        if moved:
            strategy = dataclasses.replace(strategy, phases=tuple(phases))
            notes.append(
                f"{strategy.name}: a hall cannot go into service before its site is "
                f"connected; construction starts later: {'; '.join(moved)}")
        out.append(strategy)
    return out, notes
