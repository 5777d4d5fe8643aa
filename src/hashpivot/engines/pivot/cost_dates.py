"""When a site's cost items are paid in the forward engines: between their dates.

A ``[[sites.cost_items]]`` item's ``start`` and ``end`` are the days it applies (a lease,
a maintenance contract, a one-year insurance policy). ``pivot``, ``simulate`` and
``optimize`` pay each item in the share of each month's days it applies (the rule of a
fleet entry's dates: :func:`~hashpivot.engines.pivot.availability.installed_share`), on
top of the rule of its kind (:mod:`~hashpivot.engines.pivot.inputs`): a variable item in
the months the MW still mining are mined, a fixed item on the MW still mining, the cash
SG&A every month the site is connected. The terminal value takes each item as it stands
on the horizon's last day (:func:`horizon_share`), as it takes the fleet: an item that
ended before that day is in none of it (a fleet entry retired within the horizon has no
terminal value either), one that starts by that day is in it whole, however few of the
final year's months it was paid; and with its variable items so, the final year's months
are mined or curtailed again (:func:`horizon_site`), as a month is mined after the
horizon when its revenue covers the costs standing then.

:attr:`~hashpivot.engines.pivot.inputs.SiteInputs.cost_windows` holds, per item, its kind,
its share of the kind's monthly amount when every item applies (the ``..._usd_per_month``
fields) and its dates; :func:`cost_profile` turns them into each month's share of that
amount. Without dated items of a kind the profile is all ones, so undated portfolios are
valued exactly as before.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.availability import both_dated, installed_share, running_window
from hashpivot.models.portfolio import last_day
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.engines.pivot.inputs import SiteInputs

__all__ = ["CostKind", "cost_profile", "has_dates", "horizon_share", "horizon_site",
           "opex_usd_per_month", "paid_window"]

#: The three ways a site's cash cost items are paid (:class:`SiteInputs` fields):
#: ``"variable"`` (``scaled_opex_usd_per_month``), ``"fixed_mining"``
#: (``fixed_mining_opex_usd_per_month``) and ``"sga"`` (``fixed_opex_usd_per_month``).
CostKind = Literal["variable", "fixed_mining", "sga"]


def cost_profile(site: SiteInputs, kind: CostKind, periods: pd.PeriodIndex) -> FloatArray:
    """Share of a kind's monthly amount paid in each month, by its items' dates.

    Parameters
    ----------
    site : SiteInputs
        A site or a tranche of one (tranches keep the site's items and their shares).
    kind : {"variable", "fixed_mining", "sga"}
        Which of the site's cost amounts.
    periods : pandas.PeriodIndex
        Monthly periods valued.

    Returns
    -------
    ndarray (T,)
        In [0, 1]: the sum over the kind's items of their share of the amount times the
        share of the month's days they apply, of the days the amount is paid for at all
        (:func:`paid_window`): the engines multiply it by the share of the month's days
        the site is connected (``"sga"``) or the block runs (the others), so that a month
        pays each item on the days it applies *and* the block runs, not on the product
        of the two shares; in a month the block does not run at all, the item's share of
        the month's days. All ones when none of the kind's items is dated. [-]
    """
    items = [(w, start, end) for k, w, start, end in site.cost_windows if k == kind]
    n = len(periods)
    if not any(start is not None or end is not None for _, start, end in items):
        return np.ones(n)
    window = paid_window(site, kind)
    alone = np.zeros(n)
    for weight, start, end in items:
        alone += weight * installed_share(start, end, periods)
    if window == (None, None):
        return alone
    runs = installed_share(*window, periods)
    both = np.zeros(n)
    for weight, start, end in items:
        both += weight * installed_share(*both_dated(start, end, *window), periods)
    return np.divide(both, runs, out=alone, where=runs > 0)


def paid_window(site: SiteInputs, kind: CostKind) -> tuple[str | None, str | None]:
    """The days a kind's amount is paid for at all: the site connected (``"sga"``), or
    the block's machines running, installed and connected (the variable and fixed mining
    items: :func:`~hashpivot.engines.pivot.availability.running_window`)."""
    if kind == "sga":
        return site.connection_date, None
    return running_window(site)


def opex_usd_per_month(site: SiteInputs, kind: CostKind, periods: pd.PeriodIndex
                       ) -> FloatArray:
    """A site's cost amount of ``kind`` in each month, by its items' dates. [USD/month]

    The ``..._usd_per_month`` field of ``kind`` times :func:`cost_profile` (the field
    itself in every month when none of its items is dated).
    """
    amount = {
        "variable": site.scaled_opex_usd_per_month,
        "fixed_mining": site.fixed_mining_opex_usd_per_month,
        "sga": site.fixed_opex_usd_per_month,
    }[kind]
    return amount * cost_profile(site, kind, periods)


def has_dates(site: SiteInputs) -> bool:
    """Whether any of the site's cash cost items is dated."""
    return any(start is not None or end is not None for _, _, start, end in site.cost_windows)


def horizon_share(site: SiteInputs, kind: CostKind, periods: pd.PeriodIndex) -> float:
    """Share of a kind's monthly amount paid on after the horizon: its items that apply on
    the horizon's last day (started by then, no ``end`` before it). [-]

    1.0 when none of the kind's items is dated (exactly: the undated terminal value is
    unchanged); the terminal value's final year takes the kind at this share in every
    month.
    """
    items = [(w, start, end) for k, w, start, end in site.cost_windows if k == kind]
    if not any(start is not None or end is not None for _, start, end in items):
        return 1.0
    last = periods[-1].end_time.normalize()
    return float(sum(
        w for w, start, end in items
        if (start is None or pd.Timestamp(start) <= last)
        and (end is None or (stop := last_day(end)) is None or stop >= last)))


def horizon_site(site: SiteInputs, periods: pd.PeriodIndex) -> SiteInputs | None:
    """The site with its variable items as they stand on the horizon's last day, undated:
    the terminal value's final year decides which months are mined with them.

    Parameters
    ----------
    site : SiteInputs
        A site or a tranche of one.
    periods : pandas.PeriodIndex
        Monthly periods valued.

    Returns
    -------
    SiteInputs or None
        ``scaled_opex_usd_per_month`` times :func:`horizon_share` of ``"variable"``, its
        variable items' dates dropped; None where the final year's months already pay
        the variable items so (none dated within it): the final year as mined stands.
    """
    k = min(MONTHS_PER_YEAR, len(periods))
    share = horizon_share(site, "variable", periods)
    if k == 0 or np.allclose(cost_profile(site, "variable", periods)[-k:], share,
                             rtol=1e-12, atol=1e-15):
        return None
    return dataclasses.replace(
        site, scaled_opex_usd_per_month=site.scaled_opex_usd_per_month * share,
        cost_windows=tuple(w for w in site.cost_windows if w[0] != "variable"))
