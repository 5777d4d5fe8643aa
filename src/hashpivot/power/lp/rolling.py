"""The min up/down MILP over a long horizon, solved in rolling windows.

A year of 15-minute intervals with on/off binaries per tranche is too large to solve
whole within a minute on a small machine (HiGHS spent its limit on the root LP of
1.5 million columns). The horizon is cut into windows (default a day), each solved with
a look-ahead (default 6 hours) that is solved but not kept; the next window starts from the
kept schedule's state (:class:`~hashpivot.power.lp.families.Boundary`): which tranches
(or how many of their blocks) are on, and when they switched (so min up/down times hold
across the cut), and the site load (for
the ramp limit). With flexible AI load, cuts fall on the AI windows' edges so that each
window's energy stays in one solve.

Time. The user's limit covers everything: each window gets the time left divided by the
windows left (minus their expected build time), so a window that stops early at its gap
leaves its time to the next. A window is solved once, from a warm start that respects
the carried state (:mod:`~hashpivot.power.lp.warm_start`: holding the state before the
cut is one, when it breaks no import or DR limit; following the merit order's mining
within the ramp from that state is another); if HiGHS stops without a better solution
the start is kept. A window with neither is run again with half the time left,
before the run fails.

Gap. ``mip_gap`` is the windows' combined gap in HiGHS's terms: the sum over windows of
(the window's objective - its best bound) over the sum of the windows' objectives (each
with its look-ahead; objectives as HiGHS minimizes them, without the constant payments).
A window's bound is HiGHS's dual bound or, if tighter (HiGHS stopped before its root
LP), the window's optimum without min up/down times, which the fast path gives exactly
when nothing else links intervals. It says how far each window's decisions are from the best given
the state it inherited, not how far the stitched schedule is from the full-horizon
optimum. For the latter, ``objective_bound`` is the optimum without min up/down times
(the exact fast path, when nothing else links intervals): a valid upper bound on the
full-horizon MILP, so ``(objective_bound - objective) / objective`` bounds the loss. The
loss against the full-horizon solve is measured in ``tests/power/test_rolling.py`` and
BENCHMARKS.md.
"""

from __future__ import annotations

import math
import time

import numpy as np

from hashpivot.exceptions import InputError, SolverError
from hashpivot.power.accounts import evaluate_accounts
from hashpivot.power.fast import solve_fast
from hashpivot.power.lp.adapter import highs_for, outcome, run_highs
from hashpivot.power.lp.container import LinearModel
from hashpivot.power.lp.extract import extract_schedule
from hashpivot.power.lp.families import Boundary
from hashpivot.power.lp.solve import build_model, fixed_margin_usd
from hashpivot.power.lp.warm_start import start_solution
from hashpivot.power.model import DispatchProblem
from hashpivot.power.report import SolveReport
from hashpivot.power.schedule import Schedule

__all__ = ["carried_state", "kept_start", "solve_rolling", "window_bounds", "window_limit"]

RESERVE_FRACTION = 0.02  #: share of the time limit kept for stitching and accounts
#: share of the time left that a window with neither a solution nor a start gets again
RETRY_FRACTION = 0.5
#: HiGHS options of each window: the warm start is feasible, so the feasibility-jump
#: heuristic (about a third of a small window's time here) is skipped
WINDOW_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_feasibility_jump": False
}


def window_bounds(
    problem: DispatchProblem, window_intervals: int, lookahead_intervals: int
) -> list[tuple[int, int, int]]:
    """``(start, keep_stop, solve_stop)`` of each window; cuts on AI-window edges when
    flexible AI load keeps its energy per window."""
    t = problem.n_intervals
    edges = None
    if problem.ai_flexible_mw > 0:
        w = problem.windows()
        edges = np.flatnonzero(np.diff(w) != 0) + 1
    out = []
    start = 0
    while start < t:
        stop = min(start + window_intervals, t)
        if edges is not None and stop < t:
            later = edges[edges >= stop]
            stop = int(later[0]) if later.size else t
        out.append((start, stop, min(stop + lookahead_intervals, t)))
        start = stop
    return out


def carried_state(
    on: np.ndarray, load_mw: np.ndarray, stop: int, cap: int,
    segment_mw: np.ndarray | None = None, installed: np.ndarray | None = None,
) -> Boundary:
    """The state after interval ``stop - 1`` of the kept schedule ``on`` (T, K: blocks
    committed, or on/off), its last ``cap + 1`` intervals (``cap`` at least the min up and
    down times; padded with the horizon's first state where the schedule is shorter), with
    its segment powers ``segment_mw`` (T, S) and the tranches ``installed`` (T, K) when
    given."""
    lo = max(stop - cap - 1, 0)
    recent = np.asarray(on[lo:stop], dtype=np.int64)[::-1]  # newest first
    pad = cap + 1 - recent.shape[0]
    if pad > 0:  # the horizon began within the history: its first state held before it
        recent = np.vstack([recent, np.repeat(recent[-1:], pad, axis=0)])
    held = None if segment_mw is None else np.array(segment_mw[stop - 1], dtype=float)
    return Boundary(history=recent.copy(), load_mw=float(load_mw[stop - 1]), segment_mw=held,
                    installed=None if installed is None else np.array(installed[stop - 1]))


def kept_start(m: LinearModel, x: np.ndarray, x0: np.ndarray, n_kept: int,
               tol_mw: float = 1e-6) -> bool:
    """Whether the solution ``x`` of a window keeps its start ``x0`` in the ``n_kept``
    intervals kept: the same mining segment powers, flexible AI draw and blocks committed
    there (within ``tol_mw``; the same powers may come from other counts of blocks, and
    the counts are the state carried to the next window), whatever it changed in the
    look-ahead. [MW]"""
    for name in ("segment", "ai_flexible", "tranche_on"):
        cols = m.get(name)[:n_kept]
        if cols.size and not np.allclose(x[cols], x0[cols], rtol=0.0, atol=tol_mw):
            return False
    return True


def window_limit(deadline: float, now: float, left: int, build_seconds: float) -> float:
    """HiGHS's time limit for the next of ``left`` windows: the time to the deadline less
    the others' expected build time, shared equally (at least 1 ms). [s]"""
    return max((deadline - now - (left - 1) * build_seconds) / left, 1e-3)


def _relaxation_bound_usd(problem: DispatchProblem) -> float:
    """Net margin without min up/down times (a valid upper bound), when the fast path
    solves it; NaN otherwise. [USD]"""
    relaxed = problem.replace(min_up_intervals=1, min_down_intervals=1)
    if relaxed.links_intervals:
        return math.nan
    try:
        schedule, _ = solve_fast(relaxed)
    except InputError:
        return math.nan
    return float(evaluate_accounts(relaxed, schedule).net_margin_usd.sum())


def _relaxed_window_bound(sub: DispatchProblem) -> float:
    """A lower bound on a window's minimized objective from its optimum without min
    up/down times or carried state (valid when HiGHS stops before proving one); -inf when
    the fast path cannot solve the relaxation."""
    margin = _relaxation_bound_usd(sub)
    return -(margin - fixed_margin_usd(sub)) if math.isfinite(margin) else -math.inf


def solve_rolling(
    problem: DispatchProblem,
    mip_gap: float,
    time_limit_seconds: float,
    window_intervals: int,
    lookahead_intervals: int,
    threads: int | None = None,
) -> tuple[Schedule, SolveReport]:
    """Solve the MILP window by window within ``time_limit_seconds`` in all.

    Parameters
    ----------
    problem : DispatchProblem
    mip_gap : float
        Relative gap at which each window stops. [-]
    time_limit_seconds : float
        Wall-clock limit of the whole solve, building included. [s]
    window_intervals, lookahead_intervals : int
        Intervals kept per window, and solved beyond them. [intervals]
    threads : int, optional
        HiGHS threads.

    Returns
    -------
    schedule : Schedule
    report : SolveReport
        ``mip_gap`` the combined window gap, ``objective_bound`` the bound without min
        up/down times (module docstring), ``n_windows``.

    Raises
    ------
    SolverError
        A window is infeasible, or HiGHS stops without a solution and no start exists.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_seconds * (1.0 - RESERVE_FRACTION)
    t, k, s_n = problem.n_intervals, len(problem.tranches), problem.segments.n
    cap = max(problem.min_up_intervals, problem.min_down_intervals, 1)
    bound_usd = _relaxation_bound_usd(problem)
    # each window holds the horizon's floor (one computed afresh would climb from the
    # mining before its cut, higher than the horizon's where the schedule mined above it)
    problem = problem.replace(mining_floor_mw_series=problem.mining_floor_mw(milp=True))
    windows = window_bounds(problem, window_intervals, lookahead_intervals)
    flows = {name: np.zeros(t) for name in (
        "ai_flexible_mw", "grid_mw", "ppa_used_mw", "ppa_resold_mw", "renewable_used_mw",
        "renewable_resold_mw", "dr_shortfall_mw")}
    segment = np.zeros((t, s_n))
    on = np.zeros((t, k), dtype=np.int64)  # blocks committed
    boundary: Boundary | None = None
    installed = (None if problem.tranche_installed_series is None
                 else problem.installed())
    build_s = solve_s = 0.0
    primal = dual = 0.0
    all_optimal = True
    unimproved = 0
    stopped = "optimal"
    sizes = (0, 0, 0)
    for i, (start, keep, stop) in enumerate(windows):
        tb = time.perf_counter()
        sub = problem.window(start, stop)
        m = build_model(sub, True, boundary)
        x0 = start_solution(sub, m, boundary)
        options: dict[str, bool | int | float | str] = {
            "mip_rel_gap": float(mip_gap), **WINDOW_OPTIONS
        }
        if threads is not None:
            options["threads"] = int(threads)
        h, nnz = highs_for(m, options, integer=True)
        if x0 is not None:
            h.setSolution(m.n_col, np.arange(m.n_col, dtype=np.int32), x0)
        now = time.perf_counter()
        build_w = now - tb
        build_s += build_w
        h.setOptionValue("time_limit", window_limit(deadline, now, len(windows) - i, build_w))
        dual_bound = run_highs(h, m.arrays()["col_cost"])
        end = outcome(h)
        if not (end.has_solution or end.infeasible or x0 is not None):
            # nothing to keep: this window takes a share of the time left now, not of
            # the windows' (all would fail without it)
            retry = RETRY_FRACTION * (deadline - time.perf_counter())
            if retry > 0:
                h.setOptionValue("time_limit", retry)
                dual_bound = run_highs(h, m.arrays()["col_cost"])
                end = outcome(h)
        solve_s += time.perf_counter() - now
        if end.infeasible:
            raise SolverError(
                f"dispatch window {i + 1} of {len(windows)} ({sub.index[0]} to "
                f"{sub.index[-1]}) is infeasible ({end.text}): check that the firm AI load, "
                "the DR committed load, ramp limits and the import limit are compatible"
            )
        cost = np.concatenate(m.col_cost)
        if end.has_solution:
            x = np.asarray(h.getSolution().col_value, dtype=float)
        elif x0 is not None:
            x = x0
        else:
            raise SolverError(
                f"HiGHS stopped without a solution in dispatch window {i + 1} of "
                f"{len(windows)}: {end.text}"
            )
        if end.status != "ok":
            all_optimal = False
            stopped = end.termination_condition if end.has_solution else "time_limit"
        value = float(cost @ x)  # the values HiGHS returned, not only its objective
        if end.status != "ok" and x0 is not None and (
                value >= float(cost @ x0) - 1e-9 * max(abs(value), 1.0)
                or kept_start(m, x, x0, keep - start)):
            unimproved += 1  # stopped at its start (or no better), not at its gap
        dual_w = max(dual_bound, _relaxed_window_bound(sub))
        primal += value
        dual += min(dual_w, value)
        sizes = max(sizes, (m.n_col, m.n_row, nnz))
        sched = extract_schedule(sub, m, x)
        kept = slice(0, keep - start)
        segment[start:keep] = sched.segment_mw[kept]
        for name in flows:
            flows[name][start:keep] = getattr(sched, name)[kept]
        if sched.tranche_on is not None:
            on[start:keep] = sched.tranche_on[kept]
        if keep < t:
            load = segment[:keep].sum(axis=1) + flows["ai_flexible_mw"][:keep]
            boundary = carried_state(on, load, keep, cap, segment, installed)
    schedule = Schedule(segment_mw=segment, tranche_on=on, **flows)
    objective = float(evaluate_accounts(problem, schedule).net_margin_usd.sum())
    gap = (primal - dual) / abs(primal) if primal != 0 else math.nan
    return schedule, SolveReport(
        solver="milp",
        status="ok" if all_optimal else "warning",
        termination_condition=stopped,
        build_seconds=build_s,
        solve_seconds=solve_s,
        mip_gap=gap if math.isfinite(gap) else math.nan,
        objective=objective,
        objective_bound=bound_usd,
        n_variables=sizes[0],
        n_constraints=sizes[1],
        n_nonzeros=sizes[2],
        constraint_names=m.constraint_names,
        n_windows=len(windows),
        n_windows_unimproved=unimproved,
    )
