"""Solve a built model on HiGHS (``highspy``) and read its LP-relaxation duals.

:func:`solve_model` returns the column values and a typed :class:`SolveReport` (status,
termination condition, build and solve times, MIP gap). :func:`relaxation_duals` fixes
the integer columns at their solution and re-solves the LP: its row duals are the shadow
prices of the plan (budget, build capacity, tenant demand, interconnection) and its
reduced costs tell which barred decisions a rule keeps out.

Why the relaxation and not the LP with the integer columns fixed: every decision of this
model is an integer block count, so fixing them leaves no column that a budget or build
row constrains, and every such dual is zero. The relaxation prices one more USD of budget
or MW of build capacity in the continuous plan (the value of the limit, to the gap between
the MILP and its relaxation).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.exceptions import SolverError
from hashpivot.power.lp import LinearModel
from hashpivot.power.lp.adapter import highs_for, outcome, run_highs, solve_report
from hashpivot.power.report import SolveReport

__all__ = ["SolveReport", "SolveStoppedError", "relaxation_duals", "solve_model"]


class SolveStoppedError(SolverError):
    """HiGHS stopped at a limit (its time limit) before it found a feasible solution."""


def _highs(m: LinearModel, integer: bool, time_limit_s: float, gap: float,
           threads: int | None, fixed: FloatArray | None = None,
           pinned: tuple[IntArray, FloatArray] | None = None) -> tuple[Any, int]:
    a = m.arrays()
    lo, hi = a["col_lower"].copy(), a["col_upper"].copy()
    if fixed is not None:
        ints = np.flatnonzero(a["integer"])
        lo[ints] = hi[ints] = np.round(fixed[ints])
    if pinned is not None:
        lo[pinned[0]] = hi[pinned[0]] = pinned[1]
    options: dict[str, Any] = {
        "time_limit": float(time_limit_s), "mip_rel_gap": float(gap), "random_seed": 0
    }
    if threads is not None:
        options["threads"] = int(threads)
    h, nnz = highs_for(m, options, integer and fixed is None, lo, hi)
    run_highs(h, m.arrays()["col_cost"])  # (values that do not give its objective)
    return h, nnz


def solve_model(
    m: LinearModel,
    integer: bool,
    build_seconds: float = 0.0,
    time_limit_s: float = 300.0,
    gap: float = 1e-4,
    threads: int | None = None,
) -> tuple[FloatArray, SolveReport]:
    """Solve; return column values and the report.

    Raises
    ------
    SolverError
        Infeasible or unbounded; :class:`SolveStoppedError` when stopped (its time limit)
        without a feasible solution.
    """
    t0 = time.perf_counter()
    h, nnz = _highs(m, integer, time_limit_s, gap, threads)
    solve_s = time.perf_counter() - t0
    end = outcome(h)
    info = h.getInfo()
    if end.infeasible:
        raise SolverError(f"the plan model is {end.text.lower()}")
    if not end.has_solution:
        raise SolveStoppedError(f"HiGHS stopped at {end.text.lower()} after {solve_s:.1f} s "
                           "without a feasible plan")
    is_milp = integer and bool(np.any(m.arrays()["integer"]))
    gap_v = float(info.mip_gap) if is_milp else 0.0
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound) if is_milp else objective
    report = solve_report(m, nnz, end, is_milp, build_seconds, solve_s, gap_v, objective, bound)
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    if is_milp:  # block counts: HiGHS returns them within its integrality tolerance
        ints = np.flatnonzero(m.arrays()["integer"])
        x[ints] = np.round(x[ints])
    return x, report


def relaxation_duals(
    m: LinearModel, time_limit_s: float,
    pinned: tuple[IntArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Row duals and reduced costs of the LP relaxation (integrality dropped).

    Parameters
    ----------
    m : LinearModel
    time_limit_s : float
        HiGHS's time limit (the run's ``time_limit_s``, as each of its solves). [s]
    pinned : (ndarray of int, ndarray), optional
        Columns held at values (the plan's ``sga_floor_on``: relaxed, the floor's chord
        would value mining past the horizon the plan does not give up).

    Returns
    -------
    row_dual, col_dual : ndarray
        HiGHS duals of the minimized objective (M USD per unit of the row or column).
    """
    h, _ = _highs(m, False, time_limit_s, 0.0, None, pinned=pinned)
    sol = h.getSolution()
    if not sol.dual_valid:
        return np.full(m.n_row, np.nan), np.full(m.n_col, np.nan)
    return (np.asarray(sol.row_dual, dtype=np.float64),
            np.asarray(sol.col_dual, dtype=np.float64))
