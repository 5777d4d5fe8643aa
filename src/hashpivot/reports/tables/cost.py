"""The cost views and breakevens of ``cost`` built from its figures
(``UnitEconomics.to_dict()``, whose keys are ``UnitEconomics.figures``'): the CLI prints
them and the dashboard shows them, so both give the same numbers the same way (cheap to
import: no pandas, no plotting). Amounts per day are in USD or k USD as the size needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hashpivot.reports.tables.formats import fmt_amount, fmt_number

#: The cost views, as keyed in the figures and as labelled.
VIEWS: tuple[tuple[str, str], ...] = (
    ("direct", "direct"), ("total", "total"), ("production", "production"), ("all_in", "all-in"),
)
VIEWS_NOTE = "direct/total: CoinShares; production/all-in: TheMinerMag"
BREAKEVEN_TITLE = "Breakevens (margin of the view = 0)"
BREAKEVEN_HEADER = ("view", "hashprice\nUSD/PH/day", "power price\nUSD/MWh", "efficiency\nJ/TH")


def is_small(figures: Mapping[str, Any]) -> bool:
    """Whether amounts per day print in USD (revenue under 100,000 USD/day) rather than
    k USD."""
    return bool(abs(figures["revenue_usd_per_day"]) < 1e5)


def day_amount(x: float, small: bool) -> str:
    """An amount per day in the unit of :func:`day_unit`."""
    return fmt_number(x, 2) if small else fmt_number(x / 1e3, 1)


def day_unit(small: bool) -> str:
    """USD (small) or k USD (per day: the tables' titles say so)."""
    return "USD" if small else "k USD"


def view_header(small: bool) -> tuple[str, ...]:
    """Column headings of :func:`view_rows`."""
    unit = day_unit(small)
    return ("view", "cost/BTC\nUSD", "margin\n%", f"cost\n{unit}", f"profit\n{unit}", "reverse")


def view_note(figures: Mapping[str, Any]) -> str:
    """What the cost-view columns mean, with the revenue the profits are taken from."""
    small = is_small(figures)
    return (
        f"{VIEWS_NOTE}; profit = revenue {day_amount(figures['revenue_usd_per_day'], small)} "
        f"{day_unit(small)} - cost; reverse = cost per BTC above the BTC price"
    )


def view_rows(figures: Mapping[str, Any]) -> list[tuple[str, str, str, str, str, bool]]:
    """Per view: label, cost per BTC [USD] (whole, or three significant digits when
    small), margin [%], cost and profit per day, and whether the view is in reverse
    margin."""
    small = is_small(figures)
    rows = []
    for key, label in VIEWS:
        cost_day = float(figures[f"cost_usd_per_day_{key}"])
        margin = figures[f"margin_{key}_fraction"]
        rows.append((
            label,
            fmt_amount(figures[f"cost_per_btc_{key}_usd"]),
            fmt_number(None if margin is None else 100 * margin, 1),
            day_amount(cost_day, small),
            day_amount(figures["revenue_usd_per_day"] - cost_day, small),
            bool(figures[f"reverse_margin_{key}"]),
        ))
    return rows


def breakeven_rows(figures: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """Per view: the hashprice [USD/PH/day], power price [USD/MWh] and fleet efficiency
    [J/TH] at which its margin is zero."""
    return [
        (label,
         fmt_number(figures[f"breakeven_hashprice_{key}_usd_per_ph_day"], 2),
         fmt_number(figures[f"breakeven_power_price_{key}_usd_per_mwh"], 2),
         fmt_number(figures[f"breakeven_efficiency_{key}_j_per_th"], 2))
        for key, label in VIEWS
    ]


__all__ = [
    "BREAKEVEN_HEADER",
    "BREAKEVEN_TITLE",
    "VIEWS",
    "VIEWS_NOTE",
    "breakeven_rows",
    "day_amount",
    "day_unit",
    "is_small",
    "view_header",
    "view_note",
    "view_rows",
]
