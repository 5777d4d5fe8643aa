"""The LP/MILP dispatch on HiGHS (``highspy``) for constraints that link intervals.

Built PyPSA-style: one ``define_*`` function per family of variables and constraints,
each adding a block with a stable name ``"{asset}-{rule}-{bound}"`` (``site-balance-eq``,
``site-ramp-range``, ``tranche-min-up-ub``...); the matrix is assembled from numpy index
arrays with :mod:`scipy.sparse` (no per-element Python loops) and passed to HiGHS in
column-wise form. Variables (each a block of ``T``, ``x`` one block per segment):

=================  ===================================  =================================
block              meaning [unit]                        bounds
=================  ===================================  =================================
``mining-seg{s}``  mining power in segment s [MW]         ``0 .. cap_s``
``mining-total``   mining power of the site [MW]          ``C .. inf`` outside DR events
``grid``           grid import [MW]                       ``0 .. import limit``
``ppa-used``       PPA energy used on site [MW]           ``0 .. volume``
``ppa-resold``     PPA energy resold [MW]                 ``0 .. volume`` (if allowed)
``ren-used``       renewable used on site [MW]            ``0 .. available``
``ren-resold``     renewable resold [MW]                  ``0 .. available`` (if allowed)
``ai-flex``        flexible AI draw [MW]                  ``0 .. max``
``dr-shortfall``   load above the DR event limit [MW]     ``0 ..`` (event intervals only)
``on-{k}``         tranche k committed (MILP) [-]         binary
``start-{k}``      tranche k switched on (MILP) [-]       ``0 .. 1``
``stop-{k}``       tranche k switched off (MILP) [-]      ``0 .. 1``
=================  ===================================  =================================

The objective (minimized) is minus the net margin of :mod:`hashpivot.power.results`
without its constants (PPA and renewable payments, DR readiness), which are added back
for ``solver_objective_usd``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hashpivot.exceptions import InputError, SolverError
from hashpivot.power.fast import check_firm_load
from hashpivot.power.highs import new_highs
from hashpivot.power.model import DispatchProblem, FloatArray, Schedule

__all__ = ["LinearModel", "build_model", "solve_lp"]

IntArray = npt.NDArray[np.int64]


@dataclass
class LinearModel:
    """A linear model under construction: column and row blocks, COO triplets."""

    n_intervals: int
    col_lower: list[FloatArray] = field(default_factory=list)
    col_upper: list[FloatArray] = field(default_factory=list)
    col_cost: list[FloatArray] = field(default_factory=list)
    col_integer: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    n_col: int = 0
    variables: dict[str, IntArray] = field(default_factory=dict)
    row_lower: list[FloatArray] = field(default_factory=list)
    row_upper: list[FloatArray] = field(default_factory=list)
    triplets: list[tuple[IntArray, IntArray, FloatArray]] = field(default_factory=list)
    n_row: int = 0
    constraints: dict[str, slice] = field(default_factory=dict)

    def add_variables(
        self,
        name: str,
        lower: Any,
        upper: Any,
        cost: Any = 0.0,
        integer: bool = False,
        n: int | None = None,
    ) -> IntArray:
        """Add a block of ``n`` (default ``T``) variables; return their column indices."""
        n = self.n_intervals if n is None else n
        idx = np.arange(self.n_col, self.n_col + n, dtype=np.int64)
        self.col_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        self.col_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy())
        self.col_cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self.col_integer.append(np.full(n, integer))
        self.n_col += n
        if name in self.variables:
            raise ValueError(f"duplicate variable block {name!r}")
        self.variables[name] = idx
        return idx

    def add_constraints(
        self,
        name: str,
        n_rows: int,
        terms: list[tuple[IntArray, IntArray, Any]],
        lower: Any,
        upper: Any,
    ) -> slice:
        """Add ``n_rows`` rows; ``terms`` are (local row, column, coefficient) arrays."""
        base = self.n_row
        for rows, cols, vals in terms:
            rows = np.asarray(rows, dtype=np.int64)
            cols = np.asarray(cols, dtype=np.int64)
            v = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).copy()
            self.triplets.append((rows + base, cols, v))
        self.row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n_rows,)).copy())
        self.row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n_rows,)).copy())
        self.n_row += n_rows
        if name in self.constraints:
            raise ValueError(f"duplicate constraint block {name!r}")
        self.constraints[name] = slice(base, base + n_rows)
        return self.constraints[name]

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix, column-wise."""
        if self.triplets:
            rows = np.concatenate([t[0] for t in self.triplets])
            cols = np.concatenate([t[1] for t in self.triplets])
            vals = np.concatenate([t[2] for t in self.triplets])
        else:
            rows = cols = np.zeros(0, dtype=np.int64)
            vals = np.zeros(0)
        return sp.csc_matrix((vals, (rows, cols)), shape=(self.n_row, self.n_col))

    def arrays(self) -> dict[str, Any]:
        """Bounds and costs concatenated."""
        cat = np.concatenate
        return {
            "col_lower": cat(self.col_lower) if self.col_lower else np.zeros(0),
            "col_upper": cat(self.col_upper) if self.col_upper else np.zeros(0),
            "col_cost": cat(self.col_cost) if self.col_cost else np.zeros(0),
            "integer": cat(self.col_integer) if self.col_integer else np.zeros(0, bool),
            "row_lower": cat(self.row_lower) if self.row_lower else np.zeros(0),
            "row_upper": cat(self.row_upper) if self.row_upper else np.zeros(0),
        }


_T = np.arange  # shorthand for interval index arrays


def define_mining(m: LinearModel, problem: DispatchProblem) -> None:
    """Segment powers ``mining-seg{s}`` and their total ``mining-total`` (row
    ``mining-total-eq``: total - sum of segments = 0). Outside DR events with
    ``dr_keep_online``, the total is bounded below by the committed MW."""
    t = problem.n_intervals
    seg = problem.segments
    dt = np.asarray(problem.interval_hours, dtype=float)
    value = problem.segment_value_usd_per_mwh()
    cols = []
    for s in range(seg.n):
        cols.append(
            m.add_variables(f"mining-seg{s}", 0.0, seg.cap_mw[s], -value[:, s] * dt)
        )
    lower = np.zeros(t)
    if problem.dr_keep_online and problem.dr_committed_mw > 0:
        lower = np.where(
            problem.event(), 0.0, min(problem.dr_committed_mw, problem.mining_capacity_mw)
        )
    total = m.add_variables("mining-total", lower, math.inf, 0.0)
    r = _T(t)
    terms: list[tuple[IntArray, IntArray, Any]] = [(r, total, 1.0)]
    terms += [(r, c, -1.0) for c in cols]
    m.add_constraints("mining-total-eq", t, terms, 0.0, 0.0)


def define_supply(m: LinearModel, problem: DispatchProblem) -> None:
    """Grid import, PPA used / resold, renewable used / resold, with their costs, the
    ``ppa-volume-ub`` and ``renewable-available-ub`` rows and the ``grid-import-ub`` limit
    on grid + PPA withdrawal."""
    t = problem.n_intervals
    dt = np.asarray(problem.interval_hours, dtype=float)
    p = np.asarray(problem.price_usd_per_mwh, dtype=float)
    k4 = problem.fourcp_usd_per_mw()
    limit = problem.import_limit_mw
    grid = m.add_variables(
        "grid",
        0.0,
        limit,
        (problem.grid_purchase_price_usd_per_mwh() + problem.grid_adder_usd_per_mwh) * dt + k4,
    )
    r = _T(t)
    if problem.ppa_volume_mw > 0:
        v = problem.ppa_volume_mw
        used = m.add_variables("ppa-used", 0.0, v, k4)
        resold = m.add_variables(
            "ppa-resold", 0.0, v if problem.ppa_resale_allowed else 0.0, -p * dt
        )
        m.add_constraints("ppa-volume-ub", t, [(r, used, 1.0), (r, resold, 1.0)], -math.inf, v)
    ren = problem.renewable()
    if np.any(ren > 0):
        used_r = m.add_variables("ren-used", 0.0, ren, 0.0)
        resold_r = m.add_variables(
            "ren-resold", 0.0, ren if problem.renewable_resale_allowed else 0.0, -p * dt
        )
        m.add_constraints(
            "renewable-available-ub", t, [(r, used_r, 1.0), (r, resold_r, 1.0)], -math.inf, ren
        )
    if math.isfinite(limit) and "ppa-used" in m.variables:
        m.add_constraints(
            "grid-import-ub",
            t,
            [(r, grid, 1.0), (r, m.variables["ppa-used"], 1.0)],
            -math.inf,
            limit,
        )


def define_ai_flexible(m: LinearModel, problem: DispatchProblem) -> None:
    """Flexible AI draw ``ai-flex`` with its energy kept per window
    (``ai-flexible-energy-eq``: sum of draw x hours = mean x window hours)."""
    if problem.ai_flexible_mw <= 0:
        return
    dt = np.asarray(problem.interval_hours, dtype=float)
    flex = m.add_variables("ai-flex", 0.0, problem.ai_flexible_max_mw, 0.0)
    windows = problem.windows()
    uniq, local = np.unique(windows, return_inverse=True)
    hours = np.bincount(local, weights=dt)
    target = problem.ai_flexible_mw * hours
    m.add_constraints("ai-flexible-energy-eq", len(uniq), [(local, flex, dt)], target, target)


def define_balance(m: LinearModel, problem: DispatchProblem) -> None:
    """``site-balance-eq``: grid + PPA used + renewable used - mining - AI flex = AI firm."""
    t = problem.n_intervals
    r = _T(t)
    v = m.variables
    terms: list[tuple[IntArray, IntArray, Any]] = [
        (r, v["grid"], 1.0),
        (r, v["mining-total"], -1.0),
    ]
    for name in ("ppa-used", "ren-used"):
        if name in v:
            terms.append((r, v[name], 1.0))
    if "ai-flex" in v:
        terms.append((r, v["ai-flex"], -1.0))
    m.add_constraints("site-balance-eq", t, terms, problem.ai_firm_mw, problem.ai_firm_mw)


def define_demand_response(m: LinearModel, problem: DispatchProblem) -> None:
    """``dr-shortfall`` in event intervals, penalized, and ``dr-event-ub``: mining + AI
    flex - shortfall <= max site load - committed - AI firm."""
    event = problem.event()
    if not event.any():
        return
    dt = np.asarray(problem.interval_hours, dtype=float)
    idx = np.flatnonzero(event)
    n = len(idx)
    short = m.add_variables(
        "dr-shortfall", 0.0, math.inf, problem.dr_penalty_usd_per_mwh * dt[idx], n=n
    )
    r = _T(n)
    v = m.variables
    terms: list[tuple[IntArray, IntArray, Any]] = [
        (r, v["mining-total"][idx], 1.0),
        (r, short, -1.0),
    ]
    if "ai-flex" in v:
        terms.append((r, v["ai-flex"][idx], 1.0))
    cap = problem.max_site_load_mw - problem.dr_committed_mw - problem.ai_firm_mw
    m.add_constraints("dr-event-ub", n, terms, -math.inf, cap)


def define_ramp(m: LinearModel, problem: DispatchProblem) -> None:
    """``site-ramp-range``: -ramp <= load(t) - load(t-1) <= ramp, load = mining + AI flex."""
    ramp = problem.ramp_mw_per_interval
    t = problem.n_intervals
    if not math.isfinite(ramp) or t < 2:
        return
    r = _T(t - 1)
    v = m.variables
    terms: list[tuple[IntArray, IntArray, Any]] = [
        (r, v["mining-total"][1:], 1.0),
        (r, v["mining-total"][:-1], -1.0),
    ]
    if "ai-flex" in v:
        terms += [(r, v["ai-flex"][1:], 1.0), (r, v["ai-flex"][:-1], -1.0)]
    m.add_constraints("site-ramp-range", t - 1, terms, -ramp, ramp)


def define_commitment(m: LinearModel, problem: DispatchProblem) -> None:
    """On/off binaries per tranche with min up/down times (MILP).

    ``tranche-on-ub``: power <= P u; ``tranche-on-lb``: power >= f_min P u;
    ``tranche-transition-eq``: u(t) - u(t-1) - start(t) + stop(t) = 0;
    ``tranche-min-up-ub``: sum of starts over the last UT intervals <= u(t);
    ``tranche-min-down-ub``: sum of stops over the last DT intervals <= 1 - u(t).
    The state before the horizon is free (no start or stop at t = 0).
    """
    t = problem.n_intervals
    seg = problem.segments
    ut, dn = problem.min_up_intervals, problem.min_down_intervals
    r = _T(t)
    for k, tr in enumerate(problem.tranches):
        seg_cols = [m.variables[f"mining-seg{s}"] for s in np.flatnonzero(seg.tranche == k)]
        u = m.add_variables(f"on-{k}", 0.0, 1.0, 0.0, integer=True)
        up_bound = np.ones(t)
        up_bound[0] = 0.0
        y = m.add_variables(f"start-{k}", 0.0, up_bound, 0.0)
        z = m.add_variables(f"stop-{k}", 0.0, up_bound, 0.0)
        p_mw = tr.power_mw
        m.add_constraints(
            f"tranche{k}-on-ub", t, [(r, c, 1.0) for c in seg_cols] + [(r, u, -p_mw)],
            -math.inf, 0.0,
        )
        m.add_constraints(
            f"tranche{k}-on-lb", t,
            [(r, c, 1.0) for c in seg_cols] + [(r, u, -tr.min_power_fraction * p_mw)],
            0.0, math.inf,
        )
        if t < 2:
            continue
        r1 = _T(t - 1)
        m.add_constraints(
            f"tranche{k}-transition-eq", t - 1,
            [(r1, u[1:], 1.0), (r1, u[:-1], -1.0), (r1, y[1:], -1.0), (r1, z[1:], 1.0)],
            0.0, 0.0,
        )
        if ut > 1:
            terms: list[tuple[IntArray, IntArray, Any]] = [(r, u, -1.0)]
            for lag in range(min(ut, t)):
                rows = _T(lag, t)
                terms.append((rows, y[rows - lag], 1.0))
            m.add_constraints(f"tranche{k}-min-up-ub", t, terms, -math.inf, 0.0)
        if dn > 1:
            terms = [(r, u, 1.0)]
            for lag in range(min(dn, t)):
                rows = _T(lag, t)
                terms.append((rows, z[rows - lag], 1.0))
            m.add_constraints(f"tranche{k}-min-down-ub", t, terms, -math.inf, 1.0)


def build_model(problem: DispatchProblem, milp: bool | None = None) -> LinearModel:
    """Assemble the LP (or MILP, when min up/down times are set or ``milp``)."""
    m = LinearModel(problem.n_intervals)
    define_mining(m, problem)
    define_supply(m, problem)
    define_ai_flexible(m, problem)
    define_balance(m, problem)
    define_demand_response(m, problem)
    define_ramp(m, problem)
    if problem.needs_milp if milp is None else milp:
        define_commitment(m, problem)
    return m


def _constant_usd(problem: DispatchProblem) -> float:
    """Objective terms that no decision changes: PPA and renewable payments, readiness."""
    dt = np.asarray(problem.interval_hours, dtype=float)
    hours = float(dt.sum())
    return (
        -problem.ppa_volume_mw * problem.ppa_price_usd_per_mwh * hours
        - float((problem.renewable() * dt).sum()) * problem.renewable_price_usd_per_mwh
        + problem.dr_committed_mw * problem.dr_readiness_usd_per_mw_hour * hours
    )


def enforce_min_up_down(on: npt.NDArray[np.bool_], up: int, down: int) -> npt.NDArray[np.bool_]:
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


def _commitment_start(
    problem: DispatchProblem, m: LinearModel, on: npt.NDArray[np.bool_]
) -> FloatArray | None:
    """Column values of a MILP start in which tranche k runs at full power when
    ``on[:, k]``; None when it breaks a limit (import, DR readiness, ramp)."""
    from hashpivot.power.fast import allocate_supply

    t = problem.n_intervals
    seg = problem.segments
    x = np.zeros(m.n_col)
    mining = np.zeros(t)
    for k, tr in enumerate(problem.tranches):
        u = on[:, k].astype(float)
        x[m.variables[f"on-{k}"]] = u
        if t > 1:
            d = np.diff(u)
            x[m.variables[f"start-{k}"][1:]] = np.maximum(d, 0.0)
            x[m.variables[f"stop-{k}"][1:]] = np.maximum(-d, 0.0)
        for s in np.flatnonzero(seg.tranche == k):
            x[m.variables[f"mining-seg{s}"]] = seg.cap_mw[s] * u
        mining += tr.power_mw * u
    ai = problem.ai_firm_mw + problem.ai_flexible_mw
    load = ai + mining
    if np.any(load > problem.renewable() + problem.import_limit_mw + 1e-9):
        return None
    if problem.dr_keep_online and problem.dr_committed_mw > 0:
        need = min(problem.dr_committed_mw, problem.mining_capacity_mw)
        if np.any(mining[~problem.event()] < need - 1e-9):
            return None
    ramp = problem.ramp_mw_per_interval
    if math.isfinite(ramp) and t > 1 and np.any(np.abs(np.diff(load)) > ramp + 1e-9):
        return None
    x[m.variables["mining-total"]] = mining
    if "ai-flex" in m.variables:
        x[m.variables["ai-flex"]] = problem.ai_flexible_mw
    flows = allocate_supply(problem, load)
    names = {"grid": "grid_mw", "ppa-used": "ppa_used_mw", "ppa-resold": "ppa_resold_mw",
             "ren-used": "renewable_used_mw", "ren-resold": "renewable_resold_mw"}
    for var, key in names.items():
        if var in m.variables:
            x[m.variables[var]] = flows[key]
    if "dr-shortfall" in m.variables:
        event = np.flatnonzero(problem.event())
        cap = problem.max_site_load_mw - problem.dr_committed_mw - problem.ai_firm_mw
        extra = problem.ai_flexible_mw if "ai-flex" in m.variables else 0.0
        x[m.variables["dr-shortfall"]] = np.maximum(mining[event] + extra - cap, 0.0)
    return x


def _start_solution(problem: DispatchProblem, m: LinearModel) -> FloatArray | None:
    """A feasible MILP start, the cheaper of two candidates (None if neither is feasible):

    * the fast-path schedule without min up/down times (when nothing else links
      intervals), each tranche on where it runs at least half its power, repaired by
      :func:`enforce_min_up_down`;
    * tranches in merit order always on while the import limit allows, the rest off.
    """
    from hashpivot.power.fast import solve_fast

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
            for j in range(k):
                on[:, j] = enforce_min_up_down(
                    on[:, j], problem.min_up_intervals, problem.min_down_intervals
                )
            x = _commitment_start(problem, m, on)
            if x is not None:
                candidates.append(x)
    room = float(np.min(problem.renewable())) + problem.import_limit_mw - problem.ai_firm_mw
    room -= problem.ai_flexible_mw
    on_const = np.zeros((t, k), dtype=bool)
    total = 0.0
    for j in np.argsort([-tr.efficiency_ph_s_per_mw for tr in problem.tranches], kind="stable"):
        if total + problem.tranches[j].power_mw <= room + 1e-9:
            total += problem.tranches[j].power_mw
            on_const[:, j] = True
    x = _commitment_start(problem, m, on_const)
    if x is not None:
        candidates.append(x)
    if not candidates:
        return None
    cost = np.concatenate(m.col_cost)
    return min(candidates, key=lambda c: float(cost @ c))


def solve_lp(
    problem: DispatchProblem,
    milp: bool | None = None,
    mip_gap: float = 1e-3,
    time_limit_seconds: float = 60.0,
    threads: int | None = None,
    lp_method: str = "choose",
) -> tuple[Schedule, dict[str, Any]]:
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
    info : dict
        ``solver`` ("lp" or "milp"), ``status``, ``build_seconds``, ``solve_seconds``,
        ``mip_gap``, ``solver_objective_usd``, ``n_variables``, ``n_constraints``,
        ``constraint_blocks``.

    Raises
    ------
    InputError
        The firm AI load cannot be served (import limit too low).
    SolverError
        HiGHS finds the model infeasible or stops without a solution.
    """
    import highspy

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
    a = m.arrays()
    mat = m.matrix()
    col_upper = np.where(np.isinf(a["col_upper"]), highspy.kHighsInf, a["col_upper"])
    row_lower = np.where(np.isinf(a["row_lower"]), -highspy.kHighsInf, a["row_lower"])
    row_upper = np.where(np.isinf(a["row_upper"]), highspy.kHighsInf, a["row_upper"])
    int_cols = np.flatnonzero(a["integer"]).astype(np.int32) if use_milp else None
    start = _start_solution(problem, m) if use_milp else None

    def run_highs(with_start: bool) -> Any:
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit_seconds))
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        if use_milp:
            h.setOptionValue("mip_rel_gap", float(mip_gap))
        else:
            h.setOptionValue("solver", lp_method)
        lp = highspy.HighsLp()
        lp.num_col_ = m.n_col
        lp.num_row_ = m.n_row
        lp.col_cost_ = a["col_cost"]
        lp.col_lower_ = a["col_lower"]
        lp.col_upper_ = col_upper
        lp.row_lower_ = row_lower
        lp.row_upper_ = row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = mat.indptr
        lp.a_matrix_.index_ = mat.indices
        lp.a_matrix_.value_ = mat.data
        h.passModel(lp)
        if int_cols is not None and len(int_cols):
            h.changeColsIntegrality(
                len(int_cols), int_cols, np.ones(len(int_cols), dtype=np.uint8)
            )
        if with_start and start is not None:
            h.setSolution(
                m.n_col, np.arange(m.n_col, dtype=np.int32), np.asarray(start, dtype=np.float64)
            )
        h.run()
        return h

    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    h = run_highs(with_start=True)
    if start is not None and h.getInfo().primal_solution_status == 2:
        # HiGHS 1.16 returns the user's start as the solution when presolve alone solves
        # the MIP (its objective value is right, the values are not): solve again without
        reported = float(h.getInfo().objective_function_value)
        got = float(a["col_cost"] @ np.asarray(h.getSolution().col_value, dtype=float))
        if abs(got - reported) > 1e-7 * max(1.0, abs(reported)):
            h = run_highs(with_start=False)
    solve_s = time.perf_counter() - t1
    status = h.getModelStatus()
    status_text = h.modelStatusToString(status)
    info_h = h.getInfo()
    has_solution = info_h.primal_solution_status == 2  # kSolutionStatusFeasible
    ms = highspy.HighsModelStatus
    if status == ms.kInfeasible or status == ms.kUnboundedOrInfeasible:
        raise SolverError(
            f"the dispatch model is infeasible ({status_text}): check that the firm AI "
            "load, the DR committed load, ramp limits and the import limit are compatible"
        )
    if status != ms.kOptimal and not has_solution:
        raise SolverError(f"HiGHS stopped without a solution: {status_text}")
    x = np.asarray(h.getSolution().col_value, dtype=float)
    schedule = _extract(problem, m, x)
    gap = float(info_h.mip_gap) if use_milp else 0.0
    if not math.isfinite(gap):
        gap = float("nan")
    info: dict[str, Any] = {
        "solver": "milp" if use_milp else "lp",
        "status": "optimal" if status == ms.kOptimal else status_text.lower().replace(" ", "_"),
        "build_seconds": build_s,
        "solve_seconds": solve_s,
        "mip_gap": gap,
        "solver_objective_usd": -float(info_h.objective_function_value) + _constant_usd(problem),
        "n_variables": m.n_col,
        "n_constraints": m.n_row,
        "n_nonzeros": int(mat.nnz),
        "constraint_blocks": sorted(m.constraints),
    }
    if use_milp:
        info["mip_dual_bound_usd"] = -float(info_h.mip_dual_bound) + _constant_usd(problem)
    return schedule, info


def _extract(problem: DispatchProblem, m: LinearModel, x: FloatArray) -> Schedule:
    t = problem.n_intervals
    seg = problem.segments
    v = m.variables
    zeros = np.zeros(t)

    def get(name: str) -> FloatArray:
        return np.maximum(x[v[name]], 0.0) if name in v else zeros.copy()

    segment = np.stack([get(f"mining-seg{s}") for s in range(seg.n)], axis=1) if seg.n else (
        np.zeros((t, 0))
    )
    shortfall = zeros.copy()
    if "dr-shortfall" in v:
        shortfall[np.flatnonzero(problem.event())] = np.maximum(x[v["dr-shortfall"]], 0.0)
    on = None
    if "on-0" in v:
        on = np.stack([x[v[f"on-{k}"]] > 0.5 for k in range(len(problem.tranches))], axis=1)
    return Schedule(
        segment_mw=segment,
        ai_flexible_mw=get("ai-flex"),
        grid_mw=get("grid"),
        ppa_used_mw=get("ppa-used"),
        ppa_resold_mw=get("ppa-resold"),
        renewable_used_mw=get("ren-used"),
        renewable_resold_mw=get("ren-resold"),
        dr_shortfall_mw=shortfall,
        tranche_on=on,
    )
