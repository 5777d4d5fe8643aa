"""The portfolio as it stands on the first month a forward engine values, and its notes.

Fleet entries and cost items may carry ``start`` and ``end`` dates. ``cost`` and
``backtest`` count an entry on the days it applies; ``pivot``, ``simulate`` and
``optimize`` value the portfolio from a first month to a horizon.
:func:`standing_portfolio` is the rule they share (``dispatch``, which runs a site over a
price file's intervals, runs each entry on the intervals it is installed):

* an entry whose ``end`` falls before the first month is gone (machines retired, a contract
  expired): it is left out, and a note names it, so a file kept for ``backtest`` with its
  retired machines does not value them in the future;
* a fleet entry that starts after the first day valued, or ends before the horizon's last
  month, runs between its dates (:mod:`hashpivot.engines.pivot.availability`: an
  expansion mines from its start, bought then when it gives a purchase price; retired
  machines mine no more), and a note names it;
* where a site's entries draw more together than ``capacity_mw`` (dated one after the
  other: the file checks those installed at the same time), those that replace one
  another share a slot of the capacity in turn (a swap:
  :mod:`hashpivot.mining.slots`), and the note names them; where no such slots
  fit the capacity, the entries are taken as they stand instead, each over the whole
  horizon, the least efficient cut to the capacity, and the note says so;
* a cost item that starts after the first day valued, or ends before the horizon's last
  day, is paid between its dates (:mod:`hashpivot.engines.pivot.cost_dates`; the
  portfolio's own items in ``simulate``'s treasury), and a note names it.

A portfolio whose every machine is idle (``uptime_fraction`` 0) mines nothing: the engines
value it, and a note says so in the words ``cost`` refuses it with
(:mod:`hashpivot.engines.idle_fleet`).

A site's ``connection_date`` after the first month is no entry to leave out: the engines
mine its machines from that day (:mod:`hashpivot.engines.pivot.connection`), and a note
here says so.

Field paths in the notes are those of the file (``sites[0].fleet[1]``), before any entry
is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from hashpivot.engines.idle_fleet import idle_fleet_note
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.fleet import last_day
from hashpivot.models.portfolio import find_site

if TYPE_CHECKING:
    from hashpivot.models import CostItem, FleetEntry, Portfolio, Site

__all__ = ["CORPORATE_NOT_CASH", "Standing", "standing_portfolio"]

#: Categories of the portfolio's own cost items that no forward engine pays as cash
#: (``interest`` is ``[treasury].debt``'s): ``simulate``'s treasury pays the others.
CORPORATE_NOT_CASH = frozenset({"depreciation", "stock_based_compensation", "interest"})


@dataclass(frozen=True)
class Standing:
    """A portfolio reduced to what stands on a first month, and what that left out.

    Attributes
    ----------
    portfolio : Portfolio
        The portfolio without the entries that ended before the first month (the same
        object when none did).
    notes : list of str
        Notes per site (and for the portfolio's own cost items) that left an entry out,
        run dated entries between their dates or count them over the whole horizon.
    """

    portfolio: Portfolio
    notes: list[str] = field(default_factory=list)


def _month(text: str | None) -> pd.Period | None:
    return None if text is None else pd.Period(str(text)[:7], freq="M")


def _ends_before(text: str | None, last: pd.Period) -> bool:
    """Whether an ``end`` falls before the last day of ``last`` (as
    :func:`hashpivot.engines.pivot.availability.retires_within`)."""
    day = last_day(text)
    return day is not None and bool(day < last.end_time.normalize())


def _fleet_label(entry: FleetEntry) -> str:
    return f"{entry.label}, {entry.count:,} machines"


def _split(entries: Sequence[FleetEntry | CostItem], path: str, labels: Sequence[str],
           first: pd.Period, last: pd.Period, costs: bool = False,
           named: Sequence[bool] | None = None) -> tuple[list[int], list[str], list[str]]:
    """Positions kept, descriptions of the entries gone and of the dated ones (``costs``:
    cost items, paid between their dates, so one starting after the horizon never;
    ``named``: which dated ones to describe, default all)."""
    kept: list[int] = []
    gone: list[str] = []
    throughout: list[str] = []
    for j, (entry, label) in enumerate(zip(entries, labels, strict=True)):
        end = _month(entry.end)
        if end is not None and end < first:
            gone.append(f"{path}[{j}] ({label}; end {entry.end})")
            continue
        kept.append(j)
        dated = []
        if costs and entry.start is not None and pd.Timestamp(entry.start) > last.end_time:
            dated.append(f"start {entry.start}, after the horizon's last month: never in "
                         "the valuation")
        elif entry.start is not None and pd.Timestamp(entry.start) > first.start_time:
            dated.append(f"start {entry.start}")
        if _ends_before(entry.end, last):
            dated.append(f"end {entry.end}")
        if dated and (named is None or named[j]):
            throughout.append(f"{path}[{j}] ({label}; {', '.join(dated)})")
    return kept, gone, throughout


def _note(owner: str, first: pd.Period, last: pd.Period, gone: list[str],
          throughout: list[str]) -> str:
    parts = []
    if gone:
        parts.append(f"left out, as they end before {first} (the first month valued): "
                     + "; ".join(gone))
    if throughout:
        parts.append(f"counted from {first} to {last} though dated otherwise (the forward "
                     "engines take the portfolio as it stands: they add no entry on its "
                     "start and drop none at its end): " + "; ".join(throughout))
    return f"{owner}: " + "; and ".join(parts)


def _cost_dates_note(owner: str, first: pd.Period, last: pd.Period,
                     dated: list[str], corporate: bool = False) -> str:
    """The note of cost items paid between their dates (start after the first day
    valued, or end before the horizon's last day); ``corporate``: the portfolio's own
    items, which only ``simulate``'s treasury pays."""
    how = ("simulate's treasury pays the portfolio's own items between their dates"
           if corporate else
           "dated cost items are paid between their dates (the terminal value takes each "
           "as it stands on the horizon's last day; the figures per year printed are those "
           "of every item applying)")
    return f"{owner}: {how}, valued {first} to {last}: " + "; ".join(dated)


def _dates_note(site: Site, index: int, kept: list[int], first: pd.Period,
                last: pd.Period) -> str:
    """The note of a site whose dated fleet entries run between their dates."""
    described = []
    for j in kept:
        e = site.fleet[j]
        parts = []
        stop = last_day(e.end)
        never = (stop is not None and site.connection_date is not None
                 and stop < pd.Timestamp(site.connection_date))
        if never:
            parts.append(f"installed to {e.end}, before the site's connection on "
                         f"{site.connection_date}: never runs, neither mined nor bought")
        elif e.start is not None and pd.Timestamp(e.start) > last.end_time:
            parts.append(f"installed on {e.start}, after the horizon's last month: neither "
                         "mined nor bought in the valuation")
        elif e.start is not None and pd.Timestamp(e.start) > first.start_time:
            assert e.hashrate_th_s is not None
            price = e.capex_usd_per_th
            bought = (f"bought then for {e.count * e.hashrate_th_s * price / 1e6:,.1f} M USD "
                      f"at {price:g} USD/TH on the MW no conversion displaces" if price else
                      "no capex_usd_per_th: taken as paid for, its purchase not counted")
            parts.append(f"mines from its start {e.start}, {bought}")
        if _ends_before(e.end, last) and not never:
            parts.append(f"mines to its end {e.end}, its machines not resold")
        if parts:
            described.append(f"sites[{index}].fleet[{j}] ({_fleet_label(e)}; "
                             f"{'; '.join(parts)})")
    return (f"{site.name}: dated fleet entries run between their dates in the forward "
            f"engines (a conversion displaces machines by their power at the meter, "
            f"installed or planned; the site's own cost items other than its cash SG&A "
            f"are paid whole by the machines installed, and follow the MW converted; "
            f"valued {first} to {last}): "
            + "; ".join(described))


def _over_capacity(site: Site, index: int, kept: list[int]) -> tuple[str, str]:
    """What the notes add where the entries kept draw more together than the site's
    capacity (entries dated one after the other): how they replace one another on the
    same power (a swap, :mod:`hashpivot.mining.slots`), or, where no slots fit, that they
    are taken as they stand; both empty where they fit together."""
    standing = site.model_copy(update={"fleet": [site.fleet[j] for j in kept]})
    if standing.fleet_fits_capacity:
        return "", ""
    drawn = (f"together they draw {standing.fleet_power_mw:,.1f} MW, more than capacity_mw "
             f"= {site.capacity_mw:g}")
    slots = standing.fleet_slots
    if slots is None:
        return "", (f"; {drawn}: the engines mine the capacity, the least efficient machines "
                    "cut first")
    entries, power = standing.fleet, standing.entry_power_mw
    chains = [" then ".join(f"sites[{index}].fleet[{kept[j]}] ({entries[j].label}, "
                            f"{power[j]:,.1f} MW)" for j in slot)
              for slot in slots if len(slot) > 1]
    return ("; entries dated one after the other replace one another on the same power "
            f"({drawn}; a slot of the capacity each, as large as its largest entry; a "
            "conversion displaces the slots in the order of the machines they hold at the "
            "start, least efficient first, each slot keeping its place after its swap, and "
            "a later entry is bought only on the MW a conversion left): "
            + "; ".join(chains)), ""


def _connection_note(site: str, index: int, day: str, first: pd.Period,
                     last: pd.Period) -> str:
    """The note of a site connected after the first month valued begins."""
    when = pd.Timestamp(day)
    if when > last.end_time:
        return (f"{site}: connected to the grid on {day} (sites[{index}].connection_date), "
                f"after the last month valued ({last}): nothing runs there in the "
                "valuation (no mining, no site costs, no hall in service)")
    which = ("during the first month valued" if when <= first.end_time
             else "after the first month valued")
    return (f"{site}: connected to the grid on {day} (sites[{index}].connection_date), "
            f"{which} ({first}): its machines mine from that day and no hall goes into "
            "service before it (nothing runs there before: no mining, no site costs)")


def standing_portfolio(portfolio: Portfolio, periods: pd.PeriodIndex,
                       site_name: str | None = None, corporate: bool = False) -> Standing:
    """The portfolio as it stands on ``periods[0]``, valued to ``periods[-1]``.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    periods : pandas.PeriodIndex
        The months valued (monthly frequency, at least one).
    site_name : str, optional
        The one site valued (``--site``); notes and errors concern only the sites valued.
    corporate : bool, optional
        Whether the engine counts the portfolio's own ``cost_items`` (``simulate``'s
        treasury does; ``pivot`` and ``optimize`` leave them out, as they are the same in
        every strategy): only then does a note name the dated ones; without, a note says
        the cash ones are left out and how much they come to.

    Returns
    -------
    Standing
        The portfolio without the fleet entries and cost items that end before the first
        month, and notes per site on those left out, on the dated ones run between their
        dates and on those counted over the whole horizon (a fleet over its capacity).

    Raises
    ------
    InputError
        At ``sites[i].fleet``: a valued site whose every fleet entry ends before the
        first month (it has nothing to mine with).
    """
    first, last = pd.Period(periods[0], freq="M"), pd.Period(periods[-1], freq="M")
    valued = (
        {find_site(portfolio.sites, site_name)[0]} if site_name is not None
        else set(range(len(portfolio.sites)))
    )
    notes: list[str] = []
    problems: list[Problem] = []
    sites = list(portfolio.sites)
    changed = False
    standing: list[tuple[int, Site, list[int]]] = []
    for i, site in enumerate(portfolio.sites):
        fleet_kept, fleet_gone, fleet_on = _split(
            site.fleet, f"sites[{i}].fleet", [_fleet_label(e) for e in site.fleet], first, last)
        if i in valued:
            standing.append((i, site, fleet_kept))
        cost_kept, cost_gone, cost_on = _split(  # (the dated items the engines pay)
            site.cost_items, f"sites[{i}].cost_items", [c.name for c in site.cost_items],
            first, last, costs=True,
            named=[c.category not in CORPORATE_NOT_CASH for c in site.cost_items])
        if site.fleet and not fleet_kept and i in valued:
            problems.append(Problem(
                f"sites[{i}].fleet",
                f"every entry ends before {first}, the first month valued: the site has no "
                "fleet as it stands then (give the machines it runs now, or value it by its "
                "cost per BTC on an earlier day, or by a backtest)"))
            continue
        if fleet_gone or cost_gone:
            changed = True
            sites[i] = site.model_copy(update={
                "fleet": [site.fleet[j] for j in fleet_kept],
                "cost_items": [site.cost_items[j] for j in cost_kept],
            })
        # the forward engines run dated entries between their dates where they fit the
        # capacity together; else they take them as they stand (availability.py)
        swaps, over = _over_capacity(site, i, fleet_kept) if fleet_on else ("", "")
        throughout = fleet_on if over else []
        if i in valued and (fleet_gone or cost_gone or throughout):
            notes.append(_note(site.name, first, last, fleet_gone + cost_gone, throughout)
                         + over)
        if i in valued and cost_on:
            notes.append(_cost_dates_note(site.name, first, last, cost_on))
        if i in valued and fleet_on and not over:
            notes.append(_dates_note(site, i, fleet_kept, first, last) + swaps)
        if i in valued and site.connection_date is not None and (
                pd.Timestamp(site.connection_date) > first.start_time):
            notes.append(_connection_note(site.name, i, site.connection_date, first, last))
    if problems:
        raise InputError(problems)
    idle = idle_fleet_note(standing, whole=len(valued) == len(portfolio.sites))
    if idle is not None:
        notes.append(idle)
    items = list(portfolio.cost_items)
    kept, gone, throughout = _split(items, "cost_items", [c.name for c in items], first, last,
                                    costs=True)
    if corporate and gone:
        notes.append(_note("portfolio", first, last, gone, []))
    if corporate and throughout:
        notes.append(_cost_dates_note("portfolio", first, last, throughout, corporate=True))
    cash = [items[j] for j in kept if str(items[j].category) not in CORPORATE_NOT_CASH]
    if not corporate and cash:
        notes.append(
            f"portfolio: its own cost_items ({len(cash)} cash, "
            f"{sum(c.annual_usd for c in cash) / 1e6:,.1f} M USD/year) are in no strategy's "
            "cash flows: the same in each, they leave every difference between strategies "
            "unchanged, but each value is above what the company nets by them (simulate's "
            "treasury pays them, cost counts them per BTC)")
    update: dict[str, object] = {}
    if changed:
        update["sites"] = sites
    if gone:
        update["cost_items"] = [items[j] for j in kept]
    out = portfolio.model_copy(update=update) if update else portfolio
    return Standing(portfolio=out, notes=notes)
