"""A PPA block's term (``[sites.dispatch.ppa] start`` and ``end``): the dispatch uplift in
force each month.

From ``start`` up to and including ``end`` (the block's window) a site with the block is
valued as without a term: its uplift curve measured with the block
(:mod:`~hashpivot.engines.pivot.uplift.curve`) and its contracted supply's worth with
no miners, ``P_idle`` (:mod:`~hashpivot.engines.pivot.uplift.supply_stream`). Before ``start``
(a plant commissioned later) and from the month after ``end`` the site has no PPA: each
month's uplift and ``P_idle`` are those of the curve measured on the same site without
the block (``ppa = None``: the dispatch without cheap or dear block energy schedules
otherwise), so ``P_idle`` is 0 unless a renewable plant stays. The curve without the
block is :class:`PpaTerm`'s ``without``, measured and cached as the first
(:mod:`~hashpivot.engines.pivot.uplift.cache`);
:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.breakdown` takes each
month from the curve in force then (:func:`term_breakdown`), where its
:class:`~hashpivot.engines.pivot.uplift.curve.MonthMargin` names the months. The
terminal value takes the final year with the curve in force after the horizon
(:func:`site_at_horizon`): the block's where it settles in the horizon's last month and
goes on after it; a block ended within the horizon (with its last month too), or starting
after it, leaves no stream after it. A block that goes on after the horizon with an
``end`` has its stream valued over the months left to that end only
(:func:`months_after_horizon`;
:func:`~hashpivot.engines.pivot.terminal.site_stream_value_at_horizon_usd`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import BoolArray, FloatArray

if TYPE_CHECKING:
    from hashpivot.engines.pivot.site_inputs import SiteInputs
    from hashpivot.engines.pivot.uplift.curve import DispatchUplift, MonthMargin


@dataclass(frozen=True)
class PpaTerm:
    """The window of a site's PPA block and the uplift curve outside it.

    Attributes
    ----------
    start : str or None
        ``[sites.dispatch.ppa] start``: the first month the block settles (``YYYY-MM``);
        None: from the first month valued.
    end : str or None
        ``[sites.dispatch.ppa] end``: the last month the block settles (``YYYY-MM``);
        None: no end.
    without : DispatchUplift or None
        The site's curve measured without the block, in force before ``start`` and from
        the month after ``end``; None: not measured (that site's mining is then valued
        flat, as a site whose flexibility is not measured).
    """

    start: str | None
    end: str | None
    without: DispatchUplift | None

    def outside(self, months: pd.PeriodIndex) -> BoolArray:
        """Whether each of ``months`` is outside the block's window (before ``start`` or
        after ``end``), shape (T,). [-]"""
        months = pd.PeriodIndex(months, freq="M")
        out = np.zeros(len(months), dtype=bool)
        if self.start is not None:
            out |= np.asarray(months < pd.Period(self.start, "M"), dtype=bool)
        if self.end is not None:
            out |= np.asarray(months > pd.Period(self.end, "M"), dtype=bool)
        return out


def term_text(start: str | None, end: str | None, months: pd.PeriodIndex | None = None
              ) -> str:
    """A PPA block's window in words, for the resolved assumptions: "settles through
    YYYY-MM, then the site buys all its power under its power contract", "settles from
    YYYY-MM through YYYY-MM, before and after it ..." or "settles from YYYY-MM (no end),
    before it ...", or "has no term (settles through the horizon and after it)"; each
    follows "the PPA block". Given the ``months`` valued, a window outside all of them
    (ended before the first, or starting after the last: the terminal value takes the
    site without the block too) adds "; in none of the months valued (YYYY-MM to YYYY-MM)
    nor after them: it is not counted", and a block in force after them with an end
    (:func:`months_after_horizon`) "; after the horizon its stream is valued to its end,
    YYYY-MM: M months, at most the mining method's factor"."""
    contract = "the site buys all its power under its power contract"
    if start is None:
        if end is None:
            return "has no term (settles through the horizon and after it)"
        text = f"settles through {end}, then {contract}"
    elif end is None:
        text = f"settles from {start} (no end), before it {contract}"
    else:
        text = f"settles from {start} through {end}, before and after it {contract}"
    if months is None or not len(months):
        return text
    term = PpaTerm(start, end, None)
    if term.outside(months).all():
        text += (f"; in none of the months valued ({months[0]} to {months[-1]}) nor after "
                 "them: it is not counted")
    left = months_after_horizon(term, months)
    if left is not None:
        text += (f"; after the horizon its stream is valued to its end, {end}: {left} "
                 f"month{'s' if left > 1 else ''}, at most the mining method's factor")
    return text


def _settles_after(term: PpaTerm, last: pd.Period) -> bool:
    """Whether the block settles in the horizon's ``last`` month and the month after it
    (an end at ``last`` leaves none: from the month after it the site has no PPA)."""
    return not term.outside(pd.PeriodIndex([last, last + 1], freq="M")).any()


def months_after_horizon(term: PpaTerm, periods: pd.PeriodIndex) -> int | None:
    """``M``, the months the block settles after the horizon: from the month after the
    last of ``periods`` through its ``end`` (18 for a horizon ending 2035-12 and an end
    in 2037-06); None where it has no end or is not in force after the horizon (ended
    with its last month or before, or starting after it). [month]"""
    if term.end is None or not len(periods) or not _settles_after(term, periods[-1]):
        return None
    return int((pd.Period(term.end, "M") - periods[-1]).n)


def term_breakdown(within: DispatchUplift, term: PpaTerm, month: MonthMargin,
                   outside: BoolArray) -> dict[str, FloatArray]:
    """:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.breakdown` of each
    month from the curve in force then: ``within`` (the curve with the block, no term) in
    the block's window, ``term.without`` (or flat mining, when not measured) where
    ``outside`` (T,). A figure only one curve has (the supply's settlement) is 0 in the
    months of the other."""
    first = within.breakdown(month)
    second = (term.without.breakdown(month) if term.without is not None
              else _flat_breakdown(month))
    out: dict[str, FloatArray] = {}
    for key in [*first, *(k for k in second if k not in first)]:  # (in a stable order)
        a = first.get(key, 0.0)
        b = second.get(key, 0.0)
        out[key] = np.where(outside, b, a)
    return out


def _flat_breakdown(month: MonthMargin) -> dict[str, FloatArray]:
    """The breakdown of a site whose flexibility is not measured: no uplift, the whole
    month's revenue and energy in a month the monthly model mines (``margin > v``)."""
    margin = np.asarray(month.margin_usd_per_mw_month, dtype=np.float64)
    v = np.asarray(month.variable_opex_usd_per_mw_month, dtype=np.float64)
    on = (margin > v).astype(np.float64)
    ones = np.ones(margin.shape)
    return {"price_level": ones, "hashprice_multiplier": ones, "revenue_share": ones,
            "energy_share": ones, "gain_usd_per_mw_month": np.zeros(margin.shape),
            "whole_month_saving_usd_per_mw_month": np.maximum(v - margin, 0.0),
            "uplift_usd_per_mw_month": np.zeros(margin.shape), "running_share": on}


def in_force_at(uplift: DispatchUplift, month: pd.Period) -> DispatchUplift | None:
    """The curve in force in ``month``, without a term: ``uplift`` itself in its block's
    window, the curve measured without the block outside it (a fleet entry's of the
    entries installed on the month's last day where they are dated:
    :mod:`~hashpivot.engines.pivot.uplift.installed_layers`)."""
    uplift = _layer_at(uplift, month)
    term = uplift.ppa_term
    if term is None:
        return uplift
    if term.outside(pd.PeriodIndex([month], freq="M"))[0]:
        return term.without
    return dataclasses.replace(uplift, ppa_term=None)


def site_at_horizon(site: SiteInputs, periods: pd.PeriodIndex) -> SiteInputs | None:
    """The site with the uplift curve in force after the horizon in every month (the
    terminal value's final year): the block's where it settles in the horizon's last
    month and goes on after it, else the curve without the block (a block that ends with
    the horizon's last month, or before it, or starts after it); None where the final
    year's months already have it (no term, or a block that settles through the final
    year and after it, or is outside its window in all of it).

    Parameters
    ----------
    site : SiteInputs
        A site or a tranche of one.
    periods : pandas.PeriodIndex
        Monthly periods valued.
    """
    u = site.dispatch_uplift
    k = min(12, len(periods))
    if u is None or u.ppa_term is None or k == 0:
        return None
    last = periods[-1]
    after = _settles_after(u.ppa_term, last)  # the block after the horizon
    outside = u.ppa_term.outside(periods[-k:])
    if (not outside.any()) if after else outside.all():
        return None
    u = _layer_at(u, last)  # (the same window: a fleet entry's layers share the site's)
    return dataclasses.replace(site, dispatch_uplift=in_force_at(u, last) if after
                               else None if u.ppa_term is None else u.ppa_term.without)


def _layer_at(uplift: DispatchUplift, month: pd.Period) -> DispatchUplift:
    """A fleet entry's curve of the entries installed on ``month``'s last day (its
    layers', :mod:`~hashpivot.engines.pivot.uplift.installed_layers`; itself without
    them, or where it is not installed then)."""
    layers = uplift.installed_layers
    if layers is None:
        return uplift
    return layers.at(month) or dataclasses.replace(uplift, installed_layers=None)


__all__ = ["PpaTerm", "in_force_at", "months_after_horizon", "site_at_horizon",
           "term_breakdown", "term_text"]
