"""The cost views and breakevens of ``cost`` built from its figures
(``UnitEconomics.to_dict()``, whose keys are ``UnitEconomics.figures``'): the CLI prints
them and the dashboard shows them, so both give the same numbers the same way (cheap to
import: no pandas, no plotting). Amounts per day are in USD or k USD as the size needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hashpivot.reports.tables.formats import (
    btc_with_unit,
    fmt_amount,
    fmt_number,
    hashrate_with_unit,
)

#: The cost views, as keyed in the figures and as labelled.
VIEWS: tuple[tuple[str, str], ...] = (
    ("direct", "direct"), ("total", "total"), ("production", "production"), ("all_in", "all-in"),
)
VIEWS_NOTE = "direct/total: CoinShares; production/all-in: TheMinerMag"
BREAKEVEN_TITLE = "Breakevens (margin of the view = 0)"
#: What each breakeven holds fixed (:mod:`hashpivot.mining.breakeven`): a power-price
#: breakeven that priced the power-tagged items per MWh too would differ by their share.
BREAKEVEN_NOTE = (
    "each holds the rest of the day fixed: hashprice after uptime and pool fee; power "
    "price one price per MWh at every site, in place of each contract's, the "
    "power-tagged cost items (demand charges) unchanged; efficiency every machine's "
    "J/TH scaled by one factor, hashrate unchanged")
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


def network_line(name: str, network: Mapping[str, Any]) -> str:
    """The market the figures are taken at, as the CLI heads its tables and the page its
    first table: ``name: BTC ... USD, difficulty ..., fees ... BTC/block, subsidy ... BTC
    on DAY (source)``."""
    when = f" on {network['date']}" if network.get("date") else ""
    return (f"{name}: BTC {fmt_amount(network.get('btc_price_usd'))} USD, difficulty "
            f"{float(network.get('difficulty', 0)):.4g}, fees "
            f"{float(network.get('fees_btc_per_block', 0)):.4f} BTC/block, subsidy "
            f"{network.get('subsidy_btc')} BTC{when} ({network.get('source', '')})")


UNIT_TITLE = "Unit economics"
UNIT_HEADER = ("quantity", "value", "unit")


def unit_rows(figures: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The fleet's day: hashprice, hashrate, efficiency, power, BTC mined and the power
    cost per BTC, each with its unit. The hashrate and the power are those of every machine
    running (the power at the meter, overhead included); BTC mined and the costs are after
    uptime, which the row's label says."""
    hr, hr_unit = hashrate_with_unit(float(figures["hashrate_th_s"]))
    btc, btc_unit = btc_with_unit(float(figures["btc_per_day"]), "/day")
    power_mw = float(figures["power_mw"])
    power, power_unit = ((fmt_number(power_mw, 1), "MW") if power_mw >= 1
                         else (fmt_number(power_mw * 1e3, 2), "kW"))
    return [
        ("hashprice", fmt_number(figures["hashprice_usd_per_ph_day"], 2), "USD/PH/day"),
        ("fleet hashrate", hr, hr_unit),
        ("fleet efficiency", fmt_number(figures["fleet_efficiency_j_per_th"], 2), "J/TH"),
        ("power at the meter, all running", power, power_unit),
        ("BTC mined", btc, btc_unit),
        ("power cost per BTC", fmt_amount(figures["power_cost_per_btc_usd"]), "USD/BTC"),
    ]


FLEET_TITLE = "Per fleet line, per day"
FLEET_NOTE = ("revenue after pool fees; power = energy at the site's contract price; profit "
              "after power, before the other cost items below")


def fleet_header(small: bool) -> tuple[str, ...]:
    """Column headings of :func:`fleet_rows`."""
    unit = day_unit(small)
    return ("site", "model", "hashrate", "BTC mined", f"revenue\n{unit}", f"power\n{unit}",
            f"profit\n{unit}")


def fleet_rows(fleet: Sequence[Mapping[str, Any]], btc_price_usd: float, small: bool
               ) -> tuple[list[tuple[str, ...]], tuple[str, ...] | None]:
    """One row per fleet entry (``UnitEconomics.to_dict()["fleet"]``): hashrate, BTC per
    day, revenue, power cost and the profit after power per day; and the total row when
    there are several entries (else None)."""
    rows: list[tuple[str, ...]] = []
    revenue_total = power_total = 0.0
    for r in fleet:
        revenue = float(r["btc_per_day"]) * btc_price_usd
        power = float(r["energy_mwh_per_day"]) * float(r["power_price_usd_per_mwh"])
        revenue_total += revenue
        power_total += power
        rows.append((str(r["site"]), str(r["label"]),
                     " ".join(hashrate_with_unit(float(r["hashrate_th_s"]), 1)),
                     " ".join(btc_with_unit(float(r["btc_per_day"]))),
                     day_amount(revenue, small), day_amount(power, small),
                     day_amount(revenue - power, small)))
    if len(fleet) <= 1:
        return rows, None
    total = ("total", "",
             " ".join(hashrate_with_unit(sum(float(r["hashrate_th_s"]) for r in fleet), 1)),
             " ".join(btc_with_unit(sum(float(r["btc_per_day"]) for r in fleet))),
             day_amount(revenue_total, small), day_amount(power_total, small),
             day_amount(revenue_total - power_total, small))
    return rows, total


LEDGER_TITLE = "Cost items"
LEDGER_NOTE = "views that count the item: D direct, T total, P production, A all-in"
_VIEW_LETTERS = (("direct", "D"), ("total", "T"), ("production", "P"), ("all_in", "A"))


def ledger_is_big(items: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the amounts per year print in M USD (some item of 100,000 USD or more)."""
    return any(abs(float(r["usd_per_year"])) >= 1e5 for r in items)


def ledger_header(big: bool) -> tuple[str, ...]:
    """Column headings of :func:`ledger_rows`."""
    return ("item", "category", "scope", "M USD\n/year" if big else "USD\n/year",
            "USD\n/BTC", "views")


def ledger_rows(items: Sequence[Mapping[str, Any]], big: bool) -> list[tuple[str, ...]]:
    """One row per cost item (``UnitEconomics.to_dict()["cost_items"]``): its category,
    scope, amount per year and per BTC, and the views that count it."""
    return [
        (str(r["name"]), str(r["category"]).replace("_", " "), str(r["scope"]),
         fmt_number(float(r["usd_per_year"]) / 1e6, 1) if big
         else fmt_number(float(r["usd_per_year"])),
         fmt_number(r["usd_per_btc"]),
         " ".join(letter if r[f"in_{view}"] else "-" for view, letter in _VIEW_LETTERS))
        for r in items
    ]


__all__ = [
    "BREAKEVEN_HEADER",
    "BREAKEVEN_TITLE",
    "FLEET_NOTE",
    "FLEET_TITLE",
    "LEDGER_NOTE",
    "LEDGER_TITLE",
    "UNIT_HEADER",
    "UNIT_TITLE",
    "VIEWS",
    "VIEWS_NOTE",
    "breakeven_rows",
    "day_amount",
    "day_unit",
    "fleet_header",
    "fleet_rows",
    "is_small",
    "ledger_header",
    "ledger_is_big",
    "ledger_rows",
    "network_line",
    "unit_rows",
    "view_header",
    "view_note",
    "view_rows",
]
