"""Build the dispatch model and solve it on HiGHS: :func:`build_model`, :func:`solve_lp`."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from hashpivot.exceptions import SolverError
from hashpivot.power.fast import check_firm_load
from hashpivot.power.lp.adapter import highs_for, outcome
from hashpivot.power.lp.container import LinearModel
from hashpivot.power.lp.extract import extract_schedule
from hashpivot.power.lp.families import (
    define_ai_flexible,
    define_balance,
    define_commitment,
    define_demand_response,
    define_mining,
    define_ramp,
    define_supply,
)
from hashpivot.power.lp.warm_start import start_solution
from hashpivot.power.model import DispatchProblem, Schedule
from hashpivot.power.report import SolveReport

__all__ = ["build_model", "fixed_margin_usd", "solve_lp"]


def build_model(problem: DispatchProblem, milp: bool | None = None) -> LinearModel:
    """Assemble the LP (or MILP, when min up/down times are set or ``milp``)."""
    m = LinearModel(problem.n_intervals)
    define_mining(m, problem)
    define_supply(m, problem)
    define_ai_flexible(m, problem)
    define_balance(m, problem)
    define_demand_response(m, problem)
    define_ramp(m, problem)
    define_commitment(m, problem, problem.needs_milp if milp is None else milp)
    return m


def fixed_margin_usd(problem: DispatchProblem) -> float:
    """Net margin terms no decision changes: PPA and renewable payments, DR readiness.

    The model's objective leaves them out; net margin = -objective + this. [USD]
    """
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    hours = float(dt.sum())
    return (
        -problem.ppa_volume_mw * problem.ppa_price_usd_per_mwh * hours
        - float((problem.renewable() * dt).sum()) * problem.renewable_price_usd_per_mwh
        + problem.dr_committed_mw * problem.dr_readiness_usd_per_mw_hour * hours
    )


def solve_lp(
    problem: DispatchProblem,
    milp: bool | None = None,
    mip_gap: float = 1e-3,
    time_limit_seconds: float = 60.0,
    threads: int | None = None,
    lp_method: str = "choose",
) -> tuple[Schedule, SolveReport]:
    """Solve the dispatch as an LP (MILP with min up/down times) on HiGHS.

    Parameters
    ----------
    problem : DispatchProblem
    milp : bool, optional
        Force (True) or forbid (False) on/off binaries; default: when min up/down > 1.
    mip_gap : float
        Relative MIP gap at which HiGHS stops. [-]
    time_limit_seconds : float
        HiGHS time limit; a MILP stopped by it returns its best solution and gap. [s]
    threads : int, optional
        HiGHS threads (default: HiGHS's choice).
    lp_method : {"choose", "simplex", "ipm"}
        HiGHS LP algorithm.

    Returns
    -------
    schedule : Schedule
    report : SolveReport
        ``objective`` is the net margin HiGHS reports [USD] (``solver_objective_usd`` in
        a result's summary), ``objective_bound`` its dual bound (MILP).

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
    m = build_model(problem, use_milp)
    start = start_solution(problem, m) if use_milp else None
    options: dict[str, float | int | str] = {"time_limit": float(time_limit_seconds)}
    if threads is not None:
        options["threads"] = int(threads)
    if use_milp:
        options["mip_rel_gap"] = float(mip_gap)
    else:
        options["solver"] = lp_method

    def run_highs(with_start: bool) -> tuple[Any, int]:
        h, nnz = highs_for(m, options, integer=use_milp)
        if with_start and start is not None:
            h.setSolution(
                m.n_col, np.arange(m.n_col, dtype=np.int32), np.asarray(start, dtype=np.float64)
            )
        h.run()
        return h, nnz

    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    h, nnz = run_highs(with_start=True)
    cost = np.concatenate(m.col_cost) if m.col_cost else np.zeros(0)
    if start is not None and h.getInfo().primal_solution_status == 2:
        # HiGHS 1.16 returns the user's start as the solution when presolve alone solves
        # the MIP (its objective value is right, the values are not): solve again without
        reported = float(h.getInfo().objective_function_value)
        got = float(cost @ np.asarray(h.getSolution().col_value, dtype=float))
        if abs(got - reported) > 1e-7 * max(1.0, abs(reported)):
            h, nnz = run_highs(with_start=False)
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
    gap = float(info_h.mip_gap) if use_milp else 0.0
    objective = -float(info_h.objective_function_value) + fixed_margin_usd(problem)
    if use_milp:
        bound = -float(info_h.mip_dual_bound) + fixed_margin_usd(problem)
    else:
        bound = objective if end.status == "ok" else math.nan
    report = SolveReport(
        solver="milp" if use_milp else "lp",
        status=end.status,
        termination_condition=end.termination_condition,
        build_seconds=build_s,
        solve_seconds=solve_s,
        mip_gap=gap if math.isfinite(gap) else math.nan,
        objective=objective,
        objective_bound=bound,
        n_variables=m.n_col,
        n_constraints=m.n_row,
        n_nonzeros=nnz,
        constraint_names=m.constraint_names,
    )
    return extract_schedule(problem, m, x), report
