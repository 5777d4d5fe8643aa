"""Fleet entries that replace one another on the same power: a site's capacity in slots.

A swap (old machines retired at an ``end``, new ones installed from a later ``start`` on
the same power) draws more, counted together, than the site's ``capacity_mw``, though
never at the same time. Where a site's entries do not fit its capacity all together
(:attr:`hashpivot.models.Site.fleet_fits_capacity`), :func:`swap_laying` lays them in
*slots*: each entry follows an entry whose ``end`` comes before its ``start``, or opens a
slot of its own; a slot is as large as its largest entry, and of the ways to lay them the
one of the least total size is kept (:func:`swap_slots`). Where the slots fit the
capacity, the entries of a slot occupy it in turn. Otherwise there is no such reading of
the file and the engines take the entries as they stand
(:mod:`hashpivot.engines.standing` says so).

A slot is displaced from its bottom: an entry smaller than its slot leaves the bottom MW
spare while it is installed (spare capacity goes first, as at the site), so a slot is cut
into *bands* at the lower edge of each of its entries, and each band holds, in turn, the
entries that cover it. A band is one tranche of the displacement
(:func:`~hashpivot.engines.pivot.tranches.tranche_mw`) and each entry in it a *unit*: the
entry's machines on the band's MW, between the entry's dates. The slots are displaced in
the order of their first entry's efficiency (most J/TH first, ties: file order), each from
its bottom band: a conversion takes the machines the site runs now, least efficient
first, and a swap later buys only the MW the conversion left (its purchase on the MW no
conversion displaced, :mod:`~hashpivot.engines.pivot.availability`). The order is fixed:
a slot keeps its place after its swap (the decision model holds the same order).

A site whose entries fit all together is not laid in slots: each entry keeps its own
capacity (a planned entry's is kept for it), as before.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["Days", "SwapUnit", "swap_laying", "swap_slots", "swap_units"]

#: Relative tolerance on MW (band edges, the capacity check). [-]
_TOL = 1e-9
#: Steps of the search for the least total slot size (:func:`swap_slots`); a site's
#: few fleet entries take a handful. [-]
_SEARCH_NODES = 100_000



@dataclass(frozen=True)
class SwapUnit:
    """One entry's machines on one band of a slot.

    Attributes
    ----------
    entry : int
        The entry's position in the site's fleet (file order).
    band : int
        The band's position in the displacement order (0: displaced first).
    gross_mw : float
        The band's power at the meter, site overhead included. [MW]
    share : float
        ``gross_mw`` over the entry's power: the share of its machines on the band. [-]
    first : bool
        Whether the entry is its slot's first (the machines the slot holds at the start).
    """

    entry: int
    band: int
    gross_mw: float
    share: float
    first: bool = False


#: The first and last day an entry is installed (None: unbounded).
Days = tuple[pd.Timestamp | None, pd.Timestamp | None]


def swap_slots(days: Sequence[Days], power_mw: Sequence[float] | None = None
               ) -> list[list[int]]:
    """The entries laid in slots, each entry following one it replaces, the slots as
    small together as they can be.

    Parameters
    ----------
    days : sequence of (Timestamp or None, Timestamp or None)
        Each entry's first and last day installed (file order).
    power_mw : sequence of float, optional
        Each entry's power [MW]; default 1 each.

    Returns
    -------
    list of list of int
        Each slot's entries in the order they occupy it, the slots in the order they open.

    Notes
    -----
    In order of start (those without one first, then file order), an entry either
    follows a slot whose last entry ended before its start or opens a slot. The first
    laying tried is the best fit: each entry follows the free slot it grows least, then
    the one it fits closest, then the one that ended last, and opens a slot when none is
    free. Of the other layings, one replaces it only when its total slot size (a slot as
    large as its largest entry) is smaller, so two lines swapped for two lines on the same
    power pair by power whatever their order in the file. The search prunes a laying that
    cannot beat the best found (its total, plus what its largest remaining entry must
    add) and stops after :data:`_SEARCH_NODES` steps with the best found by then (never
    worse than the best fit). Cached per fleet (the engines lay a site's fleet many times
    a run).
    """
    power = tuple(power_mw) if power_mw is not None else (1.0,) * len(days)
    return [list(slot) for slot in _laid(tuple(days), power)]


@functools.lru_cache(maxsize=256)
def _laid(days: tuple[Days, ...], power: tuple[float, ...]) -> tuple[tuple[int, ...], ...]:
    """:func:`swap_slots`, cached: a depth-first search from the best fit, on a stack
    (no recursion however long the fleet)."""
    never = pd.Timestamp.min
    order = sorted(range(len(days)), key=lambda j: (days[j][0] or never, j))
    n = len(order)
    # the largest power among the entries from position k on (the bound's)
    largest = [0.0] * (n + 1)
    for k in range(n - 1, -1, -1):
        largest[k] = max(largest[k + 1], power[order[k]])
    best = _best_fit(order, days, power)
    least = sum(max(power[j] for j in slot) for slot in best)
    State = tuple[int, tuple[tuple[int, ...], ...], tuple[pd.Timestamp | None, ...],
                  tuple[float, ...], float]
    stack: list[State] = [(0, (), (), (), 0.0)]
    steps = 0
    while stack and steps <= _SEARCH_NODES:
        k, slots, ends, sizes, total = stack.pop()
        if total + max(0.0, largest[k] - max(sizes, default=0.0)) >= least * (1 - _TOL):
            continue  # cannot beat the best laying found
        steps += 1
        if k == n:
            best, least = [list(slot) for slot in slots], total
            continue
        j = order[k]
        children: list[State] = []
        for i in _free(days[j][0], power[j], list(ends), list(sizes)):  # best fit first
            grown = max(sizes[i], power[j])
            children.append((k + 1, (*slots[:i], (*slots[i], j), *slots[i + 1:]),
                             (*ends[:i], days[j][1], *ends[i + 1:]),
                             (*sizes[:i], grown, *sizes[i + 1:]), total - sizes[i] + grown))
        children.append((k + 1, (*slots, (j,)), (*ends, days[j][1]), (*sizes, power[j]),
                         total + power[j]))
        stack.extend(reversed(children))  # the best fit on top
    return tuple(tuple(slot) for slot in best)


def _free(start: pd.Timestamp | None, power: float, ends: list[pd.Timestamp | None],
          sizes: list[float]) -> list[int]:
    """The slots an entry starting on ``start`` may follow (their last entry ended
    before it), best fit first: grown least, then fitting closest, then ended last."""
    if start is None:
        return []
    free = [(i, end) for i, end in enumerate(ends) if end is not None and end < start]
    free.sort(key=lambda f: (max(0.0, power - sizes[f[0]]), max(0.0, sizes[f[0]] - power),
                             -f[1].value, f[0]))
    return [i for i, _ in free]


def _best_fit(order: list[int], days: tuple[Days, ...], power: tuple[float, ...]
              ) -> list[list[int]]:
    """The best-fit laying (:func:`swap_slots`' first), in one pass: where its search
    starts."""
    slots: list[list[int]] = []
    ends: list[pd.Timestamp | None] = []
    sizes: list[float] = []
    for j in order:
        free = _free(days[j][0], power[j], ends, sizes)
        if free:
            i = free[0]
            slots[i].append(j)
            ends[i], sizes[i] = days[j][1], max(sizes[i], power[j])
        else:
            slots.append([j])
            ends.append(days[j][1])
            sizes.append(power[j])
    return slots


def swap_laying(days: Sequence[Days], power_mw: Sequence[float], capacity_mw: float
                ) -> list[list[int]] | None:
    """:func:`swap_slots` of the entries with power, where the slots fit the capacity.

    Parameters
    ----------
    days : sequence of (Timestamp or None, Timestamp or None)
        Each entry's first and last day installed (file order).
    power_mw : sequence of float
        Each entry's power at the meter, site overhead included. [MW]
    capacity_mw : float
        The site's capacity. [MW]

    Returns
    -------
    list of list of int or None
        The laying (entries without power left out); None when its slots draw more than
        the capacity together (entries that overlap in time beyond it are no swap).
    """
    used = [j for j in range(len(power_mw)) if power_mw[j] > 0]
    slots = [[used[j] for j in slot]
             for slot in swap_slots([days[j] for j in used], [power_mw[j] for j in used])]
    if sum(max(power_mw[j] for j in slot) for slot in slots) > capacity_mw * (1 + _TOL):
        return None
    return slots


def swap_units(power_mw: Sequence[float], j_per_th: Sequence[float],
               slots: Sequence[Sequence[int]]) -> list[SwapUnit]:
    """A site's entries as units of slot bands, in the order a conversion displaces them.

    Parameters
    ----------
    power_mw : sequence of float
        Each entry's power at the meter, site overhead included (file order). [MW]
    j_per_th : sequence of float
        Each entry's efficiency. [J/TH]
    slots : sequence of sequence of int
        The laying (:func:`swap_laying`).

    Returns
    -------
    list of SwapUnit
        Bands in displacement order (each band's units in the order they occupy it).
    """
    sizes = [max(power_mw[j] for j in slot) for slot in slots]
    ranked = sorted(range(len(slots)), key=lambda k: (-j_per_th[slots[k][0]], slots[k][0]))
    units: list[SwapUnit] = []
    band = 0
    for k in ranked:
        size = sizes[k]
        edges = sorted({0.0, size, *(size - power_mw[j] for j in slots[k])})
        edges = [e for i, e in enumerate(edges) if i == 0 or e - edges[i - 1] > _TOL * size]
        if size - edges[-1] > _TOL * size:
            edges.append(size)
        edges[-1] = size
        for lo, hi in itertools.pairwise(edges):
            for j in slots[k]:  # the entries covering the band, bottom edge at or below it
                if size - power_mw[j] <= lo + _TOL * size:
                    units.append(SwapUnit(j, band, hi - lo, (hi - lo) / power_mw[j],
                                          j == slots[k][0]))
            band += 1
    return units
