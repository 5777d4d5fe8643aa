"""What a dispatching site's PPA block is worth in a month, always on and with no miners.

The dispatch engine's flexibility ``G`` (:mod:`~hashpivot.engines.pivot.dispatch_uplift`)
is a gain over the engine's own always-on schedule, which already takes the PPA's energy
and pays its fixed price: ``G`` is the same with a PPA as without it (no adder), so the
PPA's own value is counted here. Always on, over the price year, per MW of the fleet and
month (:func:`measure_ppa_settlement`):

* ``S_i``, what the PPA's energy is worth at the price year's prices: the energy the
  site takes at the grid price it displaces (the index on an index contract, the fixed
  price on a fixed one), the energy resold at the index (a financial PPA, a contract for
  differences, resells its whole volume in every interval);
* ``S_f``, paid at set rates: the grid adder the energy taken does not pay, less the
  take-or-pay volume times the PPA's price.

A month at index level ``lambda`` (the month's index over the price year's mean) counts
``(lambda S_i + S_f) h / 730.5``: the PPA's price is fixed, the index it replaces is the
month's. With no miners (a month curtailed whole) the block is worth ``lambda I_i + I_f``:
the firm AI load takes up to its MW of a physical block, the rest is resold at the index
if the contract allows it (spilled at no cost at or below a zero index where the contract
curtails there), else spilled; a financial block settles alike. Renewable supply is left
aside there (it would serve the AI load first at most: the firm load's power is not
valued). The difference, what the miners' use of the block adds (the adder it saves; on
a block that may not be resold, the power it no longer wastes), is part of mining's
month, floored with it, per MW still mining; the rest, ``P_idle``, is the site's whether
the miners run or not, counted from the whole fleet's MW in every strategy, a conversion
included (:mod:`~hashpivot.engines.pivot.ppa_stream`: converting miners does not end the
contract). Until 2026-12-07 the whole settlement went with the MW still mining and a MW
converted gave its share up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.units import HOURS_PER_MONTH

if TYPE_CHECKING:
    from hashpivot.power.results import DispatchResult


@dataclass(frozen=True)
class PpaSettlement:
    """A PPA block's worth per MW of the fleet and month of the price year (module
    docstring).

    Attributes
    ----------
    index_usd_per_mw_month, fixed_usd_per_mw_month : float
        ``S_i`` and ``S_f``: always on, the part at the price year's index prices and the
        part at set rates (the adder saved less the take-or-pay cost). [USD/MW/month]
    idle_index_usd_per_mw_month, idle_fixed_usd_per_mw_month : float
        ``I_i`` and ``I_f``: the same with no miners running. [USD/MW/month]
    """

    index_usd_per_mw_month: float
    fixed_usd_per_mw_month: float
    idle_index_usd_per_mw_month: float
    idle_fixed_usd_per_mw_month: float

    @property
    def at_reference_usd_per_mw_month(self) -> float:
        """``S_i + S_f``: always on at the price year's prices. [USD/MW/month]"""
        return self.index_usd_per_mw_month + self.fixed_usd_per_mw_month

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
        return (f"the PPA's own settlement counted at each month's index level "
                f"({self.at_reference_usd_per_mw_month:,.0f} USD/MW-month always on at the "
                f"price year's prices, "
                f"{self.idle_index_usd_per_mw_month + self.idle_fixed_usd_per_mw_month:,.0f}"
                " with no miners)")


def measure_ppa_settlement(result: DispatchResult, usd_per_mw_month: float
                           ) -> PpaSettlement | None:
    """The PPA's worth on ``result``'s always-on schedule (module docstring); None
    without a PPA block.

    Parameters
    ----------
    result : DispatchResult
        The dispatch engine's run of the site on the price year (its always-on accounts
        are read).
    usd_per_mw_month : float
        Per MW of the fleet and month of 730.5 h over the price year's hours.
        [1/MW/month over the year's USD]
    """
    problem = result.problem
    volume_mw = float(problem.ppa_volume_mw)
    if volume_mw <= 0:
        return None
    schedule = result.baseline_accounts.schedule
    dt = np.asarray(problem.interval_hours_series, dtype=np.float64)
    index = np.asarray(problem.price_usd_per_mwh_series, dtype=np.float64)
    grid = np.asarray(problem.grid_purchase_price_usd_per_mwh(), dtype=np.float64)
    adder = float(problem.grid_adder_usd_per_mwh)
    paid_usd = volume_mw * float(problem.ppa_price_usd_per_mwh) * float(dt.sum())
    used = np.asarray(schedule.ppa_used_mw, dtype=np.float64)
    resold = np.asarray(schedule.ppa_resold_mw, dtype=np.float64)
    if problem.ppa_financial:
        idle_used, idle_resold = used, resold
    else:  # no miners: the firm AI load takes what it can, the rest resold or spilled
        idle_used = np.full(dt.shape, min(volume_mw, float(problem.ai_firm_mw)))
        rest = volume_mw - idle_used
        if not problem.ppa_resale_allowed:
            rest = np.zeros(dt.shape)
        elif problem.ppa_curtail_at_negative_price:
            rest = np.where(index > 0.0, rest, 0.0)
        idle_resold = rest

    def parts(taken: FloatArray, sold: FloatArray) -> tuple[float, float]:
        at_index = float(np.sum((taken * grid + sold * index) * dt))
        at_set_rates = float(np.sum(taken * dt)) * adder - paid_usd
        return at_index * usd_per_mw_month, at_set_rates * usd_per_mw_month

    on_index, on_fixed = parts(used, resold)
    idle_index, idle_fixed = parts(idle_used, idle_resold)
    return PpaSettlement(on_index, on_fixed, idle_index, idle_fixed)


__all__ = ["PpaSettlement", "measure_ppa_settlement"]
