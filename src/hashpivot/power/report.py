"""How a solve went: one typed report for the dispatch solvers and the plan optimizer.

linopy returns a status and a termination condition; hashpivot adds the build and solve
times and the MIP gap, which every optimization result prints with its numbers, so that
a plan is never shown without how far from optimal it may be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = ["SolveReport"]


@dataclass(frozen=True)
class SolveReport:
    """How a solve went.

    Attributes
    ----------
    solver : {"fast", "lp", "milp"}
        The exact merit order (dispatch only), HiGHS on an LP, HiGHS on a MILP.
    status : {"ok", "warning"}
        ``ok`` when optimal (within the gap), ``warning`` when stopped with a feasible
        solution (time limit).
    termination_condition : str
        HiGHS model status in snake case: ``optimal``, ``time_limit``...
    build_seconds, solve_seconds : float
        Model build time and solver time. [s]
    mip_gap : float
        Relative MIP gap reached, ``|objective - objective_bound| / |objective|`` (0 for an
        LP and the fast path; NaN when HiGHS reports none). [-]
    objective : float
        Objective of the solution in the model's own terms: the dispatch's net margin
        (maximized) [USD], the plan's HiGHS objective (minimized) [M USD]; NaN when the
        solver reports none (fast path).
    objective_bound : float
        Best bound on the objective, same terms (the MIP dual bound); NaN when none.
    n_variables, n_constraints, n_nonzeros : int
        Size of the model (0 for the fast path).
    constraint_names : tuple of str
        Names of the non-empty constraint blocks (``"{variable}-{rule}-{bound}"``).
    n_windows : int
        Rolling-horizon windows solved (1 for a single solve); with more than one the
        size is that of the largest window and ``mip_gap`` the windows' combined gap
        (:mod:`hashpivot.power.lp.rolling`).
    n_windows_unimproved : int
        Windows stopped by the time limit whose kept schedule is their warm start: HiGHS
        found no better solution in their share of it, or one better only in the
        look-ahead, which is not kept (0 for a single solve).
    """

    solver: Literal["fast", "lp", "milp"]
    status: Literal["ok", "warning"]
    termination_condition: str
    build_seconds: float
    solve_seconds: float
    mip_gap: float
    objective: float = math.nan
    objective_bound: float = math.nan
    n_variables: int = 0
    n_constraints: int = 0
    n_nonzeros: int = 0
    constraint_names: tuple[str, ...] = ()
    n_windows: int = 1
    n_windows_unimproved: int = 0
