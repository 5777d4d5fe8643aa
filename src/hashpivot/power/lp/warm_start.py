"""A feasible start for the dispatch MILP, so HiGHS begins from a good incumbent.

Candidates are commitment patterns (tranche k on or off in each interval) turned into
full column vectors: committed tranches at rated power (or, after a rolling-horizon cut,
at the powers before it), supply allocated by
:func:`hashpivot.power.fast.allocate_supply`. The fast-path schedule gives the first
pattern (each tranche on where it draws at least half its power, repaired for min up/down
times by :func:`enforce_min_up_down`); the second keeps the most efficient tranches always
on while the import limit allows.
"""

from __future__ import annotations

import math

import numpy as np

from hashpivot.arrays import BoolArray
from hashpivot.exceptions import InputError
from hashpivot.power.fast import allocate_supply, solve_fast
from hashpivot.power.intervals import FloatArray
from hashpivot.power.lp.container import LinearModel
from hashpivot.power.lp.families import (
    Boundary,
    fleet_changes,
    tranche_power_before_mw,
)
from hashpivot.power.model import DispatchProblem

__all__ = [
    "commitment_start", "enforce_min_up_down", "following_segments", "repair_pattern",
    "start_solution",
]



def enforce_min_up_down(on: BoolArray, up: int, down: int) -> BoolArray:
    """Repair an on/off sequence so that it respects minimum up and down times.

    On-runs shorter than ``up`` that start after the first interval and end before the
    last are switched off (this only lengthens off-runs); then off-runs shorter than
    ``down`` with on-runs on both sides are switched on (this only lengthens on-runs).
    Runs touching the start or the end of the horizon are left alone, as in the MILP.

    Parameters
    ----------
    on : numpy.ndarray of bool, shape (T,)
    up, down : int
        Minimum on and off times. [intervals]

    Returns
    -------
    numpy.ndarray of bool
    """
    u = np.asarray(on, dtype=bool).copy()
    t = len(u)
    for value, min_len in ((True, up), (False, down)):
        if min_len <= 1 or t < 2:
            continue
        change = np.flatnonzero(np.diff(u.astype(np.int8))) + 1
        starts = np.r_[0, change]
        ends = np.r_[change, t]
        short = (u[starts] == value) & (starts > 0) & (ends < t) & (ends - starts < min_len)
        run_id = np.repeat(np.arange(len(starts)), ends - starts)
        u[short[run_id]] = not value
    return u


def repair_pattern(
    on: BoolArray, up: int, down: int, boundary: Boundary | None = None
) -> BoolArray:
    """:func:`enforce_min_up_down` on every tranche (columns of ``on``), after the state
    carried by ``boundary``: a tranche within its min up (down) time stays on (off), and
    the first run is judged with the run before the window prepended."""
    out = np.asarray(on, dtype=bool).copy()
    for j in range(out.shape[1]):
        if boundary is None:
            out[:, j] = enforce_min_up_down(out[:, j], up, down)
            continue
        state, run = bool(boundary.on[j]), max(int(boundary.run_intervals[j]), 1)
        left = (up if state else down) - run
        out[: max(left, 0), j] = state
        seq = enforce_min_up_down(np.r_[np.full(run, state), out[:, j]], up, down)
        out[:, j] = seq[run:]
    return out


def commitment_start(
    problem: DispatchProblem,
    m: LinearModel,
    on: BoolArray,
    boundary: Boundary | None = None,
    segment_mw: FloatArray | None = None,
) -> FloatArray | None:
    """Column values of a MILP start in which tranche k runs when ``on[:, k]``, at full
    power or at the segment powers ``segment_mw`` (T, S) given; None when it breaks a
    limit (import, DR readiness, ramp). A tranche not installed is off."""
    seg = problem.segments
    x = np.zeros(m.n_col)
    installed = problem.installed()
    on = on & installed
    if segment_mw is not None:
        segment_mw = np.where(installed[:, seg.tranche], segment_mw, 0.0)
    u = on.astype(float)
    x[m.get("tranche_on")] = u
    before = u[:1] if boundary is None else boundary.on.astype(float)[None, :]
    d = np.diff(u, axis=0, prepend=before)
    x[m.get("tranche_start")] = np.maximum(d, 0.0)
    x[m.get("tranche_stop")] = np.maximum(-d, 0.0)
    power = seg.cap_mw[None, :] * u[:, seg.tranche] if segment_mw is None else segment_mw
    x[m.get("segment")] = power
    mining = power.sum(axis=1)
    load = problem.ai_firm_mw + problem.ai_flexible_mw + mining
    if np.any(load > problem.renewable() + problem.import_limit_mw + 1e-9):
        return None
    floor = problem.mining_floor_mw(milp=True)
    if np.any(mining < floor - 1e-9):
        return None
    ramp = problem.ramp_mw_per_interval
    if math.isfinite(ramp):  # the steps the model allows (families.define_ramp)
        site = load - problem.ai_firm_mw
        step = np.diff(site, prepend=site[0] if boundary is None else boundary.load_mw)
        by_tranche = np.zeros((len(site), len(problem.tranches)))
        np.add.at(by_tranche.T, seg.tranche, power.T)  # each tranche's power (T, K)
        before = np.vstack([tranche_power_before_mw(problem, boundary)[None, :],
                            by_tranche[:-1]])
        if problem.tranche_installed_series is not None:
            leaving, joining = fleet_changes(problem, boundary)
            step_down = step + (before * leaving).sum(axis=1)
            step_up = step - (by_tranche * joining).sum(axis=1)
        else:
            step_down = step_up = step
        if np.any(step_down < -ramp - 1e-9) or np.any(step_up > ramp + 1e-9):
            return None
    x[m.get("mining")] = mining
    x[m.get("ai_flexible")] = problem.ai_flexible_mw
    flows = allocate_supply(problem, load)
    for var in ("grid", "ppa_used", "ppa_resold", "renewable_used", "renewable_resold"):
        cols = m.get(var)
        x[cols] = flows[f"{var}_mw"][: cols.size]
    event = np.flatnonzero(problem.event())
    cap = (problem.max_site_load_series_mw()[event] - problem.dr_committed_series_mw()[event]
           - problem.ai_firm_mw)
    short = m.get("dr_shortfall")
    x[short] = np.maximum(mining[event] + problem.ai_flexible_mw - cap, 0.0)[: short.size]
    return x


def following_segments(problem: DispatchProblem, on: BoolArray,
                       boundary: Boundary | None = None) -> FloatArray | None:
    """Segment powers (T, S) of the tranches ``on`` (T, K) that follow the mining the
    merit order would choose without ramps or min up/down times, as closely as the ramp
    allows from the mining before (``boundary``), within what those tranches can draw
    while on (their lowest running power to their rated power) and above the kept-online
    floor; None when the merit order cannot be solved (flexible AI load). [MW]

    The state held, but clocked down ahead of dear hours and up in cheap ones: a start
    that is worth something where HiGHS's share of the time limit ends before it finds a
    better one.
    """
    free = problem.replace(min_up_intervals=1, min_down_intervals=1,
                           ramp_mw_per_interval=math.inf)
    if free.links_intervals:
        return None
    try:
        sched, _ = solve_fast(free)
    except InputError:
        return None
    seg = problem.segments
    power = np.array([tr.power_mw for tr in problem.tranches])
    low = np.array([tr.min_power_fraction for tr in problem.tranches]) * power
    lo = np.maximum(on @ low, problem.mining_floor_mw(milp=True))
    hi = on @ power
    target = np.clip(sched.segment_mw.sum(axis=1), lo, hi)
    ramp = problem.ramp_mw_per_interval
    mining = np.empty_like(target)
    last = (None if boundary is None or boundary.segment_mw is None
            else float(np.sum(boundary.segment_mw)))  # mining before the cut
    for i in range(len(target)):  # forward: the ramp from the interval before
        want = target[i] if last is None else min(max(target[i], last - ramp), last + ramp)
        mining[i] = last = min(max(want, lo[i]), hi[i])
    # each tranche on at its lowest running power, the rest in merit order
    first = np.r_[True, np.diff(seg.tranche) != 0]  # a tranche's first segment
    out = np.where(on[:, seg.tranche] & first[None, :], seg.cap_mw[None, :], 0.0)
    one = np.bincount(seg.tranche, minlength=len(power)) == 1  # no underclocking: all
    out = np.where(on[:, seg.tranche] & one[seg.tranche][None, :], seg.cap_mw[None, :], out)
    left = mining - out.sum(axis=1)
    for s in np.argsort(-seg.ph_s_per_mw, kind="stable"):
        if first[s] or one[seg.tranche[s]]:
            continue
        add = np.where(on[:, seg.tranche[s]], np.clip(left, 0.0, seg.cap_mw[s]), 0.0)
        out[:, s] += add
        left = left - add
    return np.asarray(out, dtype=np.float64)


def start_solution(
    problem: DispatchProblem, m: LinearModel, boundary: Boundary | None = None
) -> FloatArray | None:
    """A feasible MILP start, the cheapest of four candidates (None if none is feasible):

    * the fast-path schedule without min up/down times (when nothing else links
      intervals), each tranche on where it runs at least half its power, repaired by
      :func:`enforce_min_up_down`;
    * tranches in merit order on whenever installed while the import limit allows, the
      rest off;
    * after a cut (``boundary`` with its segment powers), the state before held: no
      tranche switches and the load does not move, so the min up/down and ramp limits
      hold where a pattern at rated power would jump from a part-loaded state (it breaks
      them where flexible AI drew other than its mean before the cut, or a limit of
      import, DR or the fleet installed moves within the window);
    * after a cut, the same tranches on, following the merit order's mining within the
      ramp (:func:`following_segments`).
    """
    t = problem.n_intervals
    k = len(problem.tranches)
    candidates: list[FloatArray] = []
    relaxed = problem.replace(min_up_intervals=1, min_down_intervals=1)
    if not relaxed.links_intervals:
        try:
            sched, _ = solve_fast(relaxed)
        except InputError:
            sched = None
        if sched is not None:
            power = np.array([tr.power_mw for tr in problem.tranches])
            on = sched.mining_by_tranche_mw(problem) >= 0.5 * power[None, :]
            on &= power[None, :] > 0
            on = repair_pattern(
                on, problem.min_up_intervals, problem.min_down_intervals, boundary
            )
            x = commitment_start(problem, m, on, boundary)
            if x is not None:
                candidates.append(x)
    room = float(np.min(problem.renewable())) + problem.import_limit_mw - problem.ai_firm_mw
    room -= problem.ai_flexible_mw
    on_const = np.zeros((t, k), dtype=bool)
    installed = problem.installed()
    total = np.zeros(t)
    for j in np.argsort([-tr.efficiency_ph_s_per_mw for tr in problem.tranches], kind="stable"):
        power = problem.tranches[j].power_mw * installed[:, j]
        if np.all(total + power <= room + 1e-9):
            total += power
            on_const[:, j] = installed[:, j]
    on_const = repair_pattern(
        on_const, problem.min_up_intervals, problem.min_down_intervals, boundary
    )
    x = commitment_start(problem, m, on_const, boundary)
    if x is not None:
        candidates.append(x)
    if boundary is not None and boundary.segment_mw is not None:
        held_on = np.repeat(boundary.on[None, :], t, axis=0)
        held = np.repeat(boundary.segment_mw[None, :], t, axis=0)
        x = commitment_start(problem, m, held_on, boundary, held)
        if x is not None:
            candidates.append(x)
        follow = following_segments(problem, held_on & problem.installed(), boundary)
        if follow is not None:
            x = commitment_start(problem, m, held_on, boundary, follow)
            if x is not None:
                candidates.append(x)
    if not candidates:
        return None
    cost = np.concatenate(m.col_cost)
    return min(candidates, key=lambda c: float(cost @ c))
