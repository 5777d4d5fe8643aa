"""Choose a solver and return a :class:`~hashpivot.power.results.DispatchResult`."""

from __future__ import annotations

from typing import Any

from hashpivot.exceptions import InputError, Problem
from hashpivot.power.fast import solve_fast
from hashpivot.power.lp import solve_lp
from hashpivot.power.model import DispatchProblem
from hashpivot.power.results import DispatchResult, always_on_totals

__all__ = ["solve"]

SOLVERS = ("auto", "fast", "lp")


def solve(
    problem: DispatchProblem,
    solver: str = "auto",
    mip_gap: float = 1e-3,
    time_limit_seconds: float = 60.0,
    **lp_options: Any,
) -> DispatchResult:
    """Dispatch a site: the exact fast path when intervals are independent, else HiGHS.

    Parameters
    ----------
    problem : DispatchProblem
    solver : {"auto", "fast", "lp"}
        ``auto``: fast path unless flexible AI, ramps or min up/down link intervals;
        ``fast``: the merit order (error if intervals are linked); ``lp``: HiGHS always
        (a MILP when min up/down times are set).
    mip_gap : float
        Relative MIP gap. [-]
    time_limit_seconds : float
        HiGHS time limit. [s]
    **lp_options
        Passed to :func:`hashpivot.power.lp.solve_lp` (``threads``, ``lp_method``).

    Returns
    -------
    DispatchResult
    """
    if solver not in SOLVERS:
        raise InputError(
            Problem(path="solver", message=f"{solver!r} is not one of {', '.join(SOLVERS)}")
        )
    fast = solver == "fast" or (solver == "auto" and not problem.links_intervals)
    if fast and problem.links_intervals:
        solve_fast(problem)  # raises the fast path's error before any other work
    # the baseline first, reduced to its totals: the two schedules are never held at once
    baseline_totals = always_on_totals(problem)
    if fast:
        schedule, report = solve_fast(problem)
    else:
        schedule, report = solve_lp(
            problem, mip_gap=mip_gap, time_limit_seconds=time_limit_seconds, **lp_options
        )
    return DispatchResult(
        problem=problem, schedule=schedule, report=report, baseline_totals=baseline_totals
    )
