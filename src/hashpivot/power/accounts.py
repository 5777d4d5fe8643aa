"""Per-interval accounts of a dispatch schedule: money, energy and emissions.

:func:`evaluate_accounts` prices a :class:`~hashpivot.power.schedule.Schedule`, whichever
solver produced it; the always-on baseline is priced by the same code, so the comparison in
:mod:`hashpivot.power.results` is like for like (REopt's BAU next to the optimal case).
Each account is computed when it is read (nothing per interval is stored), the (T, S)
mining values block by block.

Accounting (per interval ``t`` of ``dt`` hours; prices in USD/MWh, powers in MW):

* mining revenue = sum over segments of power x hashrate per MW x hashprice / 24 x (1 - pool
  fee) x dt;
* grid cost = grid import x (index price + adder) x dt;
* PPA cost = volume x PPA price x dt (take-or-pay, used or not);
* renewable cost = generation available x its price x dt (paid as generated);
* 4CP charge = rate [USD/kW/year] x 1000 x mean grid withdrawal (import + PPA used) over the
  peak intervals [MW];
* power cost = grid + PPA + renewable + 4CP;
* resale credits = (PPA + renewable energy resold) x index price x dt (a physical PPA's
  unused energy at a negative price is a debit);
* DR income = available MW x readiness payment x hours - shortfall in events x penalty -
  unavailable MW x unavailability charge x hours, the available MW the committed ones the
  machines installed can honour, outside events at most the mining where the commitment
  may be withdrawn (:meth:`~hashpivot.power.model.DispatchProblem.dr_available_mw`);
* net margin = mining revenue - power cost + resale credits + DR income (this is the
  objective both solvers maximize; the AI load's power is a cost of the site here, its
  revenue belongs to the hosting model);
* emissions = (grid import + non-renewable PPA energy used) x grid factor x dt [t CO2]
  (location-based: resold energy is not credited).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hashpivot.power.intervals import FloatArray, constant_series, interval_blocks
from hashpivot.power.model import DispatchProblem
from hashpivot.power.schedule import Schedule

__all__ = ["Accounts", "energy_balance_residual_mw", "evaluate_accounts"]


def energy_balance_residual_mw(problem: DispatchProblem, schedule: Schedule) -> FloatArray:
    """Supply minus demand in every interval (zero when the schedule balances). [MW]

    ``grid + PPA used + renewable used - (AI firm + AI flexible + mining)``.
    """
    demand = problem.ai_firm_mw + schedule.ai_flexible_mw + schedule.segment_mw.sum(axis=1)
    supply = schedule.grid_mw + schedule.ppa_used_mw + schedule.renewable_used_mw
    return np.asarray(supply - demand, dtype=float)


class Accounts:
    """Per-interval accounts of a schedule (arrays of shape (T,)), computed on access.

    Nothing is stored but the problem and the schedule: each attribute is a fresh array
    (a 10-million-interval horizon would need 15 of them at once otherwise), so read an
    attribute once and keep it if it is needed again. Each array is filled block by block
    (:func:`~hashpivot.power.intervals.interval_blocks`), so reading one takes its own
    8 bytes an interval and no temporaries over the whole horizon.

    Parameters
    ----------
    problem : DispatchProblem
    schedule : Schedule
    dr_enrolled : bool
        Whether the site takes part in the DR program (False for the always-on baseline).
    """

    def __init__(
        self, problem: DispatchProblem, schedule: Schedule, dr_enrolled: bool = True
    ) -> None:
        self.problem = problem
        self.schedule = schedule
        self.dr_enrolled = dr_enrolled
        self._dt = np.asarray(problem.interval_hours_series, dtype=float)

    def _blocks(self, account: Callable[[slice], FloatArray]) -> FloatArray:
        """``account(rows)`` of every block of intervals, in one array."""
        out = np.empty(len(self._dt))
        for rows in interval_blocks(len(out)):
            out[rows] = account(rows)
        return out

    # ---- one block of intervals ----------------------------------------------------------
    def _mining(self, rows: slice) -> FloatArray:
        return np.asarray(self.schedule.segment_mw[rows].sum(axis=1), dtype=float)

    def _ai(self, rows: slice) -> FloatArray:
        return np.asarray(self.problem.ai_firm_mw + self.schedule.ai_flexible_mw[rows])

    def _mining_revenue(self, rows: slice) -> FloatArray:
        value = self.problem.segment_value_usd_per_mwh(rows)
        return np.asarray((self.schedule.segment_mw[rows] * value).sum(axis=1) * self._dt[rows])

    def _grid_cost(self, rows: slice) -> FloatArray:
        p = self.problem
        price = p.grid_purchase_price_usd_per_mwh(rows) + p.grid_adder_usd_per_mwh
        return np.asarray(self.schedule.grid_mw[rows] * price * self._dt[rows])

    def _ppa_cost(self, rows: slice) -> FloatArray:
        p, dt = self.problem, self._dt[rows]
        return constant_series(p.ppa_volume_mw * p.ppa_price_usd_per_mwh, len(dt)) * dt

    def _renewable_cost(self, rows: slice) -> FloatArray:
        p = self.problem
        return np.asarray(p.renewable(rows) * p.renewable_price_usd_per_mwh * self._dt[rows])

    def _fourcp_charge(self, rows: slice) -> FloatArray:
        s = self.schedule
        return np.asarray(
            self.problem.fourcp_usd_per_mw(rows) * (s.grid_mw[rows] + s.ppa_used_mw[rows])
        )

    def _power_cost(self, rows: slice) -> FloatArray:
        return (
            self._grid_cost(rows) + self._ppa_cost(rows) + self._renewable_cost(rows)
            + self._fourcp_charge(rows)
        )

    def _resale_credits(self, rows: slice) -> FloatArray:
        s, p = self.schedule, self.problem
        resold = s.ppa_resold_mw[rows] + s.renewable_resold_mw[rows]
        return np.asarray(resold * p.price_usd_per_mwh_series[rows] * self._dt[rows])

    def _dr_available(self, rows: slice) -> FloatArray:
        return self.problem.dr_available_mw(self._mining(rows), rows)

    def _dr_readiness(self, rows: slice) -> FloatArray:
        p = self.problem
        dt = self._dt[rows]
        if not self.dr_enrolled:
            return np.zeros_like(dt)
        return np.asarray(self._dr_available(rows) * p.dr_readiness_usd_per_mw_hour * dt)

    def _dr_unavailable_mw(self, rows: slice) -> FloatArray:
        if not (self.dr_enrolled and self.problem.dr_availability_priced):
            return np.zeros(len(self._dt[rows]))
        return np.asarray(self.problem.dr_committed_series_mw(rows) - self._dr_available(rows))

    def _dr_unavailable_charge(self, rows: slice) -> FloatArray:
        rate = self.problem.dr_unavailable_usd_per_mw_hour
        return np.asarray(self._dr_unavailable_mw(rows) * rate * self._dt[rows])

    def _dr_penalty(self, rows: slice) -> FloatArray:
        dt = self._dt[rows]
        if not self.dr_enrolled:
            return np.zeros_like(dt)
        shortfall = self.schedule.dr_shortfall_mw[rows]
        return np.asarray(shortfall * self.problem.dr_penalty_usd_per_mwh * dt)

    def _dr_income(self, rows: slice) -> FloatArray:
        return (self._dr_readiness(rows) - self._dr_penalty(rows)
                - self._dr_unavailable_charge(rows))

    def _net_margin(self, rows: slice) -> FloatArray:
        return (
            self._mining_revenue(rows) - self._power_cost(rows) + self._resale_credits(rows)
            + self._dr_income(rows)
        )

    def _emissions(self, rows: slice) -> FloatArray:
        s, p = self.schedule, self.problem
        brown = s.grid_mw[rows] + (0.0 if p.ppa_is_renewable else s.ppa_used_mw[rows])
        return np.asarray(brown * p.emissions_factor(rows) * self._dt[rows])

    def _renewable_spilled(self, rows: slice) -> FloatArray:
        s = self.schedule
        left = self.problem.renewable(rows) - s.renewable_used_mw[rows]
        return np.maximum(left - s.renewable_resold_mw[rows], 0.0)

    def _ppa_spilled(self, rows: slice) -> FloatArray:
        s = self.schedule
        left = self.problem.ppa_volume_mw - s.ppa_used_mw[rows]
        return np.maximum(left - s.ppa_resold_mw[rows], 0.0)

    # ---- the accounts over every interval ------------------------------------------------
    @property
    def mining_mw(self) -> FloatArray:
        """Mining load. [MW]"""
        return self._blocks(self._mining)

    @property
    def ai_mw(self) -> FloatArray:
        """AI load, firm and flexible. [MW]"""
        return self._blocks(self._ai)

    @property
    def site_load_mw(self) -> FloatArray:
        """AI + mining load. [MW]"""
        return self._blocks(lambda rows: self._ai(rows) + self._mining(rows))

    @property
    def hashrate_ph_s(self) -> FloatArray:
        """Hashrate. [PH/s]"""
        return np.asarray(self.schedule.segment_mw @ self.problem.segments.ph_s_per_mw)

    @property
    def mining_revenue_usd(self) -> FloatArray:
        """Hashrate x hashprice after the pool fee. [USD]"""
        return self._blocks(self._mining_revenue)

    @property
    def grid_cost_usd(self) -> FloatArray:
        """Grid import x (purchase price + adder). [USD]"""
        return self._blocks(self._grid_cost)

    @property
    def ppa_cost_usd(self) -> FloatArray:
        """Take-or-pay PPA volume x price. [USD]"""
        return self._blocks(self._ppa_cost)

    @property
    def renewable_cost_usd(self) -> FloatArray:
        """Renewable generation available x its price. [USD]"""
        return self._blocks(self._renewable_cost)

    @property
    def fourcp_charge_usd(self) -> FloatArray:
        """4CP charge on the grid withdrawal (import + PPA used) in peak intervals. [USD]"""
        return self._blocks(self._fourcp_charge)

    @property
    def resale_credits_usd(self) -> FloatArray:
        """PPA and renewable energy resold x index price. [USD]"""
        return self._blocks(self._resale_credits)

    @property
    def dr_readiness_usd(self) -> FloatArray:
        """DR readiness payment on the committed MW available. [USD]"""
        return self._blocks(self._dr_readiness)

    @property
    def dr_unavailable_mw(self) -> FloatArray:
        """DR commitment not available outside events (mining below it), where it may be
        withdrawn. [MW]"""
        return self._blocks(self._dr_unavailable_mw)

    @property
    def dr_unavailable_usd(self) -> FloatArray:
        """Unavailability charge on the DR commitment withdrawn. [USD]"""
        return self._blocks(self._dr_unavailable_charge)

    @property
    def dr_penalty_usd(self) -> FloatArray:
        """DR penalty on the shortfall in events. [USD]"""
        return self._blocks(self._dr_penalty)

    @property
    def emissions_tco2(self) -> FloatArray:
        """(Grid import + non-renewable PPA used) x grid factor. [t CO2]"""
        return self._blocks(self._emissions)

    @property
    def renewable_spilled_mw(self) -> FloatArray:
        """Renewable generation neither used nor resold. [MW]"""
        return self._blocks(self._renewable_spilled)

    @property
    def ppa_spilled_mw(self) -> FloatArray:
        """PPA energy neither used nor resold. [MW]"""
        return self._blocks(self._ppa_spilled)

    @property
    def power_cost_usd(self) -> FloatArray:
        """Grid + PPA + renewable + 4CP per interval. [USD]"""
        return self._blocks(self._power_cost)

    @property
    def dr_income_usd(self) -> FloatArray:
        """Readiness payments minus penalties and unavailability charges per interval.
        [USD]"""
        return self._blocks(self._dr_income)

    @property
    def net_margin_usd(self) -> FloatArray:
        """Mining revenue - power cost + resale credits + DR income per interval. [USD]"""
        return self._blocks(self._net_margin)


def evaluate_accounts(
    problem: DispatchProblem, schedule: Schedule, dr_enrolled: bool = True
) -> Accounts:
    """Price a schedule interval by interval: its :class:`Accounts` (same parameters),
    computed on access."""
    return Accounts(problem, schedule, dr_enrolled)
