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

import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hashpivot.exceptions import SolverError
from hashpivot.power.highs import new_highs
from hashpivot.power.lp import LinearModel

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SolveReport:
    """How a solve went (linopy-style status and termination condition).

    Attributes
    ----------
    solver : {"lp", "milp"}
    status : {"ok", "warning"}
        ``ok`` when optimal (within the gap), ``warning`` when stopped with a feasible
        solution (time limit).
    termination_condition : str
        HiGHS model status in snake case: ``optimal``, ``time_limit``...
    build_seconds, solve_seconds : float
        [s]
    mip_gap : float
        Relative MIP gap reached (0 for an LP). [-]
    objective : float
        HiGHS objective (minimized). [M USD]
    n_variables, n_constraints, n_nonzeros : int
    """

    solver: Literal["lp", "milp"]
    status: Literal["ok", "warning"]
    termination_condition: str
    build_seconds: float
    solve_seconds: float
    mip_gap: float
    objective: float
    n_variables: int
    n_constraints: int
    n_nonzeros: int


_new_highs = new_highs


def _highs(m: LinearModel, integer: bool, time_limit_s: float, gap: float,
           threads: int | None, fixed: FloatArray | None = None) -> Any:
    import highspy

    a = m.arrays()
    mat = m.matrix()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = m.n_col
    lp.num_row_ = m.n_row
    lp.col_cost_ = a["col_cost"]
    lo, hi = a["col_lower"].copy(), a["col_upper"].copy()
    ints = np.flatnonzero(a["integer"])
    if fixed is not None:
        lo[ints] = hi[ints] = np.round(fixed[ints])
    lp.col_lower_ = np.where(np.isinf(lo), -inf, lo)
    lp.col_upper_ = np.where(np.isinf(hi), inf, hi)
    lp.row_lower_ = np.where(np.isinf(a["row_lower"]), -inf, a["row_lower"])
    lp.row_upper_ = np.where(np.isinf(a["row_upper"]), inf, a["row_upper"])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr
    lp.a_matrix_.index_ = mat.indices
    lp.a_matrix_.value_ = mat.data
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("random_seed", 0)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    if integer and fixed is None and ints.size:
        h.changeColsIntegrality(ints.size, ints.astype(np.int32),
                                np.ones(ints.size, dtype=np.uint8))
    h.run()
    return h, int(mat.nnz)


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
        Infeasible, unbounded, or stopped without a feasible solution.
    """
    import highspy

    t0 = time.perf_counter()
    h, nnz = _highs(m, integer, time_limit_s, gap, threads)
    solve_s = time.perf_counter() - t0
    ms = highspy.HighsModelStatus
    status = h.getModelStatus()
    text = h.modelStatusToString(status)
    info = h.getInfo()
    feasible = info.primal_solution_status == 2
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible, ms.kUnbounded):
        raise SolverError(
            f"the plan model is {text.lower()}: committed conversions (--fixed-through) may "
            "exceed the budget, build capacity or a tenant's demand"
        )
    if status != ms.kOptimal and not feasible:
        raise SolverError(f"HiGHS stopped without a feasible plan: {text}")
    is_milp = integer and bool(np.any(m.arrays()["integer"]))
    gap_v = float(info.mip_gap) if is_milp else 0.0
    report = SolveReport(
        solver="milp" if is_milp else "lp",
        status="ok" if status == ms.kOptimal else "warning",
        termination_condition="optimal" if status == ms.kOptimal
        else text.lower().replace(" ", "_"),
        build_seconds=build_seconds,
        solve_seconds=solve_s,
        mip_gap=gap_v if math.isfinite(gap_v) else float("nan"),
        objective=float(info.objective_function_value),
        n_variables=m.n_col,
        n_constraints=m.n_row,
        n_nonzeros=nnz,
    )
    return np.asarray(h.getSolution().col_value, dtype=np.float64), report


def relaxation_duals(
    m: LinearModel, time_limit_s: float = 120.0
) -> tuple[FloatArray, FloatArray]:
    """Row duals and reduced costs of the LP relaxation (integrality dropped).

    Returns
    -------
    row_dual, col_dual : ndarray
        HiGHS duals of the minimized objective (M USD per unit of the row or column).
    """
    h, _ = _highs(m, False, time_limit_s, 0.0, None)
    sol = h.getSolution()
    if not sol.dual_valid:
        return np.full(m.n_row, np.nan), np.full(m.n_col, np.nan)
    return (np.asarray(sol.row_dual, dtype=np.float64),
            np.asarray(sol.col_dual, dtype=np.float64))
