"""When a site's cost items are paid in the forward engines: between their dates.

A ``[[sites.cost_items]]`` item's ``start`` and ``end`` are the days it applies (a lease,
a maintenance contract, a one-year insurance policy). ``pivot``, ``simulate`` and
``optimize`` pay each item in the share of each month's days it applies (the rule of a
fleet entry's dates: :func:`~hashpivot.engines.pivot.availability.installed_share`), on
top of the rule of its kind (:mod:`~hashpivot.engines.pivot.inputs`): a variable item in
the months the MW still mining are mined, a fixed item on the MW still mining, the cash
SG&A every month the site is connected; each on the days it applies and the block runs or
the site is connected (:func:`paid_window`), and the machines installed pay the site's
items whole (:func:`fleet_scale`). The terminal value takes each item as it stands
on the horizon's last day (:func:`horizon_share`), as it takes the fleet: an item that
ended before that day is in none of it (a fleet entry retired within the horizon has no
terminal value either), one that starts by that day is in it whole, however few of the
final year's months it was paid; and with its variable items so, the final year's months
are mined or curtailed again (:func:`horizon_site`), as a month is mined after the
horizon when its revenue covers the costs standing then.

:attr:`~hashpivot.engines.pivot.site_inputs.SiteInputs.cost_windows` holds, per item, its kind,
its share of the kind's monthly amount when every item applies (the ``..._usd_per_month``
fields) and its dates; :func:`cost_profile` turns them into each month's share of that
amount. Without dated items of a kind the profile is all ones, so undated portfolios are
valued exactly as before.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.engines.pivot.availability import (
    both_dated,
    horizon_last_day,
    installed_share,
    month_span,
    running_window,
)
from hashpivot.models.fleet import last_day
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.engines.pivot.site_inputs import SiteInputs

__all__ = ["CostKind", "cost_profile", "fleet_scale", "has_dates", "horizon_share",
           "horizon_site", "opex_usd_per_month", "paid_window"]

#: The three ways a site's cash cost items are paid (:class:`SiteInputs` fields):
#: ``"variable"`` (``scaled_opex_usd_per_month``), ``"fixed_mining"``
#: (``fixed_mining_opex_usd_per_month``) and ``"sga"`` (``fixed_opex_usd_per_month``).
CostKind = Literal["variable", "fixed_mining", "sga"]
#: A kind's items: each one's share of the kind's amount and its ``start`` and ``end``.
Items = tuple[tuple[float, str | None, str | None], ...]
#: A site's blocks of machines (:attr:`SiteInputs.fleet_blocks`).
Blocks = tuple[tuple[float, str | None, str | None], ...]


class _Fleet:
    """A site's blocks as the key of the caches below: hashed and compared by identity.

    A swap's blocks (its units, :mod:`~hashpivot.mining.slots`) number up to the square of
    its entries, and each of its tranches asks for its profiles several times a valuation:
    hashing every block on every look-up took more time than the rest (:func:`_fleet`
    gives the same key for the same tuple).

    Attributes
    ----------
    blocks : tuple of (float, str or None, str or None)
        The blocks: power [MW], ``start`` and ``end``.
    dated : bool
        Whether any block is dated.
    """

    __slots__ = ("blocks", "dated")

    def __init__(self, blocks: Blocks) -> None:
        self.blocks = blocks
        self.dated = any(start is not None or end is not None for _, start, end in blocks)


#: The keys of the blocks last asked (:func:`_fleet`), by the tuple's id; each key keeps
#: its tuple alive, so that no other tuple takes its id while it is held.
_FLEETS: dict[int, _Fleet] = {}
#: Tuples of blocks :data:`_FLEETS` holds at most (a tranche keeps its site's). [-]
_FLEETS_HELD = 64


def _fleet(blocks: Blocks) -> _Fleet:
    """The cache key of a site's blocks: the same object for the same tuple while held."""
    held = _FLEETS.get(id(blocks))
    if held is not None and held.blocks is blocks:
        return held
    if len(_FLEETS) >= _FLEETS_HELD:
        _FLEETS.clear()
    key = _FLEETS[id(blocks)] = _Fleet(blocks)
    return key


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
        The sum over the kind's items of their share of the amount times the
        share of the month's days they apply, of the days the amount is paid for at all
        (:func:`paid_window`): the engines multiply it by the share of the month's days
        the site is connected (``"sga"``) or the block runs (the others), so that a month
        pays each item on the days it applies *and* the block runs, not on the product
        of the two shares; in a month the block does not run at all, the item's share of
        the month's days: in [0, 1]. All ones when none of the kind's items is dated.
        At a site whose machines come and go (:func:`fleet_scale`), the variable and
        fixed mining items are, day by day, scaled to the machines running (above 1
        while some of the fleet is not installed; read-only). [-]
    """
    if kind == "sga" or not _scaled(site) or len(periods) == 0:
        return _dated_profile(site, kind, periods)
    items = tuple((w, start, end) for k, w, start, end in site.cost_windows if k == kind)
    return _block_profile(items, paid_window(site, kind), *_scale_key(site),
                          *month_span(periods))


@functools.lru_cache(maxsize=256)
def _block_profile(items: Items, window: tuple[str | None, str | None], fleet: _Fleet,
                   connection_date: str | None, power_mw: float, capacity_mw: float,
                   first_month: str, n: int) -> FloatArray:
    """:func:`cost_profile` of ``items`` for a block running in ``window`` at a scaled
    site, ``n`` months from ``first_month`` (read-only): :func:`_scaled_profile`, and in
    the months the block does not run, :func:`_dated_items`."""
    undated = not any(start is not None or end is not None for _, start, end in items)
    scaled = _scaled_profile(
        ((1.0, None, None),) if undated else items,  # (every item, every day: shares sum to 1)
        window, fleet, connection_date, power_mw, capacity_mw, first_month, n)
    runs = ~np.isnan(scaled)
    if runs.all():
        return scaled
    periods = pd.period_range(first_month, periods=n, freq="M")
    out = np.where(runs, scaled, _dated_items(list(items), window, periods))
    out.flags.writeable = False
    return out


def _dated_profile(site: SiteInputs, kind: CostKind, periods: pd.PeriodIndex) -> FloatArray:
    """:func:`cost_profile` by the items' dates alone (no :func:`fleet_scale`)."""
    items = [(w, start, end) for k, w, start, end in site.cost_windows if k == kind]
    return _dated_items(items, paid_window(site, kind), periods)


def _dated_items(items: list[tuple[float, str | None, str | None]],
                 window: tuple[str | None, str | None], periods: pd.PeriodIndex
                 ) -> FloatArray:
    """:func:`_dated_profile` of a kind's ``items``, paid for in ``window``."""
    n = len(periods)
    if not any(start is not None or end is not None for _, start, end in items):
        return np.ones(n)
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


def fleet_scale(site: SiteInputs, periods: pd.PeriodIndex) -> FloatArray | None:
    """What the site's variable and fixed mining items per MW mined are multiplied by on
    each day, so that the machines running pay them whole: the site's fleet power over
    the power of its blocks running that day (at most its ``capacity_mw``). [-]

    A site's tranches divide its items by its whole fleet's power
    (:func:`~hashpivot.engines.pivot.tranches.tranche_site`); where some of its machines
    arrive later, or leave earlier, the machines running would otherwise pay only their
    share: 10,000 machines installed and 10,000 more from next year paid half the site's
    staff this year in ``pivot`` and ``optimize``, all of it in ``cost`` and ``backtest``;
    and where entries drawing more together than the capacity are taken as they stand
    (each over the whole horizon, cut to the capacity), the capacity's share of them.
    The items still follow the MW mined: a conversion displaces its share of them.
    :func:`cost_profile` sums it over the days each item applies and each block runs,
    :func:`horizon_share` takes it on the horizon's last day.

    Parameters
    ----------
    site : SiteInputs
        A site or a tranche of one (:attr:`SiteInputs.fleet_blocks`).
    periods : pandas.PeriodIndex
        Monthly periods valued.

    Returns
    -------
    ndarray (D,) or None
        One value per day from the first month's first day to the last month's last
        day, read-only; 1 on a day no block runs. None where it is 1 on every day: a
        site of one entry, or of entries all undated within its capacity.
    """
    if not _scaled(site) or len(periods) == 0:
        return None
    return _day_scale(*_scale_key(site), *month_span(periods))


def _scaled(site: SiteInputs) -> bool:
    """Whether :func:`fleet_scale` is not 1 throughout: several blocks, some dated or
    together over the capacity (taken as they stand)."""
    blocks = site.fleet_blocks
    return len(blocks) > 1 and (
        _fleet(blocks).dated or site.fleet_blocks_power_mw > site.capacity_mw * (1 + 1e-9))


def _scale_key(site: SiteInputs) -> tuple[_Fleet, str | None, float, float]:
    """What :func:`fleet_scale` depends on: the blocks (:func:`_fleet`), the connection,
    the fleet's power and the capacity."""
    return (_fleet(site.fleet_blocks), site.connection_date, site.fleet_blocks_power_mw,
            site.capacity_mw)


def _day_span(start: str | None, end: str | None, first_day: pd.Timestamp, n_days: int
              ) -> tuple[int, int]:
    """The days ``start`` to ``end`` (read as :func:`installed_share` reads them) as a
    slice of the ``n_days`` from ``first_day``."""
    a = 0 if start is None else min(n_days, max(0, (pd.Timestamp(start) - first_day).days))
    stop = last_day(end)
    b = n_days if stop is None else min(n_days, max(0, (stop - first_day).days + 1))
    return a, max(a, b)


def _calendar(first_month: str, n: int) -> tuple[pd.Timestamp, int, IntArray]:
    """The first day, the number of days and each month's first day's index."""
    periods = pd.period_range(first_month, periods=n, freq="M")
    days = np.asarray(periods.days_in_month, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(days)[:-1]]).astype(np.int64)
    return periods[0].start_time, int(days.sum()), starts


@functools.lru_cache(maxsize=64)
def _day_scale(fleet: _Fleet, connection_date: str | None, power_mw: float,
               capacity_mw: float, first_month: str, n: int) -> FloatArray:
    """:func:`fleet_scale` of ``n`` months from ``first_month`` (read-only)."""
    first_day, n_days, _ = _calendar(first_month, n)
    running = np.zeros(n_days)  # power of the blocks running each day [MW]
    for mw, start, end in fleet.blocks:
        a, b = _day_span(*both_dated(connection_date, None, start, end), first_day, n_days)
        running[a:b] += mw
    out = np.ones(n_days)
    np.divide(power_mw, np.minimum(running, capacity_mw), out=out, where=running > 0)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=256)
def _scaled_profile(items: Items, window: tuple[str | None, str | None], fleet: _Fleet,
                    connection_date: str | None, power_mw: float, capacity_mw: float,
                    first_month: str, n: int) -> FloatArray:
    """:func:`cost_profile` of a block running in ``window`` at a scaled site: each
    item's share times :func:`fleet_scale` summed over the days it applies and the block
    runs, over the days the block runs; NaN in the months it does not run (read-only)."""
    scale = _day_scale(fleet, connection_date, power_mw, capacity_mw, first_month, n)
    first_day, n_days, starts = _calendar(first_month, n)
    a, b = _day_span(*window, first_day, n_days)
    runs = np.zeros(n_days)
    runs[a:b] = 1.0
    days_run = np.add.reduceat(runs, starts)
    paid = np.zeros(n)
    for weight, start, end in items:
        lo, hi = _day_span(*both_dated(start, end, *window), first_day, n_days)
        part = np.zeros(n_days)
        part[lo:hi] = scale[lo:hi]
        paid += weight * np.add.reduceat(part, starts)
    out = np.full(n, np.nan)
    np.divide(paid, days_run, out=out, where=days_run > 0)
    out.flags.writeable = False
    return out


def has_dates(site: SiteInputs) -> bool:
    """Whether any of the site's cash cost items is dated, or its machines come and go
    (:func:`fleet_scale`)."""
    return _scaled(site) or any(
        start is not None or end is not None for _, _, start, end in site.cost_windows)


def horizon_share(site: SiteInputs, kind: CostKind, periods: pd.PeriodIndex) -> float:
    """Share of a kind's monthly amount paid on after the horizon: its items that apply on
    the horizon's last day (started by then, no ``end`` before it). [-]

    1.0 when none of the kind's items is dated (exactly: the undated terminal value is
    unchanged); the terminal value's final year takes the kind at this share in every
    month, the variable and fixed mining items scaled to the machines running on the
    horizon's last day (:func:`fleet_scale`).
    """
    scale = None if kind == "sga" else fleet_scale(site, periods)
    share = _standing_share(site, kind, periods)
    return share if scale is None else share * float(scale[-1])


def _standing_share(site: SiteInputs, kind: CostKind, periods: pd.PeriodIndex) -> float:
    """:func:`horizon_share` by the items' dates alone."""
    items = [(w, start, end) for k, w, start, end in site.cost_windows if k == kind]
    if not any(start is not None or end is not None for _, start, end in items):
        return 1.0
    last = horizon_last_day(*month_span(periods))
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
    # (the items standing, scaled to the machines standing then: no other scale of them)
    return dataclasses.replace(
        site, scaled_opex_usd_per_month=site.scaled_opex_usd_per_month * share,
        cost_windows=tuple(w for w in site.cost_windows if w[0] != "variable"),
        fleet_blocks=())
