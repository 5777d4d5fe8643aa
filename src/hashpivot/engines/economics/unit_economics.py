"""Unit economics of a portfolio: BTC mined, cost per BTC (direct/total), margins, breakevens.

Pipeline: validated :class:`~hashpivot.models.Portfolio` +
:class:`~hashpivot.engines.economics.network_conditions.NetworkConditions` -> per-fleet arrays and
ledger (:mod:`hashpivot.engines.economics.fleet_arrays`) -> figures -> :class:`UnitEconomics`
(which echoes the resolved inputs). The same arithmetic runs on one day or on a daily
series (:mod:`hashpivot.engines.economics.backtest`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hashpivot.engines.economics.asic_depreciation import missing_asic_depreciation_notes
from hashpivot.engines.economics.dispatch_table_note import dispatch_table_notes
from hashpivot.engines.economics.economics_assumptions import cost_assumptions, running_entries
from hashpivot.engines.economics.fleet_arrays import cost_lines_with_items, portfolio_arrays
from hashpivot.engines.economics.network_conditions import NetworkConditions
from hashpivot.engines.idle_fleet import IDLE_WHY, WHOLE_PORTFOLIO_IDLE
from hashpivot.exceptions import InputError, Problem
from hashpivot.mining import (
    CostCategory,
    breakeven_btc_price_usd,
    breakeven_efficiency_j_per_th,
    breakeven_hashprice_usd_per_ph_day,
    breakeven_power_price_usd_per_mwh,
    btc_mined_per_day,
    cost_per_btc_usd,
    ledger_table,
    margin_fraction,
    view_cost_usd_per_day,
)
from hashpivot.models import CostItem, Portfolio
from hashpivot.units import DAYS_PER_YEAR, TH_PER_PH

__all__ = ["UnitEconomics", "compute_unit_economics", "idle_fleet_problems"]


@dataclass(frozen=True)
class UnitEconomics:
    """Unit economics of a portfolio at given network conditions (see ``to_dict``)."""

    portfolio_name: str
    network: NetworkConditions
    figures: dict[str, float | bool]
    ledger: pd.DataFrame
    fleet: pd.DataFrame
    convention: str = "coinshares"
    notes: list[str] = field(default_factory=list)
    assumptions: list[dict[str, Any]] = field(default_factory=list)

    def resolved_assumptions(self) -> list[dict[str, Any]]:
        """The assumptions that can flip the cost per BTC and margins, each with its
        source (:func:`~hashpivot.engines.economics.economics_assumptions.cost_assumptions`):
        ``name``, ``value``, ``unit``, ``source``."""
        return list(self.assumptions)

    def to_dict(self) -> dict[str, Any]:
        """One JSON-ready dict: figures, cost items, fleet, the network inputs and the
        resolved assumptions."""
        out: dict[str, Any] = {"portfolio": self.portfolio_name}
        out.update(self.figures)
        out["network"] = {
            "btc_price_usd": self.network.btc_price_usd,
            "difficulty": self.network.difficulty,
            "fees_btc_per_block": self.network.fees_btc_per_block,
            "subsidy_btc": self.network.subsidy_btc,
            "date": self.network.date.isoformat() if self.network.date else None,
            "source": self.network.source,
        }
        out["cost_items"] = self.ledger.to_dict(orient="records")
        out["fleet"] = self.fleet.to_dict(orient="records")
        out["notes"] = list(self.notes)
        out["resolved_assumptions"] = self.resolved_assumptions()
        return out


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def idle_fleet_problems(portfolio: Portfolio, every: bool = False,
                        on: dt.date | None = None) -> list[Problem]:
    """The problem of each fleet entry that is idle (``uptime_fraction`` 0) in a
    portfolio that mines nothing: cost per BTC and margins would be undefined (``cost``
    and ``backtest`` refuse it; ``pivot``, ``simulate`` and ``optimize`` value it with a
    note in the same words: :mod:`hashpivot.engines.idle_fleet`).

    Parameters
    ----------
    portfolio : Portfolio
    every : bool
        Only when every entry of the portfolio is idle (``backtest``: nothing mines on
        any day); else every idle entry (``cost``, once nothing mines on its day).
    on : datetime.date, optional
        Only the entries running that day (installed, site connected): those the day's
        cost counts; the message says the others are not installed then.

    Returns
    -------
    list of Problem
        At ``sites[i].fleet[j].uptime_fraction``; empty when none (or, with ``every``,
        when an entry is not idle or there is no fleet).
    """
    day = None if on is None else pd.DatetimeIndex([pd.Timestamp(on)])
    entries = [(i, j, entry) for i, site in enumerate(portfolio.sites)
               for j, entry in enumerate(site.fleet)
               if day is None or bool(site.running_on(day)[j, 0])]
    whole = len(entries) == sum(len(site.fleet) for site in portfolio.sites)
    who = (WHOLE_PORTFOLIO_IDLE if whole else
           f"every machine running on {on} is idle (the portfolio's other fleet entries "
           "are not installed that day, by their start/end or their site's "
           "connection_date)")
    idle = [
        Problem(
            f"sites[{i}].fleet[{j}].uptime_fraction",
            f"{who} {IDLE_WHY}",
        )
        for i, j, entry in entries
        if entry.uptime_fraction == 0
    ]
    return [] if every and len(idle) < len(entries) else idle


def _uninstalled_entry_notes(portfolio: Portfolio, day: pd.DatetimeIndex) -> list[str]:
    """Per connected site, the fleet entries not installed on ``day`` (by their start or
    end), each named with its dates: ``cost`` leaves out their hashrate, power and
    depreciation (a site not yet connected has its own note)."""
    notes = []
    for i, site in enumerate(portfolio.sites):
        if not bool(site.connected_on(day)[0]):
            continue
        out = [e.with_dates(f"sites[{i}].fleet[{j}] {e.label}")
               for j, e in enumerate(site.fleet) if not bool(e.active_on(day)[0])]
        if out:
            notes.append(f"{site.name}: not installed on {day[0].date()}, left out (no "
                         f"hashrate, power or depreciation): {'; '.join(out)}")
    return notes


def _no_day_notes(portfolio: Portfolio, items: list[CostItem]) -> list[str]:
    """With conditions of no day (``NetworkConditions.date`` None: a library caller's;
    ``hashpivot cost`` and the service take the latest data day): the dates no day applied,
    every site, fleet entry and cost item counted whatever they say, in one note (none when
    nothing is dated)."""
    dated = [f"sites[{i}] {s.name} (connection_date {s.connection_date})"
             for i, s in enumerate(portfolio.sites) if s.connection_date is not None]
    dated += [e.with_dates(f"sites[{i}].fleet[{j}] {e.label}")
              for i, s in enumerate(portfolio.sites) for j, e in enumerate(s.fleet)
              if e.start or e.end]
    dated += [it.with_dates(it.name) for it in items if it.start or it.end]
    if not dated:
        return []
    return [f"no day given with the network conditions (their date): every site, fleet "
            f"entry and cost item counted, whatever its dates: {'; '.join(dated)}; with the "
            "day, only what stands on it counts (hashpivot cost takes the latest data day)"]


def _no_production(portfolio: Portfolio, network: NetworkConditions) -> None:
    """Raise the :class:`InputError` of a portfolio that mines nothing on the day: cost per
    BTC and margins would be undefined."""
    idle = idle_fleet_problems(portfolio, on=network.date)
    when = f" on {network.date}" if network.date else ""
    raise InputError(
        idle
        or [
            Problem(
                "sites",
                f"no fleet entry mines{when} (none, or all dated outside it by start/end): "
                "cost per BTC and margins are undefined",
            )
        ]
    )


def compute_unit_economics(portfolio: Portfolio, network: NetworkConditions) -> UnitEconomics:
    """Cost per BTC, margins, reverse-margin flags and breakevens of a portfolio.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    network : NetworkConditions
        Price, difficulty, fees and subsidy.

    Returns
    -------
    UnitEconomics
        ``figures`` holds every headline number, keyed by standard names with units
        (``cost_per_btc_direct_usd``, ``breakeven_power_price_usd_per_mwh`` ...); the
        breakeven power price is the uniform all-in price at every site.
    """
    arr = portfolio_arrays(portfolio, on=network.date)
    hv_th = network.hashvalue_btc_per_ph_day / TH_PER_PH
    btc_day_by_entry = btc_mined_per_day(arr.effective_hashrate_th_s, hv_th, arr.pool_fee_fraction)
    btc_day = float(btc_day_by_entry.sum())
    if not btc_day > 0:
        _no_production(portfolio, network)
    revenue = btc_day * network.btc_price_usd
    notes: list[str] = []
    pairs = cost_lines_with_items(portfolio, arr)
    day = None
    if network.date is not None:  # items dated out of that day do not count
        day = pd.DatetimeIndex([pd.Timestamp(network.date)])
        kept = [(ln, it) for ln, it in pairs if it is None or bool(it.active_on(day)[0])]
        out = [it for ln, it in pairs if it is not None and not bool(it.active_on(day)[0])]
        if out:
            notes.append(f"{len(out)} cost item(s) dated outside {network.date}, not "
                         f"counted: {'; '.join(it.with_dates(it.name) for it in out)}")
        notes += _uninstalled_entry_notes(portfolio, day)
        # a site not yet connected that day is not operating: its items are left out too
        waiting = [(i, s) for i, s in enumerate(portfolio.sites)
                   if not bool(s.connected_on(day)[0])]
        for i, s in waiting:
            notes.append(
                f"{s.name}: not connected on {network.date} (sites[{i}].connection_date "
                f"{s.connection_date}): its machines and cost items are left out")
        names = {s.name for _, s in waiting}
        pairs = [(ln, it) for ln, it in kept if ln.scope not in names]
    else:
        notes += _no_day_notes(portfolio, [it for _, it in pairs if it is not None])
    lines = [line for line, _ in pairs]
    # energy bought at the contracts' per-MWh prices: what the power-price and efficiency
    # breakevens scale; power-tagged cost items (demand or transmission charges...) are
    # fixed amounts, counted in the power cost per BTC but not scaled by the breakevens
    power_cost = float(arr.power_cost_usd_per_day.sum())
    power_items = sum(
        float(ln.usd_per_day)
        for ln, it in pairs
        if it is not None and ln.category == CostCategory.POWER
    )
    energy = float(arr.energy_mwh_per_day.sum())
    eff_ph = float(arr.effective_hashrate_th_s.sum()) / TH_PER_PH
    # pool fee as the fleet's hashrate-weighted mean (sites may differ)
    pool_fee = 1.0 - _ratio(float(arr.net_effective_hashrate_th_s.sum()), eff_ph * TH_PER_PH)
    eff_avg = _ratio(
        float((arr.hashrate_th_s * arr.efficiency_j_per_th).sum()), float(arr.hashrate_th_s.sum())
    )
    figures: dict[str, float | bool] = {
        "btc_price_usd": network.btc_price_usd,
        "hashprice_usd_per_ph_day": network.hashprice_usd_per_ph_day,
        "hashvalue_btc_per_ph_day": network.hashvalue_btc_per_ph_day,
        "hashrate_th_s": float(arr.hashrate_th_s.sum()),
        "effective_hashrate_th_s": eff_ph * TH_PER_PH,
        "fleet_efficiency_j_per_th": eff_avg,
        "power_mw": float(arr.power_mw.sum()),
        "energy_mwh_per_day": energy,
        "btc_per_day": btc_day,
        "btc_per_year": btc_day * DAYS_PER_YEAR,
        "revenue_usd_per_day": revenue,
        "power_cost_usd_per_day": power_cost + power_items,
        "energy_cost_usd_per_day": power_cost,
        "power_cost_per_btc_usd": _ratio(power_cost + power_items, btc_day),
        "average_power_price_usd_per_mwh": _ratio(power_cost, energy),
    }
    for view in ("direct", "total", "production", "all_in"):
        cost = float(view_cost_usd_per_day(lines, view))
        non_power = cost - power_cost
        per_btc = float(cost_per_btc_usd(cost, btc_day))
        figures[f"cost_usd_per_day_{view}"] = cost
        figures[f"cost_per_btc_{view}_usd"] = per_btc
        figures[f"margin_{view}_fraction"] = float(margin_fraction(network.btc_price_usd, per_btc))
        figures[f"reverse_margin_{view}"] = bool(per_btc > network.btc_price_usd)
        figures[f"breakeven_btc_price_{view}_usd"] = float(breakeven_btc_price_usd(cost, btc_day))
        if cost < 0:
            notes.append(
                f"{view}: the costs are negative (power bought at a negative price pays the "
                "miner), so the breakeven BTC price is negative: mining pays at any BTC price"
            )
        figures[f"breakeven_hashprice_{view}_usd_per_ph_day"] = float(
            breakeven_hashprice_usd_per_ph_day(cost, eff_ph, pool_fee)
        )
        figures[f"breakeven_power_price_{view}_usd_per_mwh"] = float(
            breakeven_power_price_usd_per_mwh(revenue, non_power, energy)
        )
        be_eff = float(breakeven_efficiency_j_per_th(eff_avg, revenue, non_power, power_cost))
        if not be_eff > 0:  # other costs alone exceed revenue: no fleet efficiency helps
            notes.append(
                f"{view}: costs other than power exceed revenue, so no fleet efficiency "
                "breaks even (breakeven efficiency reported as null)"
            )
            be_eff = float("nan")
        figures[f"breakeven_efficiency_{view}_j_per_th"] = be_eff
    notes += missing_asic_depreciation_notes(
        portfolio, arr.site, arr.label, arr.hashrate_th_s, arr.priced, btc_day)
    notes += dispatch_table_notes(portfolio, set(arr.site))
    # Headline aliases the CLI contract names: the power price that zeroes the cash margin.
    figures["breakeven_power_price_usd_per_mwh"] = figures[
        "breakeven_power_price_direct_usd_per_mwh"
    ]
    fleet_df = pd.DataFrame(
        {
            "site": arr.site,
            "label": arr.label,
            "hashrate_th_s": arr.hashrate_th_s,
            "efficiency_j_per_th": arr.efficiency_j_per_th,
            "power_mw": arr.power_mw,
            "energy_mwh_per_day": arr.energy_mwh_per_day,
            "power_price_usd_per_mwh": arr.power_price_usd_per_mwh,
            "btc_per_day": btc_day_by_entry,
        }
    )
    return UnitEconomics(
        portfolio_name=portfolio.name,
        network=network,
        figures=figures,
        ledger=ledger_table(lines, btc_day),
        fleet=fleet_df,
        notes=notes,
        assumptions=cost_assumptions(network, running_entries(portfolio, day),
                                     [it for _, it in pairs if it is not None]),
    )

