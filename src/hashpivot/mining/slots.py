"""Fleet entries that replace one another on the same power: a site's capacity in slots.

A swap (old machines retired at an ``end``, new ones installed from a later ``start`` on
the same power) draws more, counted together, than the site's ``capacity_mw``, though
never at the same time. Where a site's entries do not fit its capacity all together
(:attr:`hashpivot.models.Site.fleet_fits_capacity`), :func:`swap_units` lays them in
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
conversion displaced, :mod:`~hashpivot.engines.pivot.availability`).

A site whose entries fit all together is not laid in slots: each entry keeps its own
capacity (a planned entry's is kept for it), as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["Days", "SwapUnit", "swap_slots", "swap_units"]

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
    follows a slot whose last entry ended before its start or opens a slot; of every such
    laying, the one of the least total slot size (a slot as large as its largest entry)
    is kept, ties going to the laying found first, in which each entry follows the slot
    that ended last (then the lowest), and opens one last. Two lines swapped for two
    lines on the same power pair by power whatever their order in the file. The search
    stops after :data:`_SEARCH_NODES` steps with the best laying found by then.
    """
    power = list(power_mw) if power_mw is not None else [1.0] * len(days)
    never = pd.Timestamp.min
    order = sorted(range(len(days)), key=lambda j: (days[j][0] or never, j))
    best: list[list[int]] = []
    least = float("inf")
    steps = 0

    def lay(k: int, slots: list[list[int]], ends: list[pd.Timestamp | None],
            sizes: list[float], total: float) -> None:
        nonlocal best, least, steps
        if total >= least * (1 - _TOL) or steps > _SEARCH_NODES:
            return
        steps += 1
        if k == len(order):
            best, least = [list(slot) for slot in slots], total
            return
        j = order[k]
        start = days[j][0]
        free = [] if start is None else sorted(
            (i for i, end in enumerate(ends) if end is not None and end < start),
            key=lambda i: (ends[i], -i), reverse=True)
        for i in free:
            grown = max(sizes[i], power[j])
            saved = (slots[i], ends[i], sizes[i])
            slots[i], ends[i], sizes[i] = [*slots[i], j], days[j][1], grown
            lay(k + 1, slots, ends, sizes, total - saved[2] + grown)
            slots[i], ends[i], sizes[i] = saved
        lay(k + 1, [*slots, [j]], [*ends, days[j][1]], [*sizes, power[j]], total + power[j])

    lay(0, [], [], [], 0.0)
    return best


def swap_units(power_mw: Sequence[float], j_per_th: Sequence[float], days: Sequence[Days],
               capacity_mw: float) -> list[SwapUnit] | None:
    """A site's entries as units of slot bands, in the order a conversion displaces them.

    Parameters
    ----------
    power_mw : sequence of float
        Each entry's power at the meter, site overhead included (file order). [MW]
    j_per_th : sequence of float
        Each entry's efficiency. [J/TH]
    days : sequence of (Timestamp or None, Timestamp or None)
        Each entry's first and last day installed.
    capacity_mw : float
        The site's capacity. [MW]

    Returns
    -------
    list of SwapUnit or None
        Bands in displacement order (each band's units in the order they occupy it);
        entries without power are left out. None when the slots do not fit the capacity
        (entries that overlap in time beyond it are no swap).
    """
    used = [j for j in range(len(power_mw)) if power_mw[j] > 0]
    slots = [[used[j] for j in slot]
             for slot in swap_slots([days[j] for j in used], [power_mw[j] for j in used])]
    sizes = [max(power_mw[j] for j in slot) for slot in slots]
    if sum(sizes) > capacity_mw * (1 + _TOL):
        return None
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
