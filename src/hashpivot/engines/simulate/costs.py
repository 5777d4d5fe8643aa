"""Portfolio cost items per month that the pivot model leaves out.

Non-cash costs (depreciation, stock-based compensation) enter the *total* reverse margin;
portfolio-level (corporate) cash costs are paid by the treasury.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.engines.pivot.availability import both_dated, installed_share
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.engines.simulate.task import FloatArray
from hashpivot.engines.standing import CORPORATE_NOT_CASH

if TYPE_CHECKING:
    from hashpivot.models import CostItem, FleetEntry, Portfolio


def noncash_cost_usd_per_month(portfolio: Portfolio, n_periods: int,
                               first: pd.Period | None = None) -> FloatArray:
    """Depreciation and stock-based compensation per month of a portfolio. [USD]

    Sums the cost items tagged ``depreciation`` or ``stock_based_compensation`` (site and
    portfolio level, ``usd_per_year / 12``, each between its ``start`` and ``end`` when
    ``first`` is given) and the straight-line depreciation of fleet
    entries that give ``capex_usd_per_th`` and ``depreciation_years``: over those years
    from the entry's ``start`` when it gives one and ``first`` (the first month) is
    given, so machines bought before the first month are depreciated only for the rest
    of their life, and not at all once written off; else over those years from the
    first month. A site connected after the first month depreciates its machines, and
    counts its own non-cash items, from its connection on (each month's share of days
    connected), as ``backtest`` and ``cost``.
    """
    out = np.zeros(n_periods)
    noncash = {"depreciation", "stock_based_compensation"}
    items: list[CostItem] = list(portfolio.cost_items)
    for site in portfolio.sites:
        # machines are depreciated once in service, the site's own items counted once it
        # runs: from its connection on
        in_service = (np.ones(n_periods) if first is None else connected_share(
            site.connection_date, pd.period_range(first, periods=n_periods, freq="M")))
        for it in site.cost_items:  # on the days it applies and the site is connected
            if str(it.category) in noncash:
                out += float(it.annual_usd) / 12.0 * (
                    in_service if first is None or (it.start is None and it.end is None)
                    else _applies(it, n_periods, first, site.connection_date))
        for fe in site.fleet:
            capex = fe.capex_usd_per_th
            years = fe.depreciation_years
            hashrate_th_s = fe.hashrate_th_s  # filled in by the model's validation
            if capex and years and hashrate_th_s is not None:
                monthly = capex * hashrate_th_s * fe.count / (years * 12.0)
                out += monthly * _depreciating(fe, years, n_periods, first,
                                               site.connection_date, in_service)
    for it in items:  # the portfolio's own (corporate) items
        if str(it.category) in noncash:
            out += float(it.annual_usd) / 12.0 * _applies(it, n_periods, first)
    return out


def _depreciating(entry: FleetEntry, years: float, n_periods: int, first: pd.Period | None,
                  connection_date: str | None, in_service: FloatArray) -> FloatArray:
    """Share of each month's days a fleet entry is depreciated (the rule of ``backtest``
    and ``cost``, :meth:`~hashpivot.models.FleetEntry.depreciating_on`): installed (its
    ``start`` and ``end``), its site connected, and within ``years`` of its ``start``;
    without a ``start`` or without ``first``, the first ``years`` of months. [-]

    Until 2026-12-06 a dated entry was depreciated in whole months from its start's month
    to its life's end, whatever its ``end`` (machines retired after 18 months were
    depreciated for 36) and the day of its start, times the share of the month
    connected."""
    life_end = entry.depreciation_end  # start + life: its first day without
    if first is None or entry.start is None or life_end is None:
        out = np.zeros(n_periods)
        hi = min(n_periods, round(years * 12))
        if entry.end is None or first is None:
            out[:hi] = in_service[:hi]
        else:  # to its end, its site connected
            out[:hi] = installed_share(*both_dated(None, entry.end, connection_date, None),
                                       pd.period_range(first, periods=n_periods,
                                                       freq="M"))[:hi]
        return out
    last = str((life_end - pd.Timedelta(days=1)).date())
    return installed_share(*both_dated(*both_dated(entry.start, entry.end, None, last),
                                       connection_date, None),
                           pd.period_range(first, periods=n_periods, freq="M"))


def _applies(item: CostItem, n_periods: int, first: pd.Period | None,
             connection_date: str | None = None) -> FloatArray:
    """Share of each month's days ``item`` applies (its ``start`` and ``end``) and its site
    is connected (``connection_date`` on, as
    :func:`~hashpivot.engines.pivot.availability.both_dated`); all ones without ``first``
    or without dates, as :func:`~hashpivot.engines.pivot.availability.installed_share`.
    [-]"""
    if first is None:
        return np.ones(n_periods)
    return installed_share(*both_dated(item.start, item.end, connection_date, None),
                           pd.period_range(first, periods=n_periods, freq="M"))


def corporate_cash_cost_usd_per_month(portfolio: Portfolio, n_periods: int,
                                      first: pd.Period | None = None) -> FloatArray:
    """Portfolio-level (corporate) cash cost items per month. [USD]

    The pivot model leaves portfolio-level items out (they are the same in every strategy
    and cancel in NPV differences) but a treasury pays them, each between its ``start``
    and ``end`` when ``first`` (the first month) is given. Categories ``depreciation``
    and ``stock_based_compensation`` are not cash; ``interest`` is left to
    ``[treasury].debt`` (listing a debt in both places would count it twice).
    """
    out = np.zeros(n_periods)
    for it in portfolio.cost_items:
        if str(it.category) not in CORPORATE_NOT_CASH:
            out += float(it.annual_usd) / 12.0 * _applies(it, n_periods, first)
    return out
