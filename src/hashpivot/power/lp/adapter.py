"""The HiGHS adapter: a :class:`~hashpivot.power.lp.container.LinearModel` into a quiet
``highspy.Highs``, and HiGHS's status back into report terms.

Used by the dispatch LP/MILP and by the portfolio plan (:mod:`hashpivot.optimize.solve`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hashpivot.power.highs import new_highs
from hashpivot.power.lp.container import FloatArray, LinearModel
from hashpivot.power.report import SolveReport

__all__ = ["HighsOutcome", "highs_for", "outcome", "run_highs", "solve_report"]


def highs_for(
    m: LinearModel,
    options: dict[str, Any],
    integer: bool = False,
    col_lower: FloatArray | None = None,
    col_upper: FloatArray | None = None,
) -> tuple[Any, int]:
    """A quiet ``highspy.Highs`` holding the model, with its options set.

    Parameters
    ----------
    m : LinearModel
    options : dict
        HiGHS options (``time_limit``, ``mip_rel_gap``, ``threads``...); ``output_flag``
        is always off.
    integer : bool
        Declare the model's integer columns integer (else solve the relaxation).
    col_lower, col_upper : numpy.ndarray, optional
        Column bounds replacing the model's (to fix columns).

    Returns
    -------
    highs : highspy.Highs
        Ready to ``run()``.
    n_nonzeros : int
    """
    import highspy

    a = m.arrays()
    mat = m.matrix()
    inf = highspy.kHighsInf
    lo = a["col_lower"] if col_lower is None else col_lower
    hi = a["col_upper"] if col_upper is None else col_upper
    lp = highspy.HighsLp()
    lp.num_col_ = m.n_col
    lp.num_row_ = m.n_row
    lp.col_cost_ = a["col_cost"]
    lp.col_lower_ = np.where(np.isinf(lo), -inf, lo)
    lp.col_upper_ = np.where(np.isinf(hi), inf, hi)
    lp.row_lower_ = np.where(np.isinf(a["row_lower"]), -inf, a["row_lower"])
    lp.row_upper_ = np.where(np.isinf(a["row_upper"]), inf, a["row_upper"])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr
    lp.a_matrix_.index_ = mat.indices
    lp.a_matrix_.value_ = mat.data
    h = new_highs()
    h.setOptionValue("output_flag", False)
    for key, value in options.items():
        h.setOptionValue(key, value)
    h.passModel(lp)
    ints = np.flatnonzero(a["integer"])
    if integer and ints.size:
        h.changeColsIntegrality(
            ints.size, ints.astype(np.int32), np.ones(ints.size, dtype=np.uint8)
        )
    return h, int(mat.nnz)


@dataclass(frozen=True)
class HighsOutcome:
    """How a HiGHS run ended.

    Attributes
    ----------
    status : {"ok", "warning"}
        ``ok`` when optimal, ``warning`` otherwise (time limit...).
    termination_condition : str
        ``optimal`` or HiGHS's model status in snake case (``time_limit``...).
    text : str
        HiGHS's model status as it prints it.
    infeasible : bool
        Infeasible, unbounded or either.
    has_solution : bool
        HiGHS holds a feasible primal solution.
    """

    status: Literal["ok", "warning"]
    termination_condition: str
    text: str
    infeasible: bool
    has_solution: bool


def run_highs(h: Any, cost: FloatArray) -> float:
    """Run HiGHS; where it reports an optimum whose column values do not give its
    objective, run it again without presolve, within what is left of its time limit.
    Returns the best MIP dual bound of the runs (the first's, when the second stops at the
    limit without one; -inf for an LP).

    HiGHS 1.16, given a start, hands back the start's values with the optimum's objective
    when presolve alone solves a MIP (33 of about 240 small rolling windows in a review's
    fuzz, each kept at its start while reported optimal); without presolve it returns the
    optimum's values. Its ``time_limit`` applies to each run, so the second gets the limit
    less the first's time; with none left the start's values stay, with their own
    objective. ``cost``: the model's objective coefficients (no offset).
    """
    before = float(h.getRunTime())  # (the clock adds up over the object's runs)
    h.run()
    bound = float(h.getInfo().mip_dual_bound)
    if not outcome(h).has_solution:
        return bound
    x = np.asarray(h.getSolution().col_value, dtype=float)
    reported = float(h.getInfo().objective_function_value)
    scale = max(1.0, abs(reported), float(np.abs(cost * x).sum()))
    limit = h.getOptionValue("time_limit")  # (status, value) in highspy 1.16
    limit = limit[-1] if isinstance(limit, tuple) else limit
    left = float(limit) - (float(h.getRunTime()) - before)
    if abs(float(cost @ x) - reported) <= 1e-7 * scale or left <= 1e-3:
        return bound
    h.setOptionValue("presolve", "off")
    h.setOptionValue("time_limit", left)
    h.run()
    return max(bound, float(h.getInfo().mip_dual_bound))


def outcome(h: Any) -> HighsOutcome:
    """Read the model status of a HiGHS run."""
    import highspy

    ms = highspy.HighsModelStatus
    status = h.getModelStatus()
    text = h.modelStatusToString(status)
    optimal = status == ms.kOptimal
    return HighsOutcome(
        status="ok" if optimal else "warning",
        termination_condition="optimal" if optimal else text.lower().replace(" ", "_"),
        text=text,
        infeasible=status in (ms.kInfeasible, ms.kUnboundedOrInfeasible, ms.kUnbounded),
        has_solution=optimal or h.getInfo().primal_solution_status == 2,
    )


def solve_report(
    m: LinearModel,
    nnz: int,
    end: HighsOutcome,
    milp: bool,
    build_seconds: float,
    solve_seconds: float,
    mip_gap: float,
    objective: float,
    objective_bound: float,
) -> SolveReport:
    """The report of one HiGHS solve of ``m`` (a non-finite gap is reported as NaN).

    Parameters
    ----------
    m : LinearModel
        The model solved (its size and constraint names go into the report).
    nnz : int
        Nonzeros of the constraint matrix, as :func:`highs_for` returns them.
    end : HighsOutcome
        The run's outcome.
    milp : bool
        Solved as a MILP (else as an LP).
    build_seconds, solve_seconds : float
        Model build time and solver time. [s]
    mip_gap, objective, objective_bound : float
        As :class:`hashpivot.power.report.SolveReport` defines them.
    """
    return SolveReport(
        solver="milp" if milp else "lp",
        status=end.status,
        termination_condition=end.termination_condition,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        mip_gap=mip_gap if math.isfinite(mip_gap) else math.nan,
        objective=objective,
        objective_bound=objective_bound,
        n_variables=m.n_col,
        n_constraints=m.n_row,
        n_nonzeros=nnz,
        constraint_names=m.constraint_names,
    )
