"""A site's grid connection: its machines mine only from the day the load is connected.

``[[sites]] connection_date`` is the day the site's load was (or will be) connected to
the grid. A site connected after the first month valued mines nothing before that day and
the share of the month's days from it on in its month of connection, in ``pivot``,
``simulate`` and ``optimize`` alike (its mining MW scaled by :func:`connected_share`: the
revenue, power, energy, BTC and mining costs of those months; its cash SG&A and, in
``simulate``, its machines' depreciation and its own non-cash items likewise). It
replaces no machines in a month it is not wholly connected
(:func:`~hashpivot.engines.pivot.fleet.site_market`), mining's terminal value takes its
final year over the months connected, no hall goes into service before it
(:func:`after_connection`, :func:`earliest_build_start`), and the machines a conversion
displaces keep their resale value. With no mining to lose at such a site, the optimizer
would displace the tranche worth most at resale first; it is held to ``pivot``'s order,
least efficient first
(:func:`hashpivot.optimize.displacement_order.least_efficient_first`), so both value such a
plan alike (they differed by 0.6 % of the plan's value on the example with a
connection at the horizon's end until 2026-12-05). ``backtest`` and
``cost --date`` leave the site out on the days before it, machines, depreciation and
cost items (:meth:`hashpivot.models.Site.connected_on`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray

if TYPE_CHECKING:
    from hashpivot.engines.pivot.site_inputs import SiteInputs
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
    # the engines ask for the same site and months many times (each valuation, each
    # tornado variant): the share is computed once per site, first month and length
    if periods.freqstr != "M":
        raise ValueError(f"monthly periods expected, got {periods.freqstr}")
    return _share(connection_date, str(periods[0]), n)


@functools.lru_cache(maxsize=256)
def _share(connection_date: str, first_month: str, n: int) -> FloatArray:
    """:func:`connected_share` of ``n`` months from ``first_month`` (read-only)."""
    periods = pd.period_range(first_month, periods=n, freq="M")
    day = pd.Timestamp(connection_date)
    first = periods.to_timestamp(how="start")
    days = np.asarray(periods.days_in_month, dtype=np.float64)
    after = np.asarray((first + pd.to_timedelta(days, unit="D") - day).days, dtype=np.float64)
    out = np.asarray(np.clip(after / days, 0.0, 1.0), dtype=np.float64)
    out.flags.writeable = False
    return out


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
                     last: pd.Period | None = None) -> tuple[list[Strategy], list[str]]:
    """The strategies with each hall that would go into service before its site is
    connected started later, so it goes into service on the first whole month connected,
    and a note per strategy changed (``pivot`` and ``simulate``; ``optimize`` starts no
    hall earlier, :func:`earliest_build_start`).

    A hall whose construction would then start after ``last`` (the horizon's last month:
    its site connects too late) is left out: nothing runs at such a site in the valuation,
    mining or hosting. A ``convert_<mw>mw_<start>`` strategy moved is named after its new
    first start.

    Parameters
    ----------
    strategies : sequence of Strategy
        As built (:func:`~hashpivot.engines.pivot.strategies.build_strategies`).
    sites : sequence of SiteInputs
        The valued sites (``connection_date``, ``hosting.construction_months``).
    last : pandas.Period, optional
        The horizon's last month; None: no hall is left out.

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
            if site is None or earliest is None or ph.start >= earliest:
                phases.append(ph)
                continue
            if last is not None and earliest > last:
                moved.append(f"{ph.gross_mw:,.1f} MW at {ph.site!r} left out (connected "
                             f"{site.connection_date}, after the horizon's last month "
                             f"{last}, less the build)")
                continue
            moved.append(f"{ph.gross_mw:,.1f} MW at {ph.site!r} from {ph.start} to "
                         f"{earliest} (connected {site.connection_date})")
            phases.append(dataclasses.replace(ph, start=earliest))
        if moved:
            name = strategy.name
            if re.fullmatch(r"convert_.+mw_\d{4}-\d{2}", name) and phases:
                name = f"{name[:-7]}{min(ph.start for ph in phases).strftime('%Y-%m')}"
            notes.append(
                f"{name}: a hall cannot go into service before its site is connected; "
                f"construction starts later: {'; '.join(moved)}")
            strategy = dataclasses.replace(  # (phases in order of start, as built)
                strategy, name=name, phases=tuple(sorted(phases, key=lambda ph: ph.start)))
        out.append(strategy)
    return out, notes
