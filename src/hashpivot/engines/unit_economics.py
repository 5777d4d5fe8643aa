"""Unit economics of a portfolio: BTC mined, cost per BTC (direct/total), margins, breakevens.

Pipeline: validated :class:`~hashpivot.models.Portfolio` + :class:`NetworkConditions` ->
per-fleet arrays (:func:`portfolio_arrays`) -> ledger and figures -> :class:`UnitEconomics`
(which echoes the resolved inputs). The same arithmetic runs on one day or on a daily
series (:mod:`hashpivot.engines.backtest`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.engines.asic_depreciation import missing_asic_depreciation_notes
from hashpivot.engines.dispatch_table_note import dispatch_table_notes
from hashpivot.engines.economics_assumptions import cost_assumptions, running_entries
from hashpivot.exceptions import InputError, Problem
from hashpivot.mining import (
    CostCategory,
    CostLine,
    breakeven_btc_price_usd,
    breakeven_efficiency_j_per_th,
    breakeven_hashprice_usd_per_ph_day,
    breakeven_power_price_usd_per_mwh,
    btc_mined_per_day,
    cost_per_btc_usd,
    fleet_production,
    hashprice_usd_per_ph_day,
    hashvalue_btc_per_ph_day,
    ledger_table,
    margin_fraction,
    view_cost_usd_per_day,
)
from hashpivot.models import CostItem, Portfolio
from hashpivot.units import DAYS_PER_YEAR, TH_PER_PH


@dataclass(frozen=True)
class NetworkConditions:
    """Network state the economics are evaluated at.

    Attributes
    ----------
    btc_price_usd : float
        BTC price. [USD]
    difficulty : float
        Network difficulty. [-]
    fees_btc_per_block : float
        Average fees per block. [BTC]
    subsidy_btc : float
        Block subsidy. [BTC]
    date : datetime.date or None
        Day of the conditions, when taken from history.
    source : str
        Where the figures come from.
    height : int or None
        Block height at the end of ``date`` (history) or at the tip (live); None when
        not known (conditions given by hand). [blocks]
    given : tuple of str
        The figures given for the run over the day's data (``btc_price_usd``,
        ``difficulty``, ``fees_btc_per_block``: :meth:`with_given`).
    data_source : str
        Where the figures not given come from, when some are (``source`` then says both).
    day_source : str
        How the day was chosen: given, the latest day of the data, or live.
    """

    btc_price_usd: float
    difficulty: float
    fees_btc_per_block: float = 0.0
    subsidy_btc: float = 3.125
    date: dt.date | None = None
    source: str = "user"
    height: int | None = None
    given: tuple[str, ...] = ()
    data_source: str = ""
    day_source: str = "given"

    def with_given(self, by: str, **figures: float | None) -> NetworkConditions:
        """These conditions with the ``figures`` that are not None given for the run over
        the day's (``btc_price_usd``, ``difficulty``, ``fees_btc_per_block``), ``by``
        whom (``"command line"``, ``"run parameters"``); themselves when none is."""
        over: dict[str, Any] = {k: float(v) for k, v in figures.items() if v is not None}
        if not over:
            return self
        data = f"{self.source} on {self.date}" if self.date else self.source
        return dataclasses.replace(self, **over, given=tuple(over), data_source=data,
                                   source=f"{by}; other fields from {data}")

    @classmethod
    def from_history(cls, date: str | dt.date | None) -> NetworkConditions:
        """Conditions of one day from the daily history (bundled plus ``data update``);
        None: its latest day (``day_source`` says so).

        The subsidy is the day's mean per block (``subsidy_btc_per_block``), as in
        :func:`~hashpivot.engines.backtest.run_backtest`: on a halving day it blends both
        eras instead of taking the subsidy of the day's last block.
        """
        from hashpivot.io import btc_daily_range, network_state_on

        if date is not None:
            return cls._from_state(network_state_on(date))
        return dataclasses.replace(cls._from_state(network_state_on(btc_daily_range()[1])),
                                   day_source="default: the latest day of the data")

    @classmethod
    def live(cls, base_url: str = "https://mempool.space/api") -> NetworkConditions:
        """Current conditions from mempool.space (price, difficulty, recent fees, subsidy at
        the tip height)."""
        from hashpivot.io.mempool import get_network_state

        return dataclasses.replace(cls._from_state(get_network_state(base_url=base_url)),
                                   day_source="live: the network's tip")

    @classmethod
    def _from_state(cls, s: Any) -> NetworkConditions:
        """From a :class:`hashpivot.io.NetworkState` (mean subsidy per block of its day)."""
        return cls(
            btc_price_usd=s.btc_price_usd,
            difficulty=s.difficulty,
            fees_btc_per_block=s.fees_btc_per_block,
            subsidy_btc=s.subsidy_btc_per_block,
            date=s.date,
            source=s.source,
            height=s.height,
        )

    @property
    def hashprice_usd_per_ph_day(self) -> float:
        """Hashprice. [USD/(PH/s)/day]"""
        return float(
            hashprice_usd_per_ph_day(
                self.btc_price_usd, self.difficulty, self.subsidy_btc, self.fees_btc_per_block
            )
        )

    @property
    def hashvalue_btc_per_ph_day(self) -> float:
        """Hash value. [BTC/(PH/s)/day]"""
        return float(
            hashvalue_btc_per_ph_day(self.difficulty, self.subsidy_btc, self.fees_btc_per_block)
        )


@dataclass(frozen=True)
class PortfolioArrays:
    """Per fleet-entry arrays of a portfolio (one element per fleet entry of every site).

    Attributes
    ----------
    site : ndarray of str
        Site of each entry.
    label : ndarray of str
        Label of each entry.
    hashrate_th_s, effective_hashrate_th_s : ndarray
        Installed and running hashrate. [TH/s]
    efficiency_j_per_th : ndarray
        Machine efficiency. [J/TH]
    power_mw, energy_mwh_per_day : ndarray
        Power when running and energy per day. [MW], [MWh/day]
    power_price_usd_per_mwh : ndarray
        All-in power price of the entry's site. [USD/MWh]
    pool_fee_fraction : ndarray
        Pool fee of the entry's site. [-]
    depreciation_usd_per_year : ndarray
        Straight-line depreciation from the entry's capex (0 when none; on a given day, 0
        once ``depreciation_years`` have passed since its ``start``). [USD/year]
    priced : ndarray of bool
        Whether the entry gives ``capex_usd_per_th`` and ``depreciation_years`` (its
        depreciation may be 0: a zero price, or written off on the day).
    """

    site: np.ndarray
    label: np.ndarray
    hashrate_th_s: np.ndarray
    effective_hashrate_th_s: np.ndarray
    efficiency_j_per_th: np.ndarray
    power_mw: np.ndarray
    energy_mwh_per_day: np.ndarray
    power_price_usd_per_mwh: np.ndarray
    pool_fee_fraction: np.ndarray
    depreciation_usd_per_year: np.ndarray
    priced: np.ndarray

    @property
    def power_cost_usd_per_day(self) -> np.ndarray:
        """Power cost of each entry. [USD/day]"""
        return self.energy_mwh_per_day * self.power_price_usd_per_mwh

    @property
    def net_effective_hashrate_th_s(self) -> np.ndarray:
        """Running hashrate net of pool fees (what earns hash value). [TH/s]"""
        return self.effective_hashrate_th_s * (1.0 - self.pool_fee_fraction)


def portfolio_arrays(portfolio: Portfolio, on: dt.date | None = None) -> PortfolioArrays:
    """Flatten a portfolio's fleets into per-entry arrays (layer-1 functions do the math).

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    on : datetime.date, optional
        Keep only the fleet entries installed that day (their ``start``/``end``), with no
        depreciation for those written off by then
        (:meth:`~hashpivot.models.FleetEntry.depreciating_on`); all entries when None.
    """
    rows: list[dict[str, Any]] = []
    day = None if on is None else pd.DatetimeIndex([pd.Timestamp(on)])
    for site in portfolio.sites:
        runs = None if day is None else site.running_on(day)[:, 0]
        for j, entry in enumerate(site.fleet):
            if runs is not None and not runs[j]:
                continue
            prod = fleet_production(
                entry.count,
                entry.hashrate_th_s,
                entry.drawn_j_per_th,  # power_w where the file gives both (as pivot)
                entry.uptime_fraction,
                site.power_overhead_factor,
            )
            dep = 0.0
            capex, years = entry.capex_usd_per_th, entry.depreciation_years
            priced = capex is not None and years is not None
            if (capex is not None and years is not None
                    and (day is None or bool(entry.depreciating_on(day)[0]))):
                dep = capex * prod.hashrate_th_s / years
            rows.append(
                {
                    "site": site.name,
                    "label": entry.label,
                    "hashrate_th_s": prod.hashrate_th_s,
                    "effective_hashrate_th_s": prod.effective_hashrate_th_s,
                    "efficiency_j_per_th": entry.drawn_j_per_th,
                    "power_mw": prod.power_mw,
                    "energy_mwh_per_day": prod.energy_mwh_per_day,
                    "power_price_usd_per_mwh": site.power_contract.all_in_price_usd_per_mwh,
                    "pool_fee_fraction": site.pool_fee_fraction,
                    "depreciation_usd_per_year": dep,
                    "priced": priced,
                }
            )
    if not rows:
        if any(site.fleet for site in portfolio.sites):
            msg = (f"no fleet entry is installed on {on} (check their start/end and the "
                   "sites' connection_date): nothing mines")
        else:
            msg = "no site has a fleet: nothing mines"
        raise InputError([Problem("sites", msg)])
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    return PortfolioArrays(**cols)


def cost_lines(portfolio: Portfolio, arrays: PortfolioArrays) -> list[CostLine]:
    """The ledger: power per site, fleet depreciation, then site and corporate items.

    Amounts are per day (``usd_per_year / 365.25``).
    """
    return [line for line, _ in cost_lines_with_items(portfolio, arrays)]


def cost_lines_with_items(
    portfolio: Portfolio, arrays: PortfolioArrays
) -> list[tuple[CostLine, CostItem | None]]:
    """:func:`cost_lines`, each line paired with the cost item it comes from (``None`` for
    the power and ASIC depreciation lines computed from the fleet), so a caller can apply
    an item's ``start``/``end`` without matching lines by name."""
    lines: list[tuple[CostLine, CostItem | None]] = []
    power = arrays.power_cost_usd_per_day
    for site in portfolio.sites:
        mask = arrays.site == site.name
        if mask.any():
            lines.append(
                (
                    CostLine(
                        f"power {site.name}",
                        CostCategory.POWER,
                        float(power[mask].sum()),
                        site.name,
                    ),
                    None,
                )
            )
        dep = float(arrays.depreciation_usd_per_year[mask].sum())
        if dep > 0:
            lines.append(
                (
                    CostLine(
                        f"ASIC depreciation {site.name}",
                        CostCategory.DEPRECIATION,
                        dep / DAYS_PER_YEAR,
                        site.name,
                    ),
                    None,
                )
            )
        for item in site.cost_items:
            lines.append(
                (
                    CostLine(item.name, item.category, item.annual_usd / DAYS_PER_YEAR, site.name),
                    item,
                )
            )
    for item in portfolio.cost_items:
        lines.append((CostLine(item.name, item.category, item.annual_usd / DAYS_PER_YEAR), item))
    return lines


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
        source (:func:`~hashpivot.engines.economics_assumptions.cost_assumptions`):
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
    and ``backtest`` refuse it).

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
    who = ("every machine of the portfolio is idle" if whole else
           f"every machine running on {on} is idle (the portfolio's other fleet entries "
           "are not installed that day, by their start/end or their site's "
           "connection_date)")
    idle = [
        Problem(
            f"sites[{i}].fleet[{j}].uptime_fraction",
            f"{who} (uptime_fraction 0): no BTC is mined, so cost per BTC and margins "
            "are undefined",
        )
        for i, j, entry in entries
        if entry.uptime_fraction == 0
    ]
    return [] if every and len(idle) < len(entries) else idle


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
        if len(kept) < len(pairs):
            notes.append(f"{len(pairs) - len(kept)} cost item(s) dated outside {network.date}")
        # a site not yet connected that day is not operating: its items are left out too
        waiting = [(i, s) for i, s in enumerate(portfolio.sites)
                   if not bool(s.connected_on(day)[0])]
        for i, s in waiting:
            notes.append(
                f"{s.name}: not connected on {network.date} (sites[{i}].connection_date "
                f"{s.connection_date}): its machines and cost items are left out")
        names = {s.name for _, s in waiting}
        pairs = [(ln, it) for ln, it in kept if ln.scope not in names]
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
