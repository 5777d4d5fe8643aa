"""Cost per BTC as a ledger of tagged cost items, in two standard conventions.

Sources
-------
CoinShares Bitcoin mining reports (2024-2025): *cash (direct) cost* = cost of revenue
(electricity, hosting, site opex) plus cash SG&A, excluding stock-based compensation,
depreciation and one-offs; *total cost* = cash cost + depreciation + stock-based
compensation. TheMinerMag: *production cost* = mining cost of revenue excluding
depreciation; *all-in cost* = production cost + SG&A excluding SBC + interest.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported only when a table is built (fast CLI start-up)
    import pandas as pd

from hashpivot.units import DAYS_PER_YEAR


class CostCategory(StrEnum):
    """Tag of a cost item; decides which cost views include it."""

    POWER = "power"
    SITE_OPEX = "site_opex"
    SGA_CASH = "sga_cash"
    STOCK_BASED_COMPENSATION = "stock_based_compensation"
    DEPRECIATION = "depreciation"
    INTEREST = "interest"
    OTHER = "other"


C = CostCategory

#: Categories included in each cost view. ``other`` is an other *cash* cost of revenue.
COST_VIEWS: dict[str, frozenset[CostCategory]] = {
    # CoinShares
    "direct": frozenset({C.POWER, C.SITE_OPEX, C.SGA_CASH, C.OTHER}),
    "total": frozenset(
        {C.POWER, C.SITE_OPEX, C.SGA_CASH, C.OTHER, C.DEPRECIATION, C.STOCK_BASED_COMPENSATION}
    ),
    # TheMinerMag
    "production": frozenset({C.POWER, C.SITE_OPEX, C.OTHER}),
    "all_in": frozenset({C.POWER, C.SITE_OPEX, C.OTHER, C.SGA_CASH, C.INTEREST}),
}

#: Convention name -> (narrow view, broad view).
CONVENTIONS: dict[str, tuple[str, str]] = {
    "coinshares": ("direct", "total"),
    "minermag": ("production", "all_in"),
}


@dataclass(frozen=True)
class CostLine:
    """One cost item of the ledger.

    Attributes
    ----------
    name : str
        Label shown to users.
    category : CostCategory
        Tag deciding the views that include it.
    usd_per_day : numeric
        Cost per day (scalar or a per-day array/Series). [USD/day]
    scope : str
        Site name or ``"portfolio"``.
    """

    name: str
    category: CostCategory
    usd_per_day: Any
    scope: str = "portfolio"


def view_cost_usd_per_day(lines: Sequence[CostLine], view: str) -> Any:
    """Sum of the cost lines included in a view. [USD/day]

    Parameters
    ----------
    lines : sequence of CostLine
        The ledger.
    view : {"direct", "total", "production", "all_in"}
        Cost view (see :data:`COST_VIEWS`).
    """
    if view not in COST_VIEWS:
        raise ValueError(f"unknown cost view {view!r}; expected one of {sorted(COST_VIEWS)}")
    cats = COST_VIEWS[view]
    total: Any = 0.0
    for line in lines:
        if line.category in cats:
            total = total + line.usd_per_day
    return total


def cost_per_btc_usd(cost_usd_per_day: Any, btc_per_day: Any) -> Any:
    """Cost to produce one BTC. [USD/BTC]

    Parameters
    ----------
    cost_usd_per_day : numeric
        Cost per day. [USD/day]
    btc_per_day : numeric
        BTC produced per day. [BTC/day]

    Returns
    -------
    numeric
        ``cost / btc``; NaN where no BTC is produced.
    """
    pandas = sys.modules.get("pandas")  # a Series exists only once pandas is imported
    if pandas is not None and isinstance(btc_per_day, pandas.Series):
        return cost_usd_per_day / btc_per_day.where(btc_per_day > 0)
    numpy = sys.modules.get("numpy")  # and an array once numpy is
    if numpy is not None and isinstance(btc_per_day, numpy.ndarray):
        return cost_usd_per_day / numpy.where(btc_per_day > 0, btc_per_day, numpy.nan)
    return cost_usd_per_day / btc_per_day if btc_per_day > 0 else float("nan")


def margin_fraction(btc_price_usd: Any, cost_per_btc: Any) -> Any:
    """Margin as a share of revenue: ``1 - cost/price``. [-]

    Parameters
    ----------
    btc_price_usd : numeric
        BTC price. [USD]
    cost_per_btc : numeric
        Cost per BTC. [USD/BTC]
    """
    return 1.0 - cost_per_btc / btc_price_usd


def reverse_margin(btc_price_usd: Any, cost_per_btc: Any) -> Any:
    """True where producing a BTC costs more than it sells for (the "reverse margin")."""
    return cost_per_btc > btc_price_usd


def ledger_table(lines: Sequence[CostLine], btc_per_day: float) -> pd.DataFrame:
    """Item-by-item ledger at one point in time, with the views that include each item.

    Parameters
    ----------
    lines : sequence of CostLine
        Cost items with scalar ``usd_per_day``.
    btc_per_day : float
        BTC produced per day. [BTC/day]

    Returns
    -------
    pandas.DataFrame
        One row per item: ``name, category, scope, usd_per_day, usd_per_year, usd_per_btc``
        and a boolean column ``in_<view>`` for each view.
    """
    rows = []
    for line in lines:
        usd_day = float(line.usd_per_day)
        row: dict[str, Any] = {
            "name": line.name,
            "category": str(line.category),
            "scope": line.scope,
            "usd_per_day": usd_day,
            "usd_per_year": usd_day * DAYS_PER_YEAR,
            "usd_per_btc": cost_per_btc_usd(usd_day, btc_per_day),
        }
        for view, cats in COST_VIEWS.items():
            row[f"in_{view}"] = line.category in cats
        rows.append(row)
    import pandas as pd

    return pd.DataFrame(rows)
