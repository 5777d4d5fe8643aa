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
* 4CP charge = rate [USD/kW-yr] x 1000 x mean grid withdrawal (import + PPA used) over the
  peak intervals [MW];
* power cost = grid + PPA + renewable + 4CP;
* resale credits = (PPA + renewable energy resold) x index price x dt;
* DR income = committed MW x readiness payment x hours - shortfall in events x penalty;
* net margin = mining revenue - power cost + resale credits + DR income (this is the
  objective both solvers maximize; the AI load's power is a cost of the site here, its
  revenue belongs to the hosting model);
* emissions = (grid import + non-renewable PPA energy used) x grid factor x dt [t CO2]
  (location-based: resold energy is not credited).
"""

from __future__ import annotations

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
    attribute once and keep it if it is needed again.

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

    @property
    def _dt(self) -> FloatArray:
        return np.asarray(self.problem.interval_hours_series, dtype=float)

    @property
    def mining_mw(self) -> FloatArray:
        """Mining load. [MW]"""
        return np.asarray(self.schedule.segment_mw.sum(axis=1), dtype=float)

    @property
    def ai_mw(self) -> FloatArray:
        """AI load, firm and flexible. [MW]"""
        return np.asarray(self.problem.ai_firm_mw + self.schedule.ai_flexible_mw, dtype=float)

    @property
    def site_load_mw(self) -> FloatArray:
        """AI + mining load. [MW]"""
        return self.ai_mw + self.mining_mw

    @property
    def hashrate_ph_s(self) -> FloatArray:
        """Hashrate. [PH/s]"""
        return np.asarray(self.schedule.segment_mw @ self.problem.segments.ph_s_per_mw)

    @property
    def mining_revenue_usd(self) -> FloatArray:
        """Hashrate x hashprice after the pool fee. [USD]"""
        seg_mw = self.schedule.segment_mw
        dt = self._dt
        out = np.empty(len(dt))
        for rows in interval_blocks(len(dt)):  # the (T, S) values a block at a time
            value = self.problem.segment_value_usd_per_mwh(rows)
            out[rows] = (seg_mw[rows] * value).sum(axis=1) * dt[rows]
        return out

    @property
    def grid_cost_usd(self) -> FloatArray:
        """Grid import x (purchase price + adder). [USD]"""
        p = self.problem
        return np.asarray(
            self.schedule.grid_mw
            * (p.grid_purchase_price_usd_per_mwh() + p.grid_adder_usd_per_mwh)
            * self._dt
        )

    @property
    def ppa_cost_usd(self) -> FloatArray:
        """Take-or-pay PPA volume x price. [USD]"""
        p, dt = self.problem, self._dt
        return constant_series(p.ppa_volume_mw * p.ppa_price_usd_per_mwh, len(dt)) * dt

    @property
    def renewable_cost_usd(self) -> FloatArray:
        """Renewable generation available x its price. [USD]"""
        p = self.problem
        return np.asarray(p.renewable() * p.renewable_price_usd_per_mwh * self._dt)

    @property
    def fourcp_charge_usd(self) -> FloatArray:
        """4CP charge on the grid withdrawal (import + PPA used) in peak intervals. [USD]"""
        s = self.schedule
        return np.asarray(self.problem.fourcp_usd_per_mw() * (s.grid_mw + s.ppa_used_mw))

    @property
    def resale_credits_usd(self) -> FloatArray:
        """PPA and renewable energy resold x index price. [USD]"""
        s, p = self.schedule, self.problem
        return np.asarray(
            (s.ppa_resold_mw + s.renewable_resold_mw) * p.price_usd_per_mwh_series * self._dt
        )

    @property
    def dr_readiness_usd(self) -> FloatArray:
        """DR readiness payment on the committed MW. [USD]"""
        committed = self.problem.dr_committed_mw if self.dr_enrolled else 0.0
        dt = self._dt
        rate = committed * self.problem.dr_readiness_usd_per_mw_hour
        return constant_series(rate, len(dt)) * dt

    @property
    def dr_penalty_usd(self) -> FloatArray:
        """DR penalty on the shortfall in events. [USD]"""
        dt = self._dt
        if not self.dr_enrolled:
            return np.zeros_like(dt)
        return np.asarray(self.schedule.dr_shortfall_mw * self.problem.dr_penalty_usd_per_mwh * dt)

    @property
    def emissions_tco2(self) -> FloatArray:
        """(Grid import + non-renewable PPA used) x grid factor. [t CO2]"""
        s, p = self.schedule, self.problem
        brown = s.grid_mw + (0.0 if p.ppa_is_renewable else s.ppa_used_mw)
        return np.asarray(brown * p.emissions_factor() * self._dt)

    @property
    def renewable_spilled_mw(self) -> FloatArray:
        """Renewable generation neither used nor resold. [MW]"""
        s = self.schedule
        return np.maximum(
            self.problem.renewable() - s.renewable_used_mw - s.renewable_resold_mw, 0.0
        )

    @property
    def ppa_spilled_mw(self) -> FloatArray:
        """PPA energy neither used nor resold. [MW]"""
        s = self.schedule
        return np.maximum(self.problem.ppa_volume_mw - s.ppa_used_mw - s.ppa_resold_mw, 0.0)

    @property
    def power_cost_usd(self) -> FloatArray:
        """Grid + PPA + renewable + 4CP per interval. [USD]"""
        return (
            self.grid_cost_usd + self.ppa_cost_usd + self.renewable_cost_usd
            + self.fourcp_charge_usd
        )

    @property
    def dr_income_usd(self) -> FloatArray:
        """Readiness payments minus penalties per interval. [USD]"""
        return self.dr_readiness_usd - self.dr_penalty_usd

    @property
    def net_margin_usd(self) -> FloatArray:
        """Mining revenue - power cost + resale credits + DR income per interval. [USD]"""
        return (
            self.mining_revenue_usd - self.power_cost_usd + self.resale_credits_usd
            + self.dr_income_usd
        )


def evaluate_accounts(
    problem: DispatchProblem, schedule: Schedule, dr_enrolled: bool = True
) -> Accounts:
    """Price a schedule interval by interval: its :class:`Accounts` (same parameters),
    computed on access."""
    return Accounts(problem, schedule, dr_enrolled)
