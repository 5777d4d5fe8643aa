"""A portfolio's fleets as per fleet-entry arrays (hashrate, power, energy, power price,
pool fee, ASIC depreciation) and the daily ledger they and its cost items make (power
per site, ASIC depreciation, site and corporate cost items): what
:func:`~hashpivot.engines.economics.unit_economics.compute_unit_economics` and the backtest compute
from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.exceptions import InputError, Problem
from hashpivot.mining import CostCategory, CostLine, fleet_production
from hashpivot.models import CostItem, Portfolio
from hashpivot.units import DAYS_PER_YEAR


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
