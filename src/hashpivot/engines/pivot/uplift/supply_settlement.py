"""What a dispatching site's contracted supply (its PPA block and its renewable plant) is
worth in a month, always on and with no miners.

The dispatch engine's flexibility ``G`` (:mod:`~hashpivot.engines.pivot.uplift.curve`)
is a gain over the engine's own always-on schedule, which already takes the energy of a
``[sites.dispatch.ppa]`` block and of a ``[sites.dispatch.renewable]`` plant and pays
their prices: ``G`` is the same with them as without them (no adder), so their own value
is counted here, the two as one supply. Always on, over the price year, per MW of the
fleet and month (:func:`measure_supply_settlement`):

* ``S_i``, what their energy is worth at the price year's prices: the energy the site
  takes at the grid price it displaces (the index on an index contract, the fixed price on
  a fixed one), the energy resold at the index (a financial PPA, a contract for
  differences, resells its whole volume in every interval);
* ``S_f``, paid at set rates: the grid adder the energy taken does not pay, less the PPA's
  take-or-pay volume times its price and the plant's generation times its price.

A month at index level ``lambda`` (the month's index over the price year's mean) counts
``(lambda S_i + S_f) h / 730.5``: the prices of the contracts are fixed, the index they
replace is the month's (the plant's output is the price year's mean month: its season is
not followed). With no miners (a month curtailed whole) the supply is worth ``lambda I_i +
I_f``, the same on the engine's own allocation of the AI load alone (its firm load and
its flexible one's mean, as always-on serves them): the load takes the plant's energy, then
the block's, where cheaper than the grid, the rest is resold at the index where the
contracts allow it (spilled at no cost at or below a zero index where they curtail
there), else spilled; a financial block settles alike. The difference, what the miners'
use of the supply adds (the adder it saves; on energy that may not be resold, the power it
no longer wastes), is part of mining's month, floored with it, per MW still mining; the
rest, ``P_idle``, is the site's whether the miners run or not, counted from the whole
fleet's MW in every strategy, a conversion included
(:mod:`~hashpivot.engines.pivot.uplift.supply_stream`: converting miners ends neither contract).
Until 2026-12-07 the whole PPA settlement went with the MW still mining and a MW converted
gave its share up; the renewable plant was not counted at all (20 MW of solar at 28
USD/MWh on LZ_WEST, worth 1.57 M USD a year to 44.1 MW of miners always on in the engine,
moved keep-mining by nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.units import HOURS_PER_MONTH

if TYPE_CHECKING:
    from hashpivot.power.model import DispatchProblem
    from hashpivot.power.results import DispatchResult
    from hashpivot.power.schedule import Schedule


@dataclass(frozen=True)
class SupplySettlement:
    """A site's contracted supply's worth per MW of the fleet and month of the price year
    (module docstring).

    Attributes
    ----------
    index_usd_per_mw_month, fixed_usd_per_mw_month : float
        ``S_i`` and ``S_f``: always on, the part at the price year's index prices and the
        part at set rates (the adder saved less what the contracts cost). [USD/MW/month]
    idle_index_usd_per_mw_month, idle_fixed_usd_per_mw_month : float
        ``I_i`` and ``I_f``: the same with no miners running. [USD/MW/month]
    blocks : tuple of str
        The tables counted (``"[sites.dispatch.ppa]"``, ``"[sites.dispatch.renewable]"``).
    by_block_usd_per_mw_month : tuple of float
        Each block's ``S_i + S_f`` (its energy taken and resold always on, less its cost),
        in the order of ``blocks``. [USD/MW/month]
    fleet_power_mw : float
        The MW the figures are per: the fleet the dispatch engine ran (a swap's fleet at
        the start, each slot's first entry, not its slots' power); the site's stream is
        the per-MW figure times these MW (:func:`~hashpivot.engines.pivot.uplift.supply_stream.
        site_supply_usd`). 0: not known (a settlement built by hand). [MW]
    """

    index_usd_per_mw_month: float
    fixed_usd_per_mw_month: float
    idle_index_usd_per_mw_month: float
    idle_fixed_usd_per_mw_month: float
    blocks: tuple[str, ...] = ("[sites.dispatch.ppa]",)
    by_block_usd_per_mw_month: tuple[float, ...] = ()
    fleet_power_mw: float = 0.0

    @property
    def at_reference_usd_per_mw_month(self) -> float:
        """``S_i + S_f``: always on at the price year's prices. [USD/MW/month]"""
        return self.index_usd_per_mw_month + self.fixed_usd_per_mw_month

    @property
    def name(self) -> str:
        """The blocks counted, in words ("[sites.dispatch.ppa] and [sites.dispatch.
        renewable]")."""
        return " and ".join(self.blocks)

    def usd_per_mw_month(self, price_level: FloatArray, hours: FloatArray | float
                         ) -> tuple[FloatArray, FloatArray]:
        """Always on and with no miners, at each month's index level ``lambda`` [-] over
        its ``hours`` [h]. [USD/MW/month]"""
        scale = np.asarray(hours, dtype=np.float64) / HOURS_PER_MONTH
        on = (price_level * self.index_usd_per_mw_month + self.fixed_usd_per_mw_month) * scale
        idle = (price_level * self.idle_index_usd_per_mw_month
                + self.idle_fixed_usd_per_mw_month) * scale
        return on, idle

    def text(self) -> str:
        """The figures in words, for the note."""
        parts = "; ".join(f"{b} {v:,.0f}" for b, v in zip(self.blocks,
                                                            self.by_block_usd_per_mw_month,
                                                            strict=True))
        return (f"the own settlement of {self.name} counted at each month's index level "
                f"({self.at_reference_usd_per_mw_month:,.0f} USD/MW-month always on at the "
                f"price year's prices{': ' + parts if len(self.blocks) > 1 else ''}, "
                f"{self.idle_index_usd_per_mw_month + self.idle_fixed_usd_per_mw_month:,.0f}"
                " with no miners)")


def _worth_usd(problem: DispatchProblem, flows: Schedule | dict[str, FloatArray], ppa: bool,
               renewable: bool) -> tuple[float, float]:
    """What the PPA block and/or the renewable plant are worth on ``flows`` over the
    price year: at the index prices (energy taken at the grid price it displaces, energy
    resold at the index) and at set rates (the adder the energy taken saves, less their
    cost); ``flows`` a schedule or :func:`~hashpivot.power.fast.allocate_supply`'s
    flows. [USD]"""

    def flow(name: str) -> FloatArray:
        value = flows[name] if isinstance(flows, dict) else getattr(flows, name)
        return np.asarray(value, dtype=np.float64)

    dt = np.asarray(problem.interval_hours_series, dtype=np.float64)
    index = np.asarray(problem.price_usd_per_mwh_series, dtype=np.float64)
    grid = np.asarray(problem.grid_purchase_price_usd_per_mwh(), dtype=np.float64)
    taken, sold, paid_usd = np.zeros(dt.shape), np.zeros(dt.shape), 0.0
    if ppa:
        taken = taken + flow("ppa_used_mw")
        sold = sold + flow("ppa_resold_mw")
        paid_usd += float(problem.ppa_volume_mw) * float(problem.ppa_price_usd_per_mwh) \
            * float(dt.sum())
    if renewable:
        taken = taken + flow("renewable_used_mw")
        sold = sold + flow("renewable_resold_mw")
        paid_usd += float(np.sum(problem.renewable() * dt)) \
            * float(problem.renewable_price_usd_per_mwh)
    at_index = float(np.sum((taken * grid + sold * index) * dt))
    at_set_rates = float(np.sum(taken * dt)) * float(problem.grid_adder_usd_per_mwh) - paid_usd
    return at_index, at_set_rates


def _no_miners(problem: DispatchProblem) -> dict[str, FloatArray]:
    """The engine's allocation of the site's supply to the AI load alone (its firm load
    and its flexible load's mean, as the always-on schedule serves them): no miners.
    [MW]"""
    from hashpivot.power.fast import allocate_supply

    load_mw = np.full(problem.n_intervals, problem.ai_firm_mw + problem.ai_flexible_mw)
    return allocate_supply(problem.replace(dr_committed_mw=0.0), load_mw)


def measure_supply_settlement(result: DispatchResult, usd_per_mw_month: float,
                              fleet_power_mw: float = 0.0) -> SupplySettlement | None:
    """The contracted supply's worth on ``result``'s always-on schedule and with no
    miners (module docstring); None without a PPA block or renewable supply.

    Parameters
    ----------
    result : DispatchResult
        The dispatch engine's run of the site on the price year (its always-on accounts
        are read).
    usd_per_mw_month : float
        Per MW of the fleet and month of 730.5 h over the price year's hours.
        [1/MW/month over the year's USD]
    fleet_power_mw : float
        The fleet's MW ``usd_per_mw_month`` is per (the fleet the engine ran). [MW]
    """
    problem = result.problem
    ppa = float(problem.ppa_volume_mw) > 0
    renewable = bool(np.any(problem.renewable() > 0))
    if not (ppa or renewable):
        return None
    on, idle = result.baseline_accounts.schedule, _no_miners(problem)
    on_index, on_fixed = _worth_usd(problem, on, ppa, renewable)
    idle_index, idle_fixed = _worth_usd(problem, idle, ppa, renewable)
    present = [(name, kind) for name, kind, here in (
        ("[sites.dispatch.ppa]", "ppa", ppa),
        ("[sites.dispatch.renewable]", "renewable", renewable)) if here]
    by_block = tuple(sum(_worth_usd(problem, on, kind == "ppa", kind == "renewable"))
                     * usd_per_mw_month for _, kind in present)
    return SupplySettlement(
        on_index * usd_per_mw_month, on_fixed * usd_per_mw_month,
        idle_index * usd_per_mw_month, idle_fixed * usd_per_mw_month,
        blocks=tuple(name for name, _ in present), by_block_usd_per_mw_month=by_block,
        fleet_power_mw=float(fleet_power_mw))


__all__ = ["SupplySettlement", "measure_supply_settlement"]
