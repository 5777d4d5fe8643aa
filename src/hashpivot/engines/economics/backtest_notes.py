"""What a backtest assumes of a fleet the window did not hold as it stands: notes.

A portfolio describes a fleet as it is (or will be); a backtest runs it over history. Two
of its conventions can decide how the window reads, so each is said with the result when
it matters:

- a fleet entry without a ``start`` runs from the window's first day (to its ``end``),
  and its straight-line depreciation (``capex_usd_per_th`` over ``depreciation_years``)
  runs on each of those days, as a run-rate: over a window longer than its life it is
  charged more than it cost (:func:`undated_depreciation_note`);
- BTC mined is the fleet's share of the network the historical difficulty implies, which
  does not include a fleet that was not there: a fleet that is a large share of that
  network would have raised the difficulty (:func:`fleet_share_note`);
- a fleet entry or cost item dated within the window counts only on its days, which the
  rows (a site's uptime, the cost items' total per year) do not show: each is named with
  its dates (:func:`dated_in_window_note`);
- a day on which costs run but nothing mines (machines not installed yet, or idle) has no
  cost per BTC, and is no reverse-margin day, while its costs count in the window's cost
  per BTC (:func:`no_mining_days_note`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hashpivot.bitcoin import hashrate_from_difficulty
from hashpivot.engines.economics.fleet_arrays import PortfolioArrays
from hashpivot.models import CostItem, FleetEntry, Portfolio
from hashpivot.units import DAYS_PER_YEAR

__all__ = [
    "FLEET_SHARE_NOTE_ABOVE",
    "dated_in_window_note",
    "fleet_share_note",
    "no_mining_days_note",
    "undated_depreciation_note",
]

#: A fleet above this share of the network's hashrate on some day is noted (the largest
#: listed miners held about 5-6 % in 2025). [-]
FLEET_SHARE_NOTE_ABOVE = 0.05


def undated_depreciation_note(
    portfolio: Portfolio, arr: PortfolioArrays, depreciating: np.ndarray
) -> str | None:
    """The note of fleet entries without a ``start`` depreciated past their purchase cost.

    Parameters
    ----------
    portfolio : Portfolio
        Its fleet entries, in the order of ``arr``'s rows.
    arr : PortfolioArrays
        Per entry: ``depreciation_usd_per_year``. [USD/year]
    depreciating : numpy.ndarray
        ``(entries, days)``: 1 on the days an entry is depreciated. [-]

    Returns
    -------
    str or None
        The entries, the depreciation the window charges them [M USD] against their
        purchase cost [M USD] and the field that ends it; None when no undated entry is
        charged more than its cost.
    """
    charged_usd = arr.depreciation_usd_per_year / DAYS_PER_YEAR * depreciating.sum(axis=1)
    names: list[str] = []
    fields: list[str] = []
    charged = cost = 0.0
    row = 0
    for i, site in enumerate(portfolio.sites):
        for j, entry in enumerate(site.fleet):
            life = entry.depreciation_years
            if entry.start is None and life is not None:
                purchase = float(arr.depreciation_usd_per_year[row]) * float(life)
                if charged_usd[row] > purchase * (1 + 1e-9):
                    names.append(f"{site.name}: {entry.label}")
                    fields.append(f"sites[{i}].fleet[{j}].start")
                    charged += float(charged_usd[row])
                    cost += purchase
            row += 1
    if not names:
        return None
    listed = "; ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (f"fleet entries without a start ({listed}) are depreciated on every day of the "
            f"window they run, as a run-rate: {charged / 1e6:,.1f} M USD "
            f"against their purchase cost of {cost / 1e6:,.1f} M USD "
            f"({charged / cost:.2f}x) in the total view; a start ({fields[0]}"
            f"{', ...' if len(fields) > 1 else ''}) stops it after their depreciation_years")


def fleet_share_note(
    arr: PortfolioArrays, installed: np.ndarray, difficulty: np.ndarray,
    dates: pd.DatetimeIndex, btc_mined: np.ndarray,
) -> str | None:
    """The note of a fleet above :data:`FLEET_SHARE_NOTE_ABOVE` of the network's hashrate.

    The share is of a network that includes the fleet, ``f / (n + f)`` with ``f`` its
    effective hashrate (uptime and overclocking, as BTC mined count it) and ``n`` the
    network the day's difficulty implies, which did not hold it. Had the fleet been
    there, the difficulty would have been ``(n + f) / n`` times as high and the day's BTC
    mined ``n / (n + f)`` of the figure: the note gives that fall, on the day and over
    the window.

    Parameters
    ----------
    arr : PortfolioArrays
        Per entry: ``effective_hashrate_th_s``. [TH/s]
    installed : numpy.ndarray
        ``(entries, days)``: 1 on the days an entry runs. [-]
    difficulty : numpy.ndarray
        The day's mean difficulty. [-]
    dates : pandas.DatetimeIndex
        The window's days.
    btc_mined : numpy.ndarray
        The day's BTC mined by the fleet. [BTC]

    Returns
    -------
    str or None
        The largest share [%], its day, both hashrates [EH/s] and the fall of BTC mined
        [%]; None at or below the threshold or without days.
    """
    if len(dates) == 0:
        return None
    fleet_th_s = arr.effective_hashrate_th_s @ installed
    network_th_s = np.asarray(hashrate_from_difficulty(np.asarray(difficulty, dtype=float)))
    total = network_th_s + fleet_th_s
    share = np.divide(fleet_th_s, total, out=np.zeros_like(fleet_th_s), where=total > 0)
    k = int(np.argmax(share))
    if share[k] <= FLEET_SHARE_NOTE_ABOVE:
        return None
    mined = float(np.sum(btc_mined))
    fall = 1.0 - float(np.sum(btc_mined * (1.0 - share))) / mined if mined > 0 else 0.0
    return (f"the fleet would have been up to {100 * share[k]:.1f} % of the network's "
            f"hashrate (on {dates[k].date()}: {fleet_th_s[k] / 1e6:,.2f} EH/s running beside "
            f"the {network_th_s[k] / 1e6:,.2f} the difficulty implies): its BTC mined take "
            "the historical difficulty, which a fleet that large would have raised; with it "
            f"in the network they fall {100 * share[k]:.1f} % that day and "
            f"{100 * fall:.1f} % over the window (a what-if, an upper bound)")


def no_mining_days_note(
    dates: pd.DatetimeIndex, btc_mined: np.ndarray, cost_total_usd: np.ndarray
) -> str | None:
    """The note of the days that carry costs but mine no BTC.

    Parameters
    ----------
    dates : pandas.DatetimeIndex
        The window's days.
    btc_mined : numpy.ndarray
        The day's BTC mined by the fleet. [BTC]
    cost_total_usd : numpy.ndarray
        The day's cost in the total view. [USD]

    Returns
    -------
    str or None
        How many such days, the first and the last, their total-view cost [M USD] and how
        they count; None when every day with a cost mines.
    """
    idle = (np.asarray(btc_mined) <= 0) & (np.asarray(cost_total_usd) > 0)
    n = int(idle.sum())
    if n == 0:
        return None
    days = dates[idle]
    cost_musd = float(np.sum(np.asarray(cost_total_usd)[idle])) / 1e6
    return (f"on {n:,} of the window's {len(dates):,} days costs run but no machine mines "
            f"(first {days[0].date()}, last {days[-1].date()}: machines not installed yet, "
            "or idle): their cost per BTC is undefined (empty in backtest.csv) and they "
            f"are not counted as reverse-margin days; their {cost_musd:,.1f} "
            "M USD of total-view cost count in the window's cost per BTC")


def dated_in_window_note(portfolio: Portfolio, dates: pd.DatetimeIndex,
                         items: Sequence[CostItem]) -> str | None:
    """The note of the fleet entries and cost items that apply on part of the window.

    Parameters
    ----------
    portfolio : Portfolio
        Its sites' fleet entries.
    dates : pandas.DatetimeIndex
        The window's days.
    items : sequence of CostItem
        The cost items counted on some day of the window.

    Returns
    -------
    str or None
        Each entry (by site) and item installed or paid on some days of the window but not
        all, by its ``start`` or ``end``, with its dates, then the entries installed on
        none of its days; None when every one applies on every day (a site connected
        within the window has its own note).
    """
    def part(dated: CostItem | FleetEntry) -> bool:
        on = dated.active_on(dates)
        return bool(on.any()) and not bool(on.all())

    named = [e.with_dates(f"{site.name}: {e.label}")
             for site in portfolio.sites for e in site.fleet if part(e)]
    named += [c.with_dates(f"cost item {c.name}") for c in items if part(c)]
    never = [e.with_dates(f"{site.name}: {e.label}") for site in portfolio.sites
             for e in site.fleet if not bool(e.active_on(dates).any())]
    parts = ([f"counted only on their days (the rows' uptime and cost items per year are "
              f"theirs on those days): {'; '.join(named)}"] if named else [])
    parts += ([f"fleet entries installed on none of its days, left out (no hashrate, power "
               f"or depreciation): {'; '.join(never)}"] if never else [])
    if not parts:
        return None
    return (f"by their start and end, over the window {dates[0].date()} to "
            f"{dates[-1].date()}: "
            + "; and ".join(parts))
