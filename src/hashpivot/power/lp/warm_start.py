"""A feasible start for the dispatch MILP, so HiGHS begins from a good incumbent.

Candidates are commitment patterns (the blocks of tranche k on in each interval; one
block by default, on or off) turned into full column vectors: committed blocks at rated
power (or, after a rolling-horizon cut, at the powers before it), supply allocated by
:func:`hashpivot.power.fast.allocate_supply`. The fast-path schedule gives the first
pattern (each tranche with the blocks nearest its draw, repaired block by block for min
up/down times by :func:`repair_pattern`); the second keeps the most efficient tranches
always on while the import limit allows.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from hashpivot.arrays import BoolArray, IntArray
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


def _blocks_first_in_first_out(counts: IntArray, n_blocks: int
                               ) -> tuple[BoolArray, IntArray]:
    """The blocks' on/off sequences from a count sequence ``counts`` (oldest first; clipped
    to 0 .. ``n_blocks``), a start taking the block off longest and a stop the block on
    longest: ``paths`` (len, P), each the sequence of ``sizes[p]`` blocks that switch
    together, and ``sizes`` (P,), summing to ``n_blocks``.

    Counts that keep the clustered min up/down rows give blocks that each keep their min
    up/down times this way: a stop takes a block on for at least UT intervals whenever one
    is on, since at most ``on`` blocks started within the last UT (and a start, a block off
    for at least DT). Any other assignment may not (last in, first out does not).

    Blocks are kept in groups that have switched together (a queue of groups on, oldest
    first, and one off): a switch takes whole groups from the front and splits the last,
    so the work grows with the switches, not with the blocks (a 142 MW entry in 0.01 MW
    blocks is 14,200 of them).
    """
    c = np.clip(np.asarray(counts, dtype=np.int64), 0, n_blocks)
    size: list[int] = []
    first: list[bool] = []  # each group's state at the start
    switched: list[list[int]] = []  # the intervals at which each group switched
    queues: dict[bool, deque[int]] = {True: deque(), False: deque()}
    for state, n in ((True, int(c[0])), (False, n_blocks - int(c[0]))):
        if n:
            size.append(n)
            first.append(state)
            switched.append([])
            queues[state].append(len(size) - 1)
    for i in np.flatnonzero(np.diff(c)) + 1:
        d = int(c[i] - c[i - 1])
        source, target = queues[d < 0], queues[d > 0]  # off -> on for a start
        need = abs(d)
        while need:
            g = source[0]
            if size[g] > need:  # split: ``need`` of its blocks switch, the rest wait
                size[g] -= need
                size.append(need)
                first.append(first[g])
                switched.append(list(switched[g]))
                g = len(size) - 1
            else:
                source.popleft()
            need -= size[g]
            switched[g].append(int(i))
            target.append(g)
    paths = np.zeros((len(c), len(size)), dtype=bool)
    for g, times in enumerate(switched):
        toggles = np.zeros(len(c), dtype=np.int64)
        toggles[times] = 1
        paths[:, g] = (np.cumsum(toggles) % 2 == 1) ^ first[g]
    return paths, np.asarray(size, dtype=np.int64)


def repair_pattern(
    on: IntArray, up: int, down: int, n_blocks: IntArray, boundary: Boundary | None = None,
) -> IntArray:
    """:func:`enforce_min_up_down` on every tranche (columns of ``on``: blocks committed),
    block by block, after the state carried by ``boundary``: a block within its min up
    (down) time stays on (off), and its first run is judged with the run before the window
    prepended.

    The counts (the boundary's history, then ``on``) are split into blocks first in, first
    out (:func:`_blocks_first_in_first_out`), so a history that keeps the min up/down rows
    gives blocks that each keep them; each group of blocks that switch together is
    repaired alone and the blocks on are counted again. Blocks that each keep their min up
    and down times keep the counts' rows (blocks started over the last UT intervals are at
    most those on). ``n_blocks`` (K,): blocks per tranche.
    """
    counts = np.asarray(on, dtype=np.int64)
    out = np.zeros_like(counts)
    for j in range(counts.shape[1]):
        hist = None if boundary is None else np.asarray(boundary.history[::-1, j],
                                                        dtype=np.int64)  # oldest first
        seq = counts[:, j] if hist is None else np.r_[hist, counts[:, j]]
        n = int(n_blocks[j])
        if n == 0:
            continue
        lead = 0 if hist is None else len(hist)
        paths, sizes = _blocks_first_in_first_out(seq, n)
        for path, blocks in zip(paths.T, sizes, strict=True):
            col = path[lead:].copy()
            if not (col.any() and not col.all()) and (hist is None or not np.any(
                    path != path[0])):  # never switches: nothing to repair
                out[:, j] += blocks * col
                continue
            if hist is None:
                out[:, j] += blocks * enforce_min_up_down(col, up, down)
                continue
            before = path[:lead][::-1]  # newest first
            state = bool(before[0])
            run = int(np.argmax(before != state)) if np.any(before != state) else lead
            left = (up if state else down) - run
            col[: max(left, 0)] = state
            seq_b = enforce_min_up_down(np.r_[np.full(run, state), col], up, down)
            out[:, j] += blocks * seq_b[run:]
    return out


def _block_fraction(problem: DispatchProblem, on: IntArray) -> FloatArray:
    """Share of each tranche's blocks committed, shape (T, K), from blocks on (T, K). [-]"""
    return np.asarray(on, dtype=float) / problem.tranche_blocks()[None, :]


def commitment_start(
    problem: DispatchProblem,
    m: LinearModel,
    on: IntArray,
    boundary: Boundary | None = None,
    segment_mw: FloatArray | None = None,
) -> FloatArray | None:
    """Column values of a MILP start in which ``on[:, k]`` blocks of tranche k run, at
    full power or at the segment powers ``segment_mw`` (T, S) given; None when it breaks a
    limit (import, DR readiness, ramp). A tranche not installed is off."""
    seg = problem.segments
    x = np.zeros(m.n_col)
    installed = problem.installed()
    blocks = problem.tranche_blocks()
    counts = np.where(installed, np.minimum(np.asarray(on, dtype=np.int64), blocks[None, :]),
                      0)
    if segment_mw is not None:
        segment_mw = np.where(installed[:, seg.tranche], segment_mw, 0.0)
    u = counts.astype(float)
    x[m.get("tranche_on")] = u
    before = u[:1] if boundary is None else boundary.on.astype(float)[None, :]
    d = np.diff(u, axis=0, prepend=before)
    x[m.get("tranche_start")] = np.maximum(d, 0.0)
    x[m.get("tranche_stop")] = np.maximum(-d, 0.0)
    share = _block_fraction(problem, counts)
    power = seg.cap_mw[None, :] * share[:, seg.tranche] if segment_mw is None else segment_mw
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
    avail = m.get("dr_available")
    if avail.size:  # the commitment available outside events: what the mining covers
        x[avail] = problem.dr_available_mw(mining)[~problem.event()]
    return x


def following_segments(problem: DispatchProblem, on: IntArray,
                       boundary: Boundary | None = None) -> FloatArray | None:
    """Segment powers (T, S) of the blocks ``on`` (T, K) that follow the mining the
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
    share = _block_fraction(problem, on)  # of each tranche's blocks, on
    lo = np.maximum(share @ low, problem.mining_floor_mw(milp=True))
    hi = share @ power
    target = np.clip(sched.segment_mw.sum(axis=1), lo, hi)
    ramp = problem.ramp_mw_per_interval
    mining = np.empty_like(target)
    last = (None if boundary is None or boundary.segment_mw is None
            else float(np.sum(boundary.segment_mw)))  # mining before the cut
    for i in range(len(target)):  # forward: the ramp from the interval before
        want = target[i] if last is None else min(max(target[i], last - ramp), last + ramp)
        mining[i] = last = min(max(want, lo[i]), hi[i])
    # the blocks on at their lowest running power, the rest in merit order
    first = np.r_[True, np.diff(seg.tranche) != 0]  # a tranche's first segment
    width = seg.cap_mw[None, :] * share[:, seg.tranche]  # (T, S) of the blocks on
    out = np.where(first[None, :], width, 0.0)
    one = np.bincount(seg.tranche, minlength=len(power)) == 1  # no underclocking: all
    out = np.where(one[seg.tranche][None, :], width, out)
    left = mining - out.sum(axis=1)
    for s in np.argsort(-seg.ph_s_per_mw, kind="stable"):
        if first[s] or one[seg.tranche[s]]:
            continue
        add = np.clip(left, 0.0, width[:, s])
        out[:, s] += add
        left = left - add
    return np.asarray(out, dtype=np.float64)


def start_solution(
    problem: DispatchProblem, m: LinearModel, boundary: Boundary | None = None
) -> FloatArray | None:
    """A feasible MILP start, the cheapest of four candidates that keep every row and
    bound of ``m`` (None if none does):

    * the fast-path schedule without min up/down times (when nothing else links
      intervals), each tranche with the blocks on nearest its draw (one block: on where it
      runs at least half its power), repaired by :func:`repair_pattern`;
    * tranches in merit order on (all their blocks) whenever installed while the import
      limit allows, the rest off;
    * after a cut (``boundary`` with its segment powers), the state before held: no
      tranche switches and the load does not move, so the min up/down and ramp limits
      hold where a pattern at rated power would jump from a part-loaded state (it is
      dropped where it breaks them: flexible AI drew other than its mean before the cut,
      or a limit of import, DR or the fleet installed moves within the window);
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
            blocks = problem.tranche_blocks()
            size = np.where(power > 0, power / blocks, np.inf)  # a block's power [MW]
            draw = sched.mining_by_tranche_mw(problem)
            on = np.clip(np.floor(draw / size[None, :] + 0.5), 0, blocks[None, :])
            on = repair_pattern(
                on, problem.min_up_intervals, problem.min_down_intervals, blocks, boundary
            )
            x = commitment_start(problem, m, on, boundary)
            if x is not None:
                candidates.append(x)
    room = float(np.min(problem.renewable())) + problem.import_limit_mw - problem.ai_firm_mw
    room -= problem.ai_flexible_mw
    on_const = np.zeros((t, k), dtype=np.int64)
    installed = problem.installed()
    blocks = problem.tranche_blocks()
    total = np.zeros(t)
    for j in np.argsort([-tr.efficiency_ph_s_per_mw for tr in problem.tranches], kind="stable"):
        power = problem.tranches[j].power_mw * installed[:, j]
        if np.all(total + power <= room + 1e-9):
            total += power
            on_const[:, j] = blocks[j] * installed[:, j]
    on_const = repair_pattern(
        on_const, problem.min_up_intervals, problem.min_down_intervals, blocks, boundary
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
        follow = following_segments(problem, np.where(problem.installed(), held_on, 0),
                                    boundary)
        if follow is not None:
            x = commitment_start(problem, m, held_on, boundary, follow)
            if x is not None:
                candidates.append(x)
    if candidates:  # a candidate that breaks a row is no start (nor a schedule to keep)
        ok = m.feasible(np.column_stack(candidates))
        candidates = [c for c, keep in zip(candidates, ok, strict=True) if keep]
    if not candidates:
        return None
    cost = np.concatenate(m.col_cost)
    return min(candidates, key=lambda c: float(cost @ c))
