"""A dated fleet's layers: each fleet entry's flexibility curve in the periods its site's
entries are installed.

A site of several fleet entries gives each a curve of its own, the curve of the fleet a
conversion leaves with it less that of the fleet it leaves without it
(:func:`~hashpivot.engines.pivot.uplift.layered.layered`), so that the entries mining sum to
the curve of the fleet left. Where entries are dated (``[[sites.fleet]] start`` and
``end``), the fleet that mines in a month is the entries installed then: the layers are
those of the entries installed in each period (:func:`installed_periods`: the periods
between the days the fleet installed changes, in the months valued), each fleet
left measured as a site (:mod:`~hashpivot.engines.pivot.uplift.cache`). An entry's
:class:`InstalledLayers` holds its curve in each period; a month's figures are those of
the periods in it, weighted by the days of the month in each on which the entry is
installed (:func:`layers_breakdown`; the entry mines that share of the month,
:mod:`~hashpivot.engines.pivot.availability`), so the entries installed sum to the curve
of the fleet installed on each day. A swap's entries (:mod:`hashpivot.mining.slots`: never
all installed at once) take theirs so, in the order their slots are displaced
(:func:`~hashpivot.engines.pivot.uplift.cache.entry_dispatch_uplifts`; until 2026-12-07
each band took the site's curve at its own ``k``, 14.5-21.9 % below the engine on the
S21s a conversion leaves of the West Texas example with its S19j Pros swapped for S21
XPs). Layers of every entry the file lists, whatever its
dates (until 2026-12-07), left an entry below a more efficient one not yet installed only
what it adds to that entry's fleet: on the West Texas example with its S21s installed a
year later, 52 % below the engine in the year the S19j Pros mine alone, 9 % of the
month's mining value (``scripts/measure_entry_layers.py``, docs/methodology.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hashpivot.engines.pivot.uplift.curve import DispatchUplift, MonthMargin

__all__ = ["InstalledLayers", "installed_periods", "layers_breakdown"]


def _first_day(start: str | None) -> int | None:
    """The day ordinal (pandas ``Period`` of a day) of a ``start``; None: unbounded."""
    return None if not start else pd.Period(start, "D").ordinal if len(start) > 7 else (
        pd.Period(start, "M").asfreq("D", how="start").ordinal)


def _last_day(end: str | None) -> int | None:
    """The day ordinal of the last day an ``end`` covers (a ``YYYY-MM`` end, its month's
    last day); None: unbounded."""
    return None if not end else pd.Period(end, "D").ordinal if len(end) > 7 else (
        pd.Period(end, "M").asfreq("D", how="end").ordinal)


def installed_periods(windows: Sequence[tuple[str | None, str | None]],
                      first_month: pd.Period | None = None,
                      last_month: pd.Period | None = None
                      ) -> tuple[tuple[int, ...], tuple[frozenset[int], ...]]:
    """The periods between the days a fleet's installed entries change, and the entries
    installed in each.

    Parameters
    ----------
    windows : sequence of (str or None, str or None)
        Each entry's ``start`` and ``end`` (``YYYY-MM`` or ``YYYY-MM-DD``; a ``YYYY-MM``
        end runs through that month); None: unbounded.
    first_month : pandas.Period, optional
        The first month valued: changes on or before its first day are none (the fleet
        as it stands then); None: every change.
    last_month : pandas.Period, optional
        The last month valued: changes after its last day are none (no month valued
        has the fleets they make, so they are not measured); None: every change.

    Returns
    -------
    bounds : tuple of int
        The days the entries installed change, increasing, as day ordinals (pandas
        ``Period`` of a day): period ``s`` runs from ``bounds[s - 1]`` (the first, from
        ever) to the day before ``bounds[s]`` (the last, for ever).
    installed : tuple of frozenset of int
        The entries (positions in ``windows``) installed in each period,
        ``len(bounds) + 1``.
    """
    spans = [(_first_day(s), _last_day(e)) for s, e in windows]
    floor = (None if first_month is None
             else pd.Period(first_month, "M").asfreq("D", how="start").ordinal)
    ceiling = (None if last_month is None
               else pd.Period(last_month, "M").asfreq("D", how="end").ordinal)
    changes = {d for a, b in spans for d in (a, None if b is None else b + 1)
               if d is not None and (floor is None or d > floor)
               and (ceiling is None or d <= ceiling)}
    bounds = tuple(sorted(changes))
    days = [floor if floor is not None else (bounds[0] - 1 if bounds else 0), *bounds]
    installed = tuple(frozenset(j for j, (a, b) in enumerate(spans)
                                if (a is None or a <= d) and (b is None or d <= b))
                      for d in days)
    return bounds, installed


@dataclass(frozen=True)
class InstalledLayers:
    """A fleet entry's curve in each period of its site's installed fleet
    (:func:`installed_periods`).

    Attributes
    ----------
    bounds : tuple of int
        The days the site's entries installed change, as day ordinals (pandas ``Period``
        of a day), increasing.
    curves : tuple of (DispatchUplift or None)
        The entry's curve in each period, ``len(bounds) + 1``: its layer of the entries
        installed then; None where the entry is not installed.
    """

    bounds: tuple[int, ...]
    curves: tuple[DispatchUplift | None, ...]

    def days(self, months: pd.PeriodIndex) -> FloatArray:
        """The days of each of ``months`` in each period, 0 in the periods the entry is
        not installed, shape (S, T). [day]"""
        months = pd.PeriodIndex(months, freq="M")
        first = np.asarray(months.asfreq("D", how="S").asi8, dtype=np.int64)
        after = np.asarray(months.asfreq("D", how="E").asi8, dtype=np.int64) + 1
        edges = [np.iinfo(np.int64).min, *self.bounds, np.iinfo(np.int64).max]
        out = np.zeros((len(self.curves), len(months)))
        for s, curve in enumerate(self.curves):
            if curve is not None:
                out[s] = np.clip(np.minimum(after, edges[s + 1])
                                 - np.maximum(first, edges[s]), 0, None)
        return out

    def for_fleet(self, th_s_per_mw: float) -> InstalledLayers:
        """Every period's curve with the entry's TH/s per MW as the reference revenue's
        (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.for_fleet`).
        [TH/s/MW]"""
        return InstalledLayers(self.bounds, tuple(
            None if c is None else c.for_fleet(th_s_per_mw) for c in self.curves))

    def at(self, month: pd.Period) -> DispatchUplift | None:
        """The curve in force on ``month``'s last day (None: the entry not installed)."""
        last = pd.Period(month, "M").asfreq("D", how="end").ordinal
        return self.curves[int(np.searchsorted(self.bounds, last, side="right"))]


def layers_breakdown(base: DispatchUplift, layers: InstalledLayers, month: MonthMargin
                     ) -> dict[str, FloatArray]:
    """:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.breakdown` of each
    month from the curves of the periods in it, weighted by the days of the month in each
    on which the entry is installed (a month in one period: that period's figures); in a
    month it is installed on no day, ``base``'s (the entry mines none of it). A figure
    one curve lacks is 0 in its days."""
    assert month.months is not None
    days = layers.days(month.months)
    total = days.sum(axis=0)
    weights = [(base, (total == 0).astype(np.float64))]
    weights += [(c, np.divide(days[s], total, out=np.zeros_like(total), where=total > 0))
                for s, c in enumerate(layers.curves) if c is not None and days[s].any()]
    out: dict[str, FloatArray] = {}
    for curve, weight in weights:
        if not weight.any():
            continue
        for key, value in curve.breakdown(month).items():
            out[key] = out.get(key, 0.0) + weight * np.asarray(value)
    return out
