"""Build the dispatch model and solve it on HiGHS: :func:`build_model`, :func:`solve_lp`."""

from __future__ import annotations

import math
import time

import numpy as np

from hashpivot.exceptions import SolverError
from hashpivot.power.fast import check_firm_load
from hashpivot.power.lp.adapter import highs_for, outcome, run_highs, solve_report
from hashpivot.power.lp.container import LinearModel
from hashpivot.power.lp.extract import extract_schedule
from hashpivot.power.lp.families import (
    Boundary,
    define_ai_flexible,
    define_balance,
    define_commitment,
    define_demand_response,
    define_dr_availability,
    define_mining,
    define_ramp,
    define_supply,
)
from hashpivot.power.lp.warm_start import start_solution
from hashpivot.power.model import DispatchProblem
from hashpivot.power.report import SolveReport
from hashpivot.power.schedule import Schedule

__all__ = ["build_model", "fixed_margin_usd", "solve_lp"]


def build_model(
    problem: DispatchProblem, milp: bool | None = None, boundary: Boundary | None = None
) -> LinearModel:
    """Assemble the LP (or MILP, when min up/down times are set or ``milp``); a
    ``boundary`` couples the first interval to the state before (rolling horizon)."""
    m = LinearModel(problem.n_intervals)
    binaries = problem.needs_milp if milp is None else milp
    define_mining(m, problem, binaries)
    define_supply(m, problem)
    define_ai_flexible(m, problem)
    define_balance(m, problem)
    define_demand_response(m, problem)
    define_dr_availability(m, problem)
    define_ramp(m, problem, boundary, binaries)
    define_commitment(m, problem, binaries, boundary)
    return m


def fixed_margin_usd(problem: DispatchProblem) -> float:
    """Net margin terms no decision changes: PPA and renewable payments, DR readiness
    (where the commitment may be withdrawn: the readiness in events less the
    unavailability charge on all of it outside them, ``dr_available`` earning back both).

    The model's objective leaves them out; net margin = -objective + this. [USD]
    """
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    hours = float(dt.sum())
    committed = problem.dr_committed_series_mw()
    if problem.dr_availability_priced:
        event = problem.event()
        dr = (problem.dr_readiness_usd_per_mw_hour * float((committed * dt)[event].sum())
              - problem.dr_unavailable_usd_per_mw_hour * float((committed * dt)[~event].sum()))
    else:
        committed_mwh = (problem.dr_committed_mw * hours
                         if problem.tranche_installed_series is None
                         else float((committed * dt).sum()))
        dr = committed_mwh * problem.dr_readiness_usd_per_mw_hour
    return (
        -problem.ppa_volume_mw * problem.ppa_price_usd_per_mwh * hours
        - float((problem.renewable() * dt).sum()) * problem.renewable_price_usd_per_mwh
        + dr
    )


def solve_lp(
    problem: DispatchProblem,
    milp: bool | None = None,
    mip_gap: float = 1e-3,
    time_limit_seconds: float = 60.0,
    threads: int | None = None,
    lp_method: str = "choose",
    window_hours: float | None = 24.0,
    lookahead_hours: float = 6.0,
) -> tuple[Schedule, SolveReport]:
    """Solve the dispatch as an LP (MILP with min up/down times) on HiGHS.

    Parameters
    ----------
    problem : DispatchProblem
    milp : bool, optional
        Force (True) or forbid (False) on/off binaries; default: when min up/down > 1.
    mip_gap : float
        Relative MIP gap at which HiGHS stops (each window's, in a rolling horizon). [-]
    time_limit_seconds : float
        Wall-clock limit of the whole solve, model building included; a MILP stopped by
        it returns its best solution and gap. [s]
    threads : int, optional
        HiGHS threads (default: HiGHS's choice).
    lp_method : {"choose", "simplex", "ipm"}
        HiGHS LP algorithm.
    window_hours : float or None
        A MILP longer than ``window_hours + lookahead_hours`` is solved in rolling windows
        of this length (:mod:`hashpivot.power.lp.rolling`); None solves it whole. [h]
    lookahead_hours : float
        Intervals solved past each window and not kept. [h]

    Returns
    -------
    schedule : Schedule
    report : SolveReport
        ``objective`` is the net margin [USD] (``solver_objective_usd`` in a result's
        summary), ``objective_bound`` a bound on it (the MIP dual bound; for a rolling
        horizon, the optimum without min up/down times).

    Raises
    ------
    InputError
        The firm AI load cannot be served (import limit too low).
    SolverError
        HiGHS finds the model infeasible or stops without a solution.
    """
    t0 = time.perf_counter()
    t = problem.n_intervals
    check_firm_load(problem, np.full(t, problem.ai_firm_mw), "the firm AI load")
    if problem.ai_flexible_mw > 0:
        check_firm_load(
            problem,
            np.full(t, problem.ai_firm_mw + problem.ai_flexible_mw),
            "the mean AI load (firm + flexible)",
        )
    use_milp = problem.needs_milp if milp is None else milp
    if use_milp and window_hours is not None:
        step_h = float(np.median(problem.interval_hours_series))
        window = max(round(window_hours / step_h), 1)
        ahead = max(round(lookahead_hours / step_h), 0)
        if t > window + ahead:
            from hashpivot.power.lp.rolling import solve_rolling

            left = time_limit_seconds - (time.perf_counter() - t0)
            return solve_rolling(problem, mip_gap, left, window, ahead, threads)
    m = build_model(problem, use_milp)
    start = start_solution(problem, m) if use_milp else None
    options: dict[str, float | int | str] = {}
    if threads is not None:
        options["threads"] = int(threads)
    if use_milp:
        options["mip_rel_gap"] = float(mip_gap)
    else:
        options["solver"] = lp_method
    h, nnz = highs_for(m, options, integer=use_milp)
    if start is not None:
        h.setSolution(m.n_col, np.arange(m.n_col, dtype=np.int32), start)
    build_s = time.perf_counter() - t0
    h.setOptionValue("time_limit", max(float(time_limit_seconds) - build_s, 1e-3))
    t1 = time.perf_counter()
    dual_bound = run_highs(h, m.arrays()["col_cost"])  # a rejected start is not retried
    solve_s = time.perf_counter() - t1
    end = outcome(h)
    if end.infeasible:
        raise SolverError(
            f"the dispatch model is infeasible ({end.text}): check that the firm AI "
            "load, the DR committed load, ramp limits and the import limit are compatible"
        )
    if not end.has_solution:
        raise SolverError(f"HiGHS stopped without a solution: {end.text}")
    info_h = h.getInfo()
    x = np.asarray(h.getSolution().col_value, dtype=float)
    constant = fixed_margin_usd(problem)
    # the objective of the values returned (HiGHS 1.16 may hand back the start's values
    # with the optimum's objective when presolve alone solves a MIP); the gap follows
    if use_milp:  # HiGHS's gap, |primal - dual| / |primal|, on the values returned
        primal = float(np.concatenate(m.col_cost) @ x)
        dual = min(dual_bound, primal)
        objective, bound = -primal + constant, -dual + constant
        gap = (primal - dual) / max(abs(primal), 1e-9)
    else:
        objective = -float(info_h.objective_function_value) + constant
        bound = objective if end.status == "ok" else math.nan
        gap = 0.0
    report = solve_report(m, nnz, end, use_milp, build_s, solve_s, gap, objective, bound)
    return extract_schedule(problem, m, x), report
