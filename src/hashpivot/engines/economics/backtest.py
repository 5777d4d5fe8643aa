"""Daily backtest: a portfolio's unit economics over a historical window.

Uses the bundled Coin Metrics daily history (price, mean difficulty, fees per block and
the subsidy actually paid that day) and the portfolio: fleet entries and cost items count
only on the days between their ``start`` and ``end`` (a fleet that grows or retires
machines over the window); power contracts are constant.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.engines.economics.asic_depreciation import missing_asic_depreciation_notes
from hashpivot.engines.economics.backtest_notes import (
    dated_in_window_note,
    fleet_share_note,
    no_mining_days_note,
    undated_depreciation_note,
)
from hashpivot.engines.economics.backtest_window import backtest_window
from hashpivot.engines.economics.dispatch_table_note import dispatch_table_notes
from hashpivot.engines.economics.economics_assumptions import backtest_assumptions, running_entries
from hashpivot.engines.economics.fleet_arrays import cost_lines_with_items, portfolio_arrays
from hashpivot.engines.economics.unit_economics import idle_fleet_problems
from hashpivot.exceptions import InputError
from hashpivot.mining import (
    COST_VIEWS,
    CostCategory,
    cost_per_btc_usd,
    hashprice_usd_per_ph_day,
    hashvalue_btc_per_ph_day,
    margin_fraction,
)
from hashpivot.models import Portfolio
from hashpivot.units import DAYS_PER_YEAR, TH_PER_PH


@dataclass(frozen=True)
class BacktestResult:
    """Daily figures (``daily``) and window totals (``summary``) of a backtest, and
    ``notes`` on what the cost views leave out (as ``cost`` has them), and
    ``history_source``: where the window's days come from (the sources the resolved
    assumptions' history row and the charts name)."""

    daily: pd.DataFrame
    summary: dict[str, float]
    notes: list[str] = field(default_factory=list)
    assumptions: list[dict[str, Any]] = field(default_factory=list)
    history_source: str = ""

    def resolved_assumptions(self) -> list[dict[str, Any]]:
        """The assumptions that can flip the window's cost per BTC and margins, each with
        its source
        (:func:`~hashpivot.engines.economics.economics_assumptions.backtest_assumptions`):
        ``name``, ``value``, ``unit``, ``source``."""
        return list(self.assumptions)


def run_backtest(
    portfolio: Portfolio, start: str | None = None, end: str | None = None,
    history: pd.DataFrame | None = None, history_source: str | None = None,
    defaults: Collection[str] = (),
) -> BacktestResult:
    """Daily hashprice, BTC mined, revenue, cost per BTC (direct, total) and margins.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    start, end : str, optional
        Window, inclusive (YYYY-MM-DD); default
        (:mod:`~hashpivot.engines.economics.backtest_window`) the end the history's latest
        day, the start a year before the end (365 days, the end included; not before the
        history's first day).
    history : pandas.DataFrame, optional
        Daily network data with columns ``price_usd, difficulty, fees_btc_per_block,
        subsidy_btc_per_block``, indexed by date; defaults to the bundled history.
    history_source : str, optional
        Where ``history`` comes from, for the resolved assumptions; default: the sources
        of its days in the daily history (:func:`hashpivot.io.btc_daily_sources`: Coin
        Metrics for the bundled days, mempool.space for those ``data update`` wrote, the
        user's file for the others).
    defaults : collection of str
        Which of ``start`` and ``end`` (``"start"``, ``"end"``) the caller filled in by the
        window's default rule earlier (the service, when a run is submitted): the resolved
        assumptions name the rule as their source, not ``run setting``.

    Returns
    -------
    BacktestResult
        ``daily`` columns: ``btc_price_usd, difficulty, fees_btc_per_block,
        subsidy_btc_per_block, hashprice_usd_per_ph_day, btc_mined, revenue_usd,
        power_cost_usd, energy_cost_usd, cost_<view>_usd, cost_per_btc_<view>_usd,
        margin_<view>_fraction`` for the views direct, total, production and all_in
        (``energy_cost_usd``: the energy at the contracts' prices; ``power_cost_usd`` adds
        the ``power``-tagged cost items on their days, as ``cost``'s
        ``power_cost_usd_per_day``); ``notes``: a site without
        ASIC depreciation in the total view
        (:func:`~hashpivot.engines.economics.asic_depreciation.missing_asic_depreciation_notes`,
        per BTC of the window's mean BTC/day), undated machines depreciated past their cost
        and a fleet that is a large share of the network
        (:mod:`hashpivot.engines.economics.backtest_notes`); ``resolved_assumptions()``:
        the window's days (each ``run setting`` or the default rule), the history, each
        site's terms and the cost items
        (:func:`~hashpivot.engines.economics.economics_assumptions.backtest_assumptions`).

    Raises
    ------
    InputError
        Every machine of the portfolio idle (``uptime_fraction`` 0), as ``cost`` refuses
        it (:func:`~hashpivot.engines.economics.unit_economics.idle_fleet_problems`).
    """
    idle = idle_fleet_problems(portfolio, every=True)
    if idle:
        raise InputError(idle)
    data_range = None  # (a history given: its days are the data the defaults take)
    if history is not None and len(history.index):
        data_range = (history.index[0].date(), history.index[-1].date())
    window = backtest_window(start, end, data_range, defaults)
    start, end = window.start, window.end
    if history is None:
        from hashpivot.io import load_btc_daily

        history = load_btc_daily(start, end)
    else:
        history = history.loc[start:end]
    dates = pd.DatetimeIndex(history.index)
    price = history["price_usd"].to_numpy(float)
    diff = history["difficulty"].to_numpy(float)
    fees = history["fees_btc_per_block"].to_numpy(float)
    subsidy = history["subsidy_btc_per_block"].to_numpy(float)

    arr = portfolio_arrays(portfolio)
    # installed[e, d]: fleet entry e runs on day d (its start/end, from its site's
    # connection_date); machines outside their dates mine nothing and draw no power
    installed = np.vstack([site.running_on(dates) for site in portfolio.sites]).astype(float)
    # ...and is depreciated while installed and within its depreciation_years of its start;
    # a site not yet connected is not operating: no machines, depreciation or cost items
    connected = {site.name: site.connected_on(dates) for site in portfolio.sites}
    depreciating = np.vstack(
        [e.depreciating_on(dates) & connected[site.name]
         for site in portfolio.sites for e in site.fleet]
    ).astype(float)
    hv_ph = hashvalue_btc_per_ph_day(diff, subsidy, fees)
    btc = hv_ph / TH_PER_PH * (arr.net_effective_hashrate_th_s @ installed)
    revenue = btc * price
    fleet_line_usd: dict[tuple[CostCategory, str], np.ndarray] = {}
    for site in portfolio.sites:
        mask = arr.site == site.name
        fleet_line_usd[(CostCategory.POWER, site.name)] = (
            arr.power_cost_usd_per_day[mask] @ installed[mask]
        )
        fleet_line_usd[(CostCategory.DEPRECIATION, site.name)] = (
            arr.depreciation_usd_per_year[mask] / DAYS_PER_YEAR @ depreciating[mask]
        )
    energy_cost = sum(v for (cat, _), v in fleet_line_usd.items() if cat == CostCategory.POWER)

    # per-view daily cost: constant lines plus date-bounded cost items; each line keeps the
    # item it comes from, so items sharing a name (a cost that steps up over dated periods)
    # each apply on their own days
    lines = cost_lines_with_items(portfolio, arr)
    daily = [
        item.active_on(dates) * connected.get(line.scope, True) * line.usd_per_day
        if item is not None
        else fleet_line_usd[(line.category, line.scope)]
        for line, item in lines
    ]
    # the power cost adds the power-tagged cost items (demand or transmission charges) on
    # their days to the energy, as `cost`'s power_cost_usd_per_day does
    power_cost = energy_cost + sum(
        (usd for (line, item), usd in zip(lines, daily, strict=True)
         if item is not None and line.category == CostCategory.POWER),
        np.zeros(len(dates)))

    out = pd.DataFrame(index=dates)
    out.index.name = "date"
    out["btc_price_usd"] = price
    out["difficulty"] = diff
    out["fees_btc_per_block"] = fees
    out["subsidy_btc_per_block"] = subsidy
    out["hashprice_usd_per_ph_day"] = hashprice_usd_per_ph_day(price, diff, subsidy, fees)
    out["btc_mined"] = btc
    out["revenue_usd"] = revenue
    out["power_cost_usd"] = power_cost
    out["energy_cost_usd"] = energy_cost
    summary: dict[str, float] = {
        "days": float(len(dates)),
        "btc_mined": float(btc.sum()),
        "revenue_usd": float(revenue.sum()),
        "power_cost_usd": float(np.sum(power_cost)),
        "energy_cost_usd": float(np.sum(energy_cost)),
    }
    for view, cats in COST_VIEWS.items():
        cost = np.zeros(len(dates))
        for (line, _), usd in zip(lines, daily, strict=True):
            if line.category in cats:
                cost = cost + usd
        per_btc = cost_per_btc_usd(cost, btc)
        out[f"cost_{view}_usd"] = cost
        out[f"cost_per_btc_{view}_usd"] = per_btc
        out[f"margin_{view}_fraction"] = margin_fraction(price, per_btc)
        summary[f"cost_{view}_usd"] = float(cost.sum())
        summary[f"cost_per_btc_{view}_usd"] = (
            float(cost.sum() / btc.sum()) if btc.sum() > 0 else float("nan"))
        summary[f"margin_{view}_usd"] = float(revenue.sum() - cost.sum())
        summary[f"days_reverse_margin_{view}"] = float((per_btc > price).sum())
    btc_per_day = float(btc.sum()) / max(len(dates), 1)  # the window's mean [BTC/day]
    # the sites connected on some day of the window: the others' machines never ran
    ran = np.isin(arr.site, [n for n, on in connected.items() if on.any()])
    notes = missing_asic_depreciation_notes(
        portfolio, arr.site[ran], arr.label[ran], arr.hashrate_th_s[ran], arr.priced[ran],
        btc_per_day)
    notes += dispatch_table_notes(portfolio, set(arr.site[ran]))
    notes += [n for n in (undated_depreciation_note(portfolio, arr, depreciating),
                          fleet_share_note(arr, installed, diff, dates, btc),
                          no_mining_days_note(dates, btc, out["cost_total_usd"].to_numpy()))
               if n is not None]
    for i, site in enumerate(portfolio.sites):
        off = int((~connected[site.name]).sum())
        if off:
            notes.append(
                f"{site.name}: connected to the grid on {site.connection_date} "
                f"(sites[{i}].connection_date): left out of "
                + ("the whole window" if off == len(dates) else f"the {off} days before it")
                + " (its machines, their depreciation and its cost items)")
    items = [item for line, item in lines if item is not None and bool(
        (item.active_on(dates) & connected.get(line.scope, True)).any())]
    span = (f"{dates[0].date()}" if len(dates) else start,
            f"{dates[-1].date()}" if len(dates) else end, len(dates))
    source = history_source or _history_source(dates)
    note = dated_in_window_note(portfolio, dates, items) if len(dates) else None
    notes += [note] if note is not None else []
    assumptions = [*window.rows(), *backtest_assumptions(
        span, source, running_entries(portfolio, dates), items, dates)]
    return BacktestResult(daily=out, summary=summary, notes=notes, assumptions=assumptions,
                          history_source=source)


def _history_source(dates: pd.DatetimeIndex) -> str:
    """The sources of the window's days in the daily history, span by span."""
    if not len(dates):
        return "no day"
    from hashpivot.io import btc_daily_sources, sources_text

    return sources_text(btc_daily_sources(dates[0], dates[-1]))
