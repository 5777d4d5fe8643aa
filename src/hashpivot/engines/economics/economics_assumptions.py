"""The resolved assumptions of ``cost`` and ``backtest``: what can flip their cost per BTC
and margins, each with its source, as the rows ``pivot``, ``simulate`` and ``optimize``
print (``name``, ``value``, ``unit``, ``source``).

- the network conditions: each figure of ``cost``'s day (the data's, or given for the
  run) and how the day was chosen; ``backtest``'s daily history and its sources;
- per site counted (its name before each field where there are several): the uptime of
  its fleet entries, its pool fee and power overhead factor, (``backtest``) its fleet
  (:func:`~hashpivot.engines.mining_terms.mining_term_rows`, as ``pivot``'s rows), its
  power contract and its ASIC depreciation (purchase price and life, straight-line, or
  none in the file);
- the cost items counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hashpivot.engines.mining_terms import (
    fleet_facts,
    fleet_row,
    mining_term_facts,
    mining_term_rows,
    power_contract_row,
    power_contract_text,
)
from hashpivot.mining import CostCategory

if TYPE_CHECKING:
    import pandas as pd

    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.models import CostItem, FleetEntry, Portfolio, Site

#: The figures of a day's network conditions shown: attribute, name, unit.
NETWORK_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("btc_price_usd", "BTC price", "USD"),
    ("difficulty", "difficulty", "-"),
    ("fees_btc_per_block", "fees per block", "BTC/block"),
    ("subsidy_btc", "block subsidy", "BTC/block"),
)

#: How each engine counts a fleet entry's straight-line depreciation over its life.
DEPRECIATION_CONVENTION = {
    "cost": "straight-line from each entry's start for its depreciation_years, none once "
            "written off (an entry without a start: every day)",
    "backtest": "straight-line from each entry's start for its depreciation_years (an "
                "entry without a start: every day of the window it runs, a run-rate)",
}

#: What an index power contract is taken at (neither engine reads a price series).
_INDEX_FLAT = "file; an index contract at its expected price throughout (no price series)"


def running_entries(portfolio: Portfolio, dates: pd.DatetimeIndex | None = None
                    ) -> list[tuple[Site, list[FleetEntry]]]:
    """Each site with the fleet entries that run on some of ``dates`` (installed, the site
    connected: :meth:`~hashpivot.models.Site.running_on`); every entry when None; the
    sites none of whose entries run are left out."""
    out = []
    for site in portfolio.sites:
        mask = site.running_on(dates) if dates is not None else None
        runs = [mask is None or bool(mask[j].any()) for j in range(len(site.fleet))]
        entries = [e for e, r in zip(site.fleet, runs, strict=True) if r]
        if entries:
            out.append((site, entries))
    return out


def network_rows(network: NetworkConditions) -> list[dict[str, Any]]:
    """The day of ``cost``'s network conditions (how it was chosen) and each figure, from
    the data of that day or given for the run (``network.given``)."""
    data = (network.data_source or network.source).removeprefix("Source: ")
    rows = [{"name": "network day",
             "value": network.date.isoformat() if network.date else "none: figures given",
             "unit": "day", "source": network.day_source}]
    rows += [{"name": name, "value": getattr(network, attr), "unit": unit,
              "source": "run setting" if attr in network.given else data}
             for attr, name, unit in NETWORK_FIGURES]
    return rows


def history_rows(start: str, end: str, days: int, source: str) -> list[dict[str, Any]]:
    """``backtest``'s network conditions: each day's of its window, from ``source``."""
    return [{"name": "network conditions",
             "value": f"each day's, {start} to {end} ({days:,} days)", "unit": "-",
             "source": f"daily history: price, mean difficulty, fees and subsidy per "
                       f"block; {source}"}]


def _span(values: Sequence[float]) -> str:
    """``"17"``, or ``"16-22"`` where they differ."""
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def depreciation_row(prefix: str, site: Site, entries: Sequence[FleetEntry],
                     engine: str, items: Sequence[CostItem] = (),
                     day: pd.DatetimeIndex | None = None) -> dict[str, Any]:
    """The row of the site's ASIC depreciation: the purchase prices [USD/TH] and lives
    [year] its counted ``entries`` give, by the ``engine``'s convention
    (:data:`DEPRECIATION_CONVENTION`), the entries without them named, and those written
    off by ``day`` (``cost``'s, one day: none of their depreciation counts; ``backtest``'s
    window: each with the day it is written off, none counted from then); or none (the
    total view then counts only the depreciation cost items, ``items``)."""
    priced = [e for e in entries if e.capex_usd_per_th is not None
              and e.depreciation_years is not None]
    name = f"{prefix}[sites.fleet] ASIC depreciation"
    if not priced:
        listed = [c.name for c in site.cost_items if c.category == CostCategory.DEPRECIATION
                  and any(c is i for i in items)]
        return {"name": name, "value": "none", "unit": "-",
                "source": "not in the file (capex_usd_per_th, depreciation_years): the "
                          "total view counts " + (f"the cost item {', '.join(listed)} only"
                                                  if listed else "no ASIC depreciation")}
    unpriced = [e.label for e in entries if e.capex_usd_per_th is None]
    written_off = ""
    if day is not None and len(day) == 1:
        off = [f"{e.label} (from {e.start}, {e.depreciation_years:g} years)"
               for e in priced if not bool(e.depreciating_on(day)[0])]
        written_off = (f"; written off by {day[0].date()}, none counted that day: "
                       f"{', '.join(off)}" if off else "")
    elif day is not None and len(day):  # a window: those written off by its last day
        ends = [(e, e.depreciation_end) for e in priced]
        off = [f"{e.label} (from {e.start}, {e.depreciation_years:g} years): written off "
               f"on {end.date()}" for e, end in ends if end is not None and end <= day[-1]]
        written_off = (f"; depreciated only to its write-off, none counted from then: "
                       f"{', '.join(off)}" if off else "")
    value = (f"{_span([float(e.capex_usd_per_th or 0.0) for e in priced])} USD/TH over "
             f"{_span([float(e.depreciation_years or 0.0) for e in priced])} years")
    source = ("file" + (f"; none for {', '.join(unpriced)}" if unpriced else "")
              + written_off + "; " + DEPRECIATION_CONVENTION[engine])
    return {"name": name, "value": value, "unit": "-", "source": source}


def site_rows(counted: Sequence[tuple[Site, list[FleetEntry]]], engine: str,
              items: Sequence[CostItem] = (), day: pd.DatetimeIndex | None = None
              ) -> list[dict[str, Any]]:
    """Per site counted: its power contract, (``backtest``: ``cost`` prints its fleet in
    tables of its own) its fleet counted, what is installed when in the window ``day``,
    its mining terms (the counted entries' uptime) and its ASIC depreciation (on ``day``,
    ``cost``'s)."""
    rows: list[dict[str, Any]] = []
    for site, entries in counted:
        prefix = f"{site.name}: " if len(counted) > 1 else ""
        contract = site.power_contract
        rows.append(power_contract_row(prefix, power_contract_text(contract),
                                       _INDEX_FLAT if contract.kind == "index" else "file"))
        if engine == "backtest":
            first, last = (day[0], day[-1]) if day is not None and len(day) else (None, None)
            rows.append(fleet_row(prefix, fleet_facts(site, entries, first, last)))
        rows += mining_term_rows(prefix, mining_term_facts(site, entries))
        rows.append(depreciation_row(prefix, site, entries, engine, items, day))
    return rows


def cost_items_row(items: Sequence[CostItem]) -> dict[str, Any]:
    """The row of the cost items counted (site and corporate): how many and their total
    [M USD/year], or none (power and ASIC depreciation only)."""
    if not items:
        return {"name": "[sites.cost_items] and [cost_items]", "value": "none", "unit": "-",
                "source": "not in the file: power and ASIC depreciation only (no site "
                          "opex, SG&A or stock-based compensation)"}
    total = sum(float(c.annual_usd) for c in items) / 1e6
    return {"name": "[sites.cost_items] and [cost_items]",
            "value": f"{len(items)} items, {total:,.1f} M USD/year", "unit": "-",
            "source": "file (each listed with the cost items)"}


def cost_assumptions(network: NetworkConditions,
                     counted: Sequence[tuple[Site, list[FleetEntry]]],
                     items: Sequence[CostItem]) -> list[dict[str, Any]]:
    """The resolved assumptions of ``cost``: its day's network conditions, each site
    counted that day (``counted``: :func:`running_entries`) and the cost items counted."""
    day = None
    if network.date is not None:
        import pandas as pd

        day = pd.DatetimeIndex([pd.Timestamp(network.date)])
    return [*network_rows(network), *site_rows(counted, "cost", items, day),
            cost_items_row(items)]


def backtest_assumptions(window: tuple[str, str, int], source: str,
                         counted: Sequence[tuple[Site, list[FleetEntry]]],
                         items: Sequence[CostItem], dates: pd.DatetimeIndex | None = None
                         ) -> list[dict[str, Any]]:
    """The resolved assumptions of ``backtest``: its window (first and last day, days)
    and the history's ``source``, each site with machines running in it (the machines
    written off by the window's last day named, its ``dates``) and the cost items of the
    portfolio (each counted between its dates)."""
    start, end, days = window
    return [*history_rows(start, end, days, source),
            *site_rows(counted, "backtest", items, dates), cost_items_row(items)]


__all__ = [
    "DEPRECIATION_CONVENTION",
    "NETWORK_FIGURES",
    "backtest_assumptions",
    "cost_assumptions",
    "cost_items_row",
    "depreciation_row",
    "history_rows",
    "network_rows",
    "running_entries",
    "site_rows",
]
