"""Results of a dispatch: totals of the schedule and of the always-on baseline, frames.

:class:`DispatchResult` sums the per-interval accounts of
:mod:`hashpivot.power.accounts` (where the accounting is written out) into totals, next
to those of the always-on baseline (:func:`always_on_totals`, REopt's BAU beside the
optimal case), and builds the per-interval and monthly frames the reports write.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.power.accounts import Accounts
from hashpivot.power.model import DispatchProblem
from hashpivot.power.report import SolveReport
from hashpivot.power.schedule import Schedule

__all__ = ["DispatchResult", "always_on_totals"]


def _safe_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "tranche"


def _totals(problem: DispatchProblem, schedule: Schedule, acc: Accounts) -> dict[str, Any]:
    """Totals of a schedule; each per-interval account is computed, summed and dropped."""
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    hours = float(dt.sum())
    cap = problem.mining_capacity_series_mw()  # the machines installed in each interval
    mining_mw = acc.mining_mw
    mining_mwh = float((mining_mw * dt).sum())
    ai_mwh = float((acc.ai_mw * dt).sum())
    energy = mining_mwh + ai_mwh
    capacity_mwh = (problem.mining_capacity_mw * hours  # (the same, to the last bit)
                    if problem.tranche_installed_series is None else float((cap * dt).sum()))
    # (at most 1: the mined energy sums the entries' in another order than the capacity,
    # and a fleet that never curtails came to 1 + 2e-16, "mining curtailed -0.00 h")
    uptime = min(1.0, mining_mwh / capacity_mwh) if capacity_mwh > 0 else 0.0
    some = cap > 0  # an interval without machines installed is not curtailed
    hours_fully_curtailed = float(dt[some & (mining_mw <= 1e-9 * np.maximum(cap, 1.0))].sum())
    hours_with_curtailment = float(dt[some & (mining_mw < cap * (1 - 1e-9))].sum())
    del mining_mw
    ren_used = float((schedule.renewable_used_mw * dt).sum())
    ppa_used = float((schedule.ppa_used_mw * dt).sum())
    green = ren_used + (ppa_used if problem.ppa_is_renewable else 0.0)
    power_cost = float(acc.power_cost_usd.sum())
    resale = float(acc.resale_credits_usd.sum())
    emissions = float(acc.emissions_tco2.sum())
    return {
        "mining_revenue_usd": float(acc.mining_revenue_usd.sum()),
        "power_cost_usd": power_cost,
        "grid_cost_usd": float(acc.grid_cost_usd.sum()),
        "ppa_cost_usd": float(acc.ppa_cost_usd.sum()),
        "renewable_cost_usd": float(acc.renewable_cost_usd.sum()),
        "fourcp_charge_usd": float(acc.fourcp_charge_usd.sum()),
        "resale_credits_usd": resale,
        "dr_readiness_usd": float(acc.dr_readiness_usd.sum()),
        "dr_penalty_usd": float(acc.dr_penalty_usd.sum()),
        "dr_unavailable_usd": float(acc.dr_unavailable_usd.sum()),
        "dr_unavailable_mwh": float((acc.dr_unavailable_mw * dt).sum()),
        "dr_income_usd": float(acc.dr_income_usd.sum()),
        "net_margin_usd": float(acc.net_margin_usd.sum()),
        "energy_mwh": energy,
        "energy_ai_mwh": ai_mwh,
        "energy_mining_mwh": mining_mwh,
        "energy_grid_mwh": float((schedule.grid_mw * dt).sum()),
        "energy_ppa_used_mwh": ppa_used,
        "energy_renewable_used_mwh": ren_used,
        "energy_resold_mwh": float(
            ((schedule.ppa_resold_mw + schedule.renewable_resold_mw) * dt).sum()
        ),
        "energy_spilled_mwh": float(((acc.renewable_spilled_mw + acc.ppa_spilled_mw) * dt).sum()),
        "effective_power_price_usd_per_mwh": (power_cost - resale) / energy if energy > 0 else 0.0,
        "emissions_tco2": emissions,
        "emissions_intensity_tco2_per_mwh": emissions / energy if energy > 0 else 0.0,
        "renewable_share": green / energy if energy > 0 else 0.0,
        "hashrate_mean_ph_s": float((acc.hashrate_ph_s * dt).sum() / hours),
        "uptime_fraction": uptime,
        # equivalent hours of the machines installed (the hours some are, at their power)
        "curtailed_hours": (1.0 - uptime) * float(dt[some].sum()) if capacity_mwh > 0 else 0.0,
        "hours_fully_curtailed": hours_fully_curtailed,
        "hours_with_curtailment": hours_with_curtailment,
        "dr_shortfall_mwh": float((schedule.dr_shortfall_mw * dt).sum()),
        "hours": hours,
    }


def always_on_totals(problem: DispatchProblem) -> dict[str, Any]:
    """Totals of the always-on baseline (no DR program); its schedule is not kept.

    Parameters
    ----------
    problem : DispatchProblem

    Returns
    -------
    dict
        As :meth:`DispatchResult.summary` reports them for the dispatch.
    """
    from hashpivot.power.fast import always_on_schedule

    baseline = always_on_schedule(problem)
    return _totals(problem, baseline, Accounts(problem, baseline, dr_enrolled=False))



def _commitment_note(problem: DispatchProblem) -> str:
    """How the MILP switches the fleet under min up/down times, in words, and the blocks
    a ramp below their lowest running power keeps from switching at all."""
    up, down = problem.min_up_intervals, problem.min_down_intervals
    times = f"min up {up} / down {down} intervals"
    blocks = problem.tranche_blocks()
    if not math.isfinite(problem.commitment_block_mw):
        text = (f"{times}: each fleet entry is switched as one block, all its machines on "
                "or off together ([sites.dispatch.limits] commitment_block_mw splits it "
                "into containers)")
    else:
        parts = [f"{tr.name} {n} x {tr.power_mw / n:.3g} MW"
                 for tr, n in zip(problem.tranches, blocks, strict=True)]
        text = (f"{times} per block of at most {problem.commitment_block_mw:g} MW: "
                + ", ".join(parts))
    ramp = problem.ramp_mw_per_interval
    # a block starts or stops at its lowest running power at least: a step the ramp may
    # forbid (where no flexible AI load moves against it); it then keeps its first state
    stuck = [tr.name for tr, n in zip(problem.tranches, blocks, strict=True)
             if problem.ai_flexible_mw <= 0
             and tr.min_power_fraction * tr.power_mw / n > ramp * (1 + 1e-9)]
    if stuck:
        text += (f"; the ramp ({ramp:g} MW per interval) is below the lowest running power "
                 f"of a block of {', '.join(stuck)}: such a block cannot start or stop and "
                 "keeps its state from the first interval (a smaller commitment_block_mw "
                 "lets it switch)")
    return text


@dataclass
class DispatchResult:
    """A solved dispatch: the schedule, its accounts and totals, and the baseline.

    Attributes
    ----------
    problem : DispatchProblem
        The resolved inputs (echoed so a run can be reproduced).
    schedule : Schedule
        The optimal (or best found) flows.
    report : SolveReport
        Solver, status, build / solve seconds, MIP gap, objective reported by the solver.
    baseline_totals : dict, optional
        Totals of the always-on baseline (:func:`always_on_totals`), computed when first
        needed if not given. :func:`hashpivot.power.solve` gives them, computed before the
        dispatch so the two schedules are never held at once.
    assumptions : list of dict
        The resolved assumptions (``name``, ``value``, ``unit``, ``source``) the engine
        that built the problem records
        (:func:`hashpivot.engines.dispatch.assumptions.dispatch_assumptions`); empty for
        a problem solved by itself.
    """

    problem: DispatchProblem
    schedule: Schedule
    report: SolveReport
    baseline_totals: dict[str, Any] | None = None
    assumptions: list[dict[str, Any]] = field(default_factory=list)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # ---- accounts -----------------------------------------------------------------------
    @property
    def baseline(self) -> Schedule:
        """Always-on schedule (:func:`~hashpivot.power.fast.always_on_schedule`), built on
        each access: it is as large as the schedule, so it is not kept."""
        from hashpivot.power.fast import always_on_schedule

        return always_on_schedule(self.problem)

    @property
    def accounts(self) -> Accounts:
        """Per-interval accounts of the dispatch (computed on access)."""
        return Accounts(self.problem, self.schedule)

    @property
    def baseline_accounts(self) -> Accounts:
        """Per-interval accounts of the always-on baseline (no DR program), over a baseline
        schedule built for them."""
        return Accounts(self.problem, self.baseline, dr_enrolled=False)

    @property
    def objective_usd(self) -> float:
        """Net margin of the schedule: the maximized objective. [USD]"""
        return float(self.accounts.net_margin_usd.sum())

    def breakeven_prices_usd_per_mwh(self) -> dict[str, float]:
        """Grid price above which each tranche stops, at the mean hashprice. [USD/MWh]

        ``mean hashprice x PH/s per MW / 24 x (1 - fee) - grid adder`` (rated clock).
        """
        hp = float(np.mean(self.problem.hashprice_usd_per_ph_day_series))
        out = {}
        for t in self.problem.tranches:
            v = hp * t.efficiency_ph_s_per_mw / 24.0 * (1 - self.problem.pool_fee_fraction)
            out[t.name] = v - self.problem.grid_adder_usd_per_mwh
        return out

    def resolved_assumptions(self) -> list[dict[str, Any]]:
        """The inputs that can flip the dispatch, each with its source (:attr:`assumptions`:
        ``name``, ``value``, ``unit``, ``source``)."""
        return [dict(row) for row in self.assumptions]

    def summary(self) -> dict[str, Any]:
        """Totals of the dispatch and of the always-on baseline (JSON-ready).

        Keys include ``mining_revenue_usd, power_cost_usd, resale_credits_usd,
        dr_income_usd, curtailed_hours, uptime_fraction, energy_mwh, emissions_tco2,
        net_margin_usd, net_margin_always_on_usd, objective_usd, solver, solve_seconds``
        and, where the engine recorded them, ``resolved_assumptions``.
        """
        if "summary" in self._cache:
            return dict(self._cache["summary"])
        if self.baseline_totals is None:
            self.baseline_totals = always_on_totals(self.problem)
        base = self.baseline_totals
        tot = _totals(self.problem, self.schedule, self.accounts)
        out: dict[str, Any] = dict(tot)
        out["objective_usd"] = tot["net_margin_usd"]
        out["net_margin_always_on_usd"] = base["net_margin_usd"]
        out["net_margin_gain_vs_always_on_usd"] = tot["net_margin_usd"] - base["net_margin_usd"]
        out["mining_revenue_always_on_usd"] = base["mining_revenue_usd"]
        out["power_cost_always_on_usd"] = base["power_cost_usd"]
        out["energy_always_on_mwh"] = base["energy_mwh"]
        out["emissions_always_on_tco2"] = base["emissions_tco2"]
        out["fourcp_charge_always_on_usd"] = base["fourcp_charge_usd"]
        out["fourcp_avoided_usd"] = base["fourcp_charge_usd"] - tot["fourcp_charge_usd"]
        out["breakeven_price_usd_per_mwh"] = self.breakeven_prices_usd_per_mwh()
        out["hashprice_mean_usd_per_ph_day"] = float(
            np.mean(self.problem.hashprice_usd_per_ph_day_series))
        out["intervals"] = self.problem.n_intervals
        out["start"] = str(self.problem.index[0])
        out["end"] = str(self.problem.index[-1])
        r = self.report
        out["solver"] = r.solver
        out["status"] = r.termination_condition
        out["build_seconds"] = r.build_seconds
        out["solve_seconds"] = r.solve_seconds
        out["mip_gap"] = r.mip_gap
        if r.solver != "fast":
            out["solver_objective_usd"] = r.objective
        if r.solver == "milp":
            out["commitment_note"] = _commitment_note(self.problem)
        elif math.isfinite(self.problem.commitment_block_mw):
            out["commitment_note"] = (
                "commitment_block_mw is not used: without min up/down times (> 1 interval) "
                "the dispatch switches any share of the machines, not whole blocks")
        if r.n_windows > 1:
            out["windows"] = r.n_windows
            out["windows_unimproved"] = r.n_windows_unimproved
        out.update({k: v for k, v in self.problem.meta.items() if isinstance(v, str | float | int)})
        if self.assumptions:
            out["resolved_assumptions"] = self.resolved_assumptions()
        self._cache["summary"] = out
        return dict(out)

    # ---- frames -------------------------------------------------------------------------
    def schedule_frame(self) -> pd.DataFrame:
        """The schedule per interval (one row per interval start).

        Columns (powers [MW], money [USD], emissions [t CO2]): ``price_usd_per_mwh,
        hashprice_usd_per_ph_day, site_load_mw, ai_mw, mining_mw, mining_<tranche>_mw
        (with a MILP, each followed by blocks_on_<tranche>: the blocks committed, of
        ``problem.tranche_blocks()``), hashrate_ph_s, grid_mw, ppa_used_mw, ppa_resold_mw,
        renewable_available_mw, renewable_used_mw, renewable_resold_mw,
        renewable_spilled_mw, dr_event, dr_shortfall_mw, fourcp_peak, mining_revenue_usd,
        power_cost_usd,
        resale_credits_usd, dr_income_usd, net_margin_usd, emissions_tco2,
        mining_always_on_mw, net_margin_always_on_usd``.
        """
        p = self.problem
        s = self.schedule
        acc = self.accounts
        df = pd.DataFrame(index=p.index)
        df["interval_hours"] = p.interval_hours_series
        df["price_usd_per_mwh"] = p.price_usd_per_mwh_series
        df["hashprice_usd_per_ph_day"] = p.hashprice_usd_per_ph_day_series
        df["site_load_mw"] = acc.site_load_mw
        df["ai_mw"] = acc.ai_mw
        df["mining_mw"] = acc.mining_mw
        by_tranche = s.mining_by_tranche_mw(p)
        seen: set[str] = set()
        for k, tr in enumerate(p.tranches):
            name = _safe_name(tr.name)
            while name in seen:
                name += "_"
            seen.add(name)
            df[f"mining_{name}_mw"] = by_tranche[:, k]
            if s.tranche_on is not None:  # a MILP: the tranche's blocks committed
                df[f"blocks_on_{name}"] = s.tranche_on[:, k]
        df["hashrate_ph_s"] = acc.hashrate_ph_s
        df["grid_mw"] = s.grid_mw
        df["ppa_used_mw"] = s.ppa_used_mw
        df["ppa_resold_mw"] = s.ppa_resold_mw
        df["renewable_available_mw"] = p.renewable()
        df["renewable_used_mw"] = s.renewable_used_mw
        df["renewable_resold_mw"] = s.renewable_resold_mw
        df["renewable_spilled_mw"] = acc.renewable_spilled_mw
        df["dr_event"] = p.event()
        df["dr_shortfall_mw"] = s.dr_shortfall_mw
        df["fourcp_peak"] = p.peak()
        df["mining_revenue_usd"] = acc.mining_revenue_usd
        df["power_cost_usd"] = acc.power_cost_usd
        df["resale_credits_usd"] = acc.resale_credits_usd
        df["dr_income_usd"] = acc.dr_income_usd
        df["net_margin_usd"] = acc.net_margin_usd
        df["emissions_tco2"] = acc.emissions_tco2
        base = self.baseline_accounts
        df["mining_always_on_mw"] = base.mining_mw
        df["net_margin_always_on_usd"] = base.net_margin_usd
        return df

    def monthly_frame(self) -> pd.DataFrame:
        """Energy by use and source, emissions and money per calendar month (local time).

        Columns: ``energy_ai_mwh, energy_mining_mwh, energy_grid_mwh, energy_ppa_mwh,
        energy_renewable_mwh, energy_resold_mwh, emissions_tco2, mining_revenue_usd,
        power_cost_usd, net_margin_usd, net_margin_always_on_usd, uptime_fraction``.
        """
        p, sch, acc = self.problem, self.schedule, self.accounts
        dt = np.asarray(p.interval_hours_series, dtype=float)
        e = pd.DataFrame(index=p.index)
        e["energy_ai_mwh"] = acc.ai_mw * dt
        e["energy_mining_mwh"] = acc.mining_mw * dt
        e["energy_grid_mwh"] = sch.grid_mw * dt
        e["energy_ppa_mwh"] = sch.ppa_used_mw * dt
        e["energy_renewable_mwh"] = sch.renewable_used_mw * dt
        e["energy_resold_mwh"] = (sch.ppa_resold_mw + sch.renewable_resold_mw) * dt
        e["emissions_tco2"] = acc.emissions_tco2
        e["mining_revenue_usd"] = acc.mining_revenue_usd
        e["power_cost_usd"] = acc.power_cost_usd
        e["net_margin_usd"] = acc.net_margin_usd
        e["net_margin_always_on_usd"] = self.baseline_accounts.net_margin_usd
        e["capacity_mwh"] = p.mining_capacity_series_mw() * dt
        idx = pd.DatetimeIndex(p.index)
        naive = idx.tz_localize(None) if idx.tz is not None else idx
        months = naive.to_period("M")
        out = e.groupby(months).sum()
        cap = out.pop("capacity_mwh")
        out["uptime_fraction"] = np.where(
            cap > 0, out["energy_mining_mwh"] / cap.where(cap > 0, 1), 0.0
        )
        out.index.name = "month"
        return out

    def to_dict(self) -> dict[str, Any]:
        """Summary plus the resolved inputs, JSON-ready."""
        p = self.problem
        out = self.summary()
        out["inputs"] = {
            "tranches": [
                {
                    "name": t.name,
                    "power_mw": t.power_mw,
                    "hashrate_ph_s": t.hashrate_ph_s,
                    "min_power_fraction": t.min_power_fraction,
                    "hashrate_fraction_at_min": t.hashrate_fraction_at_min,
                }
                for t in p.tranches
            ],
            "pool_fee_fraction": p.pool_fee_fraction,
            "ai_firm_mw": p.ai_firm_mw,
            "ai_flexible_mw": p.ai_flexible_mw,
            "grid_adder_usd_per_mwh": p.grid_adder_usd_per_mwh,
            "ppa_volume_mw": p.ppa_volume_mw,
            "ppa_price_usd_per_mwh": p.ppa_price_usd_per_mwh,
            "renewable_capacity_mw": float(np.max(p.renewable())) if p.n_intervals else 0.0,
            "dr_committed_mw": p.dr_committed_mw,
            "dr_event_intervals": int(p.event().sum()),
            "fourcp_usd_per_kw_year": p.fourcp_usd_per_kw_year,
            "fourcp_peak_intervals": int(p.peak().sum()),
            "import_limit_mw": p.import_limit_mw if math.isfinite(p.import_limit_mw) else None,
            "ramp_mw_per_interval": (
                p.ramp_mw_per_interval if math.isfinite(p.ramp_mw_per_interval) else None
            ),
            "min_up_intervals": p.min_up_intervals,
            "min_down_intervals": p.min_down_intervals,
            "commitment_block_mw": (
                p.commitment_block_mw if math.isfinite(p.commitment_block_mw) else None
            ),
            "tranche_blocks": p.tranche_blocks().tolist(),
            "hashprice_mean_usd_per_ph_day": float(np.mean(p.hashprice_usd_per_ph_day_series)),
            "price_mean_usd_per_mwh": float(np.mean(p.price_usd_per_mwh_series)),
        }
        return out
