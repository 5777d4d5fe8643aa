"""The ``define_*`` families of the dispatch model: one function per group of variables
and the constraints that belong to them (names in :mod:`hashpivot.power.lp`).

Each function adds its variables even when they are not used (as empty blocks), so the
next family asks for a variable and gets an empty index array instead of testing for a
name; terms on an empty block are dropped by
:meth:`~hashpivot.power.lp.container.LinearModel.add_constraints`. Columns and rows are
built from numpy index arrays, in a fixed order (the matrix HiGHS sees does not depend on
Python's dict order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashpivot.power.fast import ppa_settles_negative
from hashpivot.power.intervals import FloatArray
from hashpivot.power.lp.container import IntArray, LinearModel, Term
from hashpivot.power.model import DispatchProblem

__all__ = [
    "Boundary",
    "define_ai_flexible",
    "define_balance",
    "define_commitment",
    "define_demand_response",
    "define_dr_availability",
    "define_mining",
    "define_ramp",
    "define_supply",
    "fleet_changes",
    "tranche_power_before_mw",
]


@dataclass(frozen=True)
class Boundary:
    """The state before a rolling-horizon window, carried from the window before.

    Attributes
    ----------
    history : numpy.ndarray of int, shape (L, K)
        Blocks of each tranche committed in the ``L`` intervals before the window, newest
        first (row 0 is the interval just before it); ``L`` exceeds the min up and down
        times, and a history shorter than the horizon before the cut is padded with its
        first state (a run that began with the horizon, which no rule constrains). With one
        block per tranche, 1 is on and 0 off.
    load_mw : float
        Site load (mining + AI flexible) in the interval before the window. [MW]
    segment_mw : numpy.ndarray, shape (S,), optional
        Segment powers in the interval before the window (a start that holds them keeps
        the ramp and min up/down limits at the cut). [MW]
    installed : numpy.ndarray of bool, shape (K,), optional
        Tranches installed in the interval before the window.
    """

    history: npt.NDArray[np.int64]
    load_mw: float
    segment_mw: npt.NDArray[np.float64] | None = None
    installed: npt.NDArray[np.bool_] | None = None

    @property
    def on(self) -> npt.NDArray[np.int64]:
        """Blocks committed in the interval before the window, shape (K,)."""
        return np.asarray(self.history[0], dtype=np.int64)

    def held(self, n_intervals: int, min_intervals: int, starts: bool
             ) -> npt.NDArray[np.int64]:
        """Blocks switched on (``starts``; else off) before the window that are still
        within their min up (down) time ``min_intervals`` in each of the window's first
        ``n_intervals`` intervals, shape (T, K): they must stay on (off) there."""
        h = np.asarray(self.history, dtype=np.int64)
        change = h[:-1] - h[1:]  # (L-1, K): change into interval j from the one before
        moved = np.maximum(change if starts else -change, 0)
        cum = np.vstack([np.zeros((1, h.shape[1]), dtype=np.int64), np.cumsum(moved, axis=0)])
        # a move j + 1 intervals before the window binds interval t while t + 1 + j < min
        terms = np.clip(min_intervals - 1 - np.arange(n_intervals), 0, cum.shape[0] - 1)
        return np.asarray(cum[terms], dtype=np.int64)


def _take(cols: IntArray, idx: IntArray) -> IntArray:
    """``cols[idx]``, or the empty block itself when the variable is not used."""
    return cols[idx] if cols.size else cols


def define_mining(m: LinearModel, problem: DispatchProblem, milp: bool = False) -> None:
    """``segment`` (T, S) powers and their total ``mining`` (T,), tied by
    ``mining-segments-eq``: mining - sum of segments = 0. Outside DR events with
    ``dr_keep_online``, mining is bounded below by the committed MW
    (:meth:`~hashpivot.power.model.DispatchProblem.mining_floor_mw`, at the ramp rate;
    ``milp``: tranches are on/off binaries)."""
    t = problem.n_intervals
    seg = problem.segments
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    value = problem.segment_value_usd_per_mwh()
    width = seg.cap_mw[None, :] if problem.tranche_installed_series is None else (
        problem.segment_cap_mw())  # zero where the tranche is not installed
    cols = m.add_variables("segment", 0.0, width, -value * dt[:, None], shape=(t, seg.n))
    total = m.add_variables("mining", problem.mining_floor_mw(milp), math.inf, 0.0)
    r = np.arange(t)
    terms: list[Term] = [(r, total, 1.0)]
    terms += [(r, cols[:, s], -1.0) for s in range(seg.n)]
    m.add_constraints("mining-segments-eq", t, terms, 0.0, 0.0)


def define_supply(m: LinearModel, problem: DispatchProblem) -> None:
    """``grid``, ``ppa_used``, ``ppa_resold``, ``renewable_used``, ``renewable_resold``
    with their costs (a PPA settled financially: ``ppa_used`` 0, ``ppa_resold`` its
    volume); ``ppa_used-volume-upper`` (used + resold <= volume; ``ppa_used-volume-eq``,
    used + resold = volume, where what is not used settles at any price),
    ``renewable_used-available-upper`` (used + resold <= available) and
    ``grid-import-upper`` (grid + PPA used <= import limit, when there is a PPA; without
    one the limit is the bound of ``grid``)."""
    t = problem.n_intervals
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    p = np.asarray(problem.price_usd_per_mwh_series, dtype=float)
    k4 = problem.fourcp_usd_per_mw()
    limit = problem.import_limit_mw
    grid = m.add_variables(
        "grid",
        0.0,
        limit,
        (problem.grid_purchase_price_usd_per_mwh() + problem.grid_adder_usd_per_mwh) * dt + k4,
    )
    r = np.arange(t)
    v = problem.ppa_volume_mw
    n_ppa = t if v > 0 else 0
    # a PPA settled financially delivers nothing and settles its whole volume
    financial = problem.ppa_financial
    ppa_used = m.add_variables("ppa_used", 0.0, 0.0 if financial else v, k4[:n_ppa], n=n_ppa)
    ppa_resold = m.add_variables(
        "ppa_resold", v if financial else 0.0,
        v if problem.ppa_resale_allowed or financial else 0.0, -(p * dt)[:n_ppa], n=n_ppa
    )
    if n_ppa:  # what a physical PPA does not use settles, a negative price included
        settles = ppa_settles_negative(problem) and not financial
        m.add_constraints(
            "ppa_used-volume-eq" if settles else "ppa_used-volume-upper", t,
            [(r, ppa_used, 1.0), (r, ppa_resold, 1.0)], v if settles else -math.inf, v,
        )
    ren = problem.renewable()
    n_ren = t if np.any(ren > 0) else 0
    ren_used = m.add_variables("renewable_used", 0.0, ren[:n_ren], 0.0, n=n_ren)
    ren_resold = m.add_variables(
        "renewable_resold", 0.0, ren[:n_ren] if problem.renewable_resale_allowed else 0.0,
        -(p * dt)[:n_ren], n=n_ren,
    )
    if n_ren:
        m.add_constraints(
            "renewable_used-available-upper", t, [(r, ren_used, 1.0), (r, ren_resold, 1.0)],
            -math.inf, ren,
        )
    if math.isfinite(limit) and n_ppa:
        m.add_constraints(
            "grid-import-upper", t, [(r, grid, 1.0), (r, ppa_used, 1.0)], -math.inf, limit
        )


def define_ai_flexible(m: LinearModel, problem: DispatchProblem) -> None:
    """``ai_flexible`` draw with its energy kept per window (``ai_flexible-energy-eq``:
    sum of draw x hours = mean x window hours)."""
    used = problem.ai_flexible_mw > 0
    flex = m.add_variables(
        "ai_flexible", 0.0, problem.ai_flexible_max_mw, 0.0, n=problem.n_intervals if used else 0
    )
    if not used:
        return
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    uniq, local = np.unique(problem.windows(), return_inverse=True)
    hours = np.bincount(local, weights=dt)
    target = problem.ai_flexible_mw * hours
    m.add_constraints("ai_flexible-energy-eq", len(uniq), [(local, flex, dt)], target, target)


def define_balance(m: LinearModel, problem: DispatchProblem) -> None:
    """``site_load-balance-eq``: grid + PPA used + renewable used - mining - AI flexible
    = AI firm."""
    t = problem.n_intervals
    r = np.arange(t)
    terms: list[Term] = [
        (r, m.get("grid"), 1.0),
        (r, m.get("mining"), -1.0),
        (r, m.get("ppa_used"), 1.0),
        (r, m.get("renewable_used"), 1.0),
        (r, m.get("ai_flexible"), -1.0),
    ]
    m.add_constraints("site_load-balance-eq", t, terms, problem.ai_firm_mw, problem.ai_firm_mw)


def define_demand_response(m: LinearModel, problem: DispatchProblem) -> None:
    """``dr_shortfall`` in event intervals, penalized, and ``site_load-event-upper``:
    mining + AI flexible - shortfall <= max site load - committed - AI firm."""
    event = problem.event()
    idx = np.flatnonzero(event)
    n = len(idx)
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    short = m.add_variables(
        "dr_shortfall", 0.0, math.inf, problem.dr_penalty_usd_per_mwh * dt[idx], n=n
    )
    if not n:
        return
    r = np.arange(n)
    terms: list[Term] = [
        (r, m.get("mining")[idx], 1.0),
        (r, short, -1.0),
        (r, _take(m.get("ai_flexible"), idx), 1.0),
    ]
    cap = (problem.max_site_load_series_mw()[idx] - problem.dr_committed_series_mw()[idx]
           - problem.ai_firm_mw)
    m.add_constraints("site_load-event-upper", n, terms, -math.inf, cap)


def define_dr_availability(m: LinearModel, problem: DispatchProblem) -> None:
    """Where the DR commitment may be withdrawn (:attr:`~hashpivot.power.model.
    DispatchProblem.dr_availability_priced`): ``dr_available`` outside events, ``0 ..``
    the commitment honoured, worth the readiness plus the unavailability charge a MW-h;
    ``mining-dr_available-lower``: mining - available >= -(the flexible AI load's part of
    the commitment) (a load resource curtails what it draws; mining carries
    :meth:`~hashpivot.power.model.DispatchProblem.dr_mining_commitment_mw`, as in a firm
    commitment)."""
    outside = np.flatnonzero(~problem.event()) if problem.dr_availability_priced else (
        np.zeros(0, dtype=np.int64))
    n = len(outside)
    dt = np.asarray(problem.interval_hours_series, dtype=float)
    value = problem.dr_availability_usd_per_mwh()
    committed = problem.dr_committed_series_mw()
    avail = m.add_variables("dr_available", 0.0, committed[outside],
                            -(value * dt)[outside], n=n)
    if not n:
        return
    r = np.arange(n)
    ai_part = (committed - problem.dr_mining_commitment_mw())[outside]
    m.add_constraints("mining-dr_available-lower", n,
                      [(r, m.get("mining")[outside], 1.0), (r, avail, -1.0)], -ai_part,
                      math.inf)


def fleet_changes(problem: DispatchProblem, boundary: Boundary | None = None
                  ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Tranches leaving (installed in the interval before, not in this one) and joining
    in each interval, shape (T, K) each (``tranche_installed_series``); row 0 against the
    state before a rolling-horizon window (its ``installed``; no change without one)."""
    inst = problem.installed()
    before = (boundary.installed if boundary is not None and boundary.installed is not None
              else inst[0])
    prev = np.vstack([np.asarray(before, dtype=bool)[None, :], inst[:-1]])
    return prev & ~inst, ~prev & inst


def tranche_power_before_mw(problem: DispatchProblem, boundary: Boundary | None) -> FloatArray:
    """Each tranche's power in the interval before a window (its segments' sum), zeros
    without one. [MW]"""
    k = len(problem.tranches)
    if boundary is None or boundary.segment_mw is None:
        return np.zeros(k)
    return np.asarray(np.bincount(problem.segments.tranche, weights=boundary.segment_mw,
                                  minlength=k), dtype=np.float64)


def define_ramp(
    m: LinearModel, problem: DispatchProblem, boundary: Boundary | None = None,
    milp: bool = False,
) -> None:
    """``site_load-ramp-range``: -ramp <= load(t) - load(t-1) <= ramp, load = mining + AI
    flexible; ``site_load-boundary-range``: the same for the first interval against the
    load before a rolling-horizon window.

    Where tranches are on/off binaries (``milp``) and the fleet installed changes, a
    tranche on cannot draw less than its lowest running power, so a retirement forces a
    step the ramp may not allow (installations and retirements are planned, not
    dispatched): in those intervals ``site_load-fleet-lower`` leaves the power the
    tranches leaving drew in the interval before out of the step down, and
    ``site_load-fleet-upper`` the power of the tranches joining out of the step up; the
    tranches that stay keep the ramp.
    """
    ramp = problem.ramp_mw_per_interval
    t = problem.n_intervals
    if not math.isfinite(ramp):
        return
    mining, flex = m.get("mining"), m.get("ai_flexible")
    k = len(problem.tranches)
    leaving = joining = np.zeros((t, k), dtype=bool)
    if milp and problem.tranche_installed_series is not None:
        leaving, joining = fleet_changes(problem, boundary)
    if boundary is not None:  # the step from the state before (a constant)
        zero = np.zeros(1, dtype=np.int64)
        gone = float(tranche_power_before_mw(problem, boundary)[leaving[0]].sum())
        joins = bool(joining[0].any())
        terms: list[Term] = [(zero, mining[:1], 1.0), (zero, flex[:1], 1.0)]
        m.add_constraints("site_load-boundary-range", 1, terms,
                          boundary.load_mw - ramp - gone,
                          math.inf if joins else boundary.load_mw + ramp)
        terms = terms + _tranche_power_terms(m, problem, zero, joining[:1], -1.0)
        m.add_constraints("site_load-boundary-upper", int(joins), terms if joins else [],
                          -math.inf, boundary.load_mw + ramp)
    if t < 2:
        return
    changed = leaving[1:].any(axis=1) | joining[1:].any(axis=1)
    for name, steps, lo, hi in (
        ("site_load-ramp-range", np.flatnonzero(~changed) + 1, -ramp, ramp),
        ("site_load-fleet-lower", np.flatnonzero(changed) + 1, -ramp, math.inf),
        ("site_load-fleet-upper", np.flatnonzero(changed) + 1, -math.inf, ramp),
    ):
        r = np.arange(steps.size)
        terms = [(r, mining[steps], 1.0), (r, mining[steps - 1], -1.0),
                 (r, _take(flex, steps), 1.0), (r, _take(flex, steps - 1), -1.0)]
        if name == "site_load-fleet-lower":  # what the leaving drew before is let go
            terms += _tranche_power_terms(m, problem, steps - 1, leaving[steps], 1.0)
        elif name == "site_load-fleet-upper":  # what the joining draw is let come
            terms += _tranche_power_terms(m, problem, steps, joining[steps], -1.0)
        m.add_constraints(name, steps.size, terms, lo, hi)


def _tranche_power_terms(m: LinearModel, problem: DispatchProblem, at: IntArray,
                         which: npt.NDArray[np.bool_], sign: float) -> list[Term]:
    """Terms of row i: ``sign`` x the power in interval ``at[i]`` of the tranches
    ``which[i]`` (K,), their segments' sum."""
    rows, segs = np.nonzero(which[:, problem.segments.tranche])
    if not rows.size:
        return []
    return [(rows, m.get("segment")[at[rows], segs], sign)]


def define_commitment(
    m: LinearModel, problem: DispatchProblem, milp: bool, boundary: Boundary | None = None
) -> None:
    """Commitment of each tranche's blocks with min up/down times (MILP; empty blocks
    otherwise).

    Tranche k is committed in ``n_k`` equal blocks (:meth:`~hashpivot.power.model.
    DispatchProblem.tranche_blocks`; 1 by default, when its variables are on/off
    binaries): ``tranche_on`` (T, K) the integer count of blocks on (0 .. n_k),
    ``tranche_start``, ``tranche_stop`` (T, K) the blocks switched on and off (the
    clustered unit commitment of Palmintier and Webster, 2014);
    ``segment-on-upper``: power of each segment s of tranche k <= its width / n_k x on
    (rows numbered segment by segment); ``segment-on-lower``: the tranche's power >=
    f_min P_k / n_k x on; ``tranche_on-transition-eq``: on(t) - on(t-1) -
    start(t) + stop(t) = 0; ``tranche_start-min_up-upper``: blocks started over the last
    UT intervals <= on(t); ``tranche_stop-min_down-upper``: blocks stopped over the last DT
    intervals <= n_k - on(t). A tranche is off where it is not installed
    (``tranche_installed_series``; a retirement ends its min up time: the min up rows hold
    no block on past it). The state before the horizon is free (no start or stop at t =
    0), unless a ``boundary`` carries it from the window before: then
    ``tranche_on-boundary-eq`` (on(0) - start(0) + stop(0) = on before) and the blocks
    started (stopped) before the cut within their min up (down) time count in those rows
    and stay on (off) for the rest of it. Rows of a (T, K) family are numbered tranche by
    tranche.
    """
    t = problem.n_intervals
    k = len(problem.tranches) if milp else 0
    blocks = problem.tranche_blocks()[:k].astype(float)
    first = np.broadcast_to(blocks, (t, k)).copy()
    u_lower, u_upper = np.zeros((t, k)), first.copy()
    up_held = down_held = np.zeros((t, k))
    if boundary is None:
        first[:1] = 0.0
    elif k:
        up_held = boundary.held(t, problem.min_up_intervals, True).astype(float)
        down_held = boundary.held(t, problem.min_down_intervals, False).astype(float)
        u_lower = np.minimum(up_held, u_upper)
        u_upper = u_upper - down_held
    if k and problem.tranche_installed_series is not None:  # off where not installed
        u_upper = np.minimum(u_upper, blocks[None, :] * problem.installed())
        u_lower = np.minimum(u_lower, u_upper)
    u = m.add_variables("tranche_on", u_lower, u_upper, 0.0, integer=True, shape=(t, k))
    y = m.add_variables("tranche_start", 0.0, first, 0.0, shape=(t, k))
    z = m.add_variables("tranche_stop", 0.0, first, 0.0, shape=(t, k))
    if not k:
        return
    seg = problem.segments
    block_mw = np.array([tr.power_mw for tr in problem.tranches]) / blocks
    f_min = np.array([tr.min_power_fraction for tr in problem.tranches])
    r = np.arange(t)
    rows = r[:, None] + t * np.arange(k)[None, :]  # (T, K)
    seg_rows = r[:, None] + t * seg.tranche[None, :]  # (T, S)
    segment = m.get("segment")
    # each segment within its share of the blocks on (one row per segment: a row per
    # tranche would let a part-committed tranche draw all its power in the efficient
    # underclocked segment, as if every block ran, overstating its hashrate)
    one_rows = r[:, None] + t * np.arange(seg.n)[None, :]  # (T, S)
    m.add_constraints(
        "segment-on-upper", t * seg.n,
        [(one_rows, segment, 1.0),
         (one_rows, u[:, seg.tranche], -(seg.cap_mw / blocks[seg.tranche])[None, :])],
        -math.inf, 0.0,
    )
    m.add_constraints(
        "segment-on-lower", t * k,
        [(seg_rows, segment, 1.0), (rows, u, -(f_min * block_mw)[None, :])], 0.0, math.inf,
    )
    if boundary is not None:
        kr = np.arange(k)
        before = boundary.on.astype(float)
        m.add_constraints(
            "tranche_on-boundary-eq", k, [(kr, u[0], 1.0), (kr, y[0], -1.0), (kr, z[0], 1.0)],
            before, before,
        )
    if t < 2:
        return
    r1 = np.arange(t - 1)[:, None] + (t - 1) * np.arange(k)[None, :]
    m.add_constraints(
        "tranche_on-transition-eq", (t - 1) * k,
        [(r1, u[1:], 1.0), (r1, u[:-1], -1.0), (r1, y[1:], -1.0), (r1, z[1:], 1.0)],
        0.0, 0.0,
    )
    # a retirement ends a min up time: no row holds a block on where it is not installed
    idle = (np.zeros((t, k)) if problem.tranche_installed_series is None
            else blocks[None, :] * (1.0 - problem.installed()))
    for name, block, min_len, sign, upper in (
        ("tranche_start-min_up-upper", y, problem.min_up_intervals, -1.0, idle - up_held),
        ("tranche_stop-min_down-upper", z, problem.min_down_intervals, 1.0,
         blocks[None, :] - down_held),
    ):
        if min_len <= 1:
            continue
        terms: list[Term] = [(rows, u, sign)]
        for lag in range(min(min_len, t)):
            terms.append((rows[lag:], block[: t - lag], 1.0))
        m.add_constraints(name, t * k, terms, -math.inf, upper.T.ravel())
