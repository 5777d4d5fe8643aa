"""The exact fast path: merit order per interval when nothing links intervals.

Without ramps, min up/down times or flexible AI load, each interval is its own small
problem: maximize ``sum_s v_s x_s - C(L)`` over the mining segments ``0 <= x_s <= cap_s``,
where ``L = AI + sum_s x_s`` and ``C`` is the cost of serving load ``L``. ``C`` is convex
piecewise linear: the supplies sorted by marginal cost

* renewable energy: opportunity cost = the resale price ``max(p, 0)`` when resale is
  allowed, else 0 (spilling is free);
* PPA energy: the index price ``p`` at which what is not used settles, a negative one
  included (``max(p, 0)`` where the generator may curtail at or below zero, 0 without
  resale), plus the 4CP charge per MW in peak intervals (a PPA settled financially
  delivers none: its volume settles at the index price whatever the load);
* grid import: ``p + adder`` plus the 4CP charge;

(PPA and grid share the import limit), plus the demand-response penalty on load above
the event limit. Where a DR commitment may be withdrawn, the first committed MW of mining
are worth the readiness (and unavailability charge) they keep on top of their hashrate
outside events (:meth:`~hashpivot.power.model.DispatchProblem.dr_availability_usd_per_mwh`):
the segments split there, still in decreasing value. A concave objective in ``L`` with
greedy segments is solved exactly by the merit order: run segments in decreasing value
``v_s`` while ``v_s`` exceeds the marginal cost (the "curtailment threshold"). All of it
is numpy over the ``T`` intervals, with a loop over the (few) segments only.

This is the classic threshold rule of flexible-load dispatch (e.g. Riot Platforms' and
Lancium's public descriptions of price-responsive curtailment), made exact for PPAs,
resale, import limits, DR and 4CP.
"""

from __future__ import annotations

import math
import time

import numpy as np

from hashpivot.exceptions import InputError, Problem
from hashpivot.power.intervals import ALL, FloatArray, constant_series, interval_blocks
from hashpivot.power.model import DispatchProblem
from hashpivot.power.report import SolveReport
from hashpivot.power.schedule import Schedule

__all__ = ["allocate_supply", "check_firm_load", "solve_fast", "supply_pieces"]

#: The supply flows :func:`allocate_supply` returns, fields of a :class:`Schedule`. [MW]
_FLOWS = ("grid_mw", "ppa_used_mw", "ppa_resold_mw", "renewable_used_mw", "renewable_resold_mw")


def supply_pieces(
    problem: DispatchProblem, rows: slice = ALL
) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """Supply pieces of every interval (of ``rows``) sorted by marginal cost.

    Parameters
    ----------
    problem : DispatchProblem
    rows : slice
        Intervals to price (default all); ``T`` below is their number.

    Returns
    -------
    cost : numpy.ndarray, shape (T, 3)
        Marginal cost of each piece, ascending along axis 1. [USD/MWh]
    cap : numpy.ndarray, shape (T, 3)
        Capacity of each piece (``inf`` for an unlimited grid). [MW]
    kind : numpy.ndarray of int, shape (T, 3)
        0 = renewable, 1 = PPA, 2 = grid.
    """
    p = np.asarray(problem.price_usd_per_mwh_series, dtype=float)[rows]
    dt = np.asarray(problem.interval_hours_series, dtype=float)[rows]
    t = len(p)
    k4_per_mwh = problem.fourcp_usd_per_mw(rows) / dt
    resale_value = np.maximum(p, 0.0)
    c_ren = resale_value if problem.renewable_resale_allowed else np.zeros(t)
    ppa_resale = p if ppa_settles_negative(problem) else resale_value
    c_ppa = (ppa_resale if problem.ppa_resale_allowed else np.zeros(t)) + k4_per_mwh
    c_grid = (
        problem.grid_purchase_price_usd_per_mwh(rows) + problem.grid_adder_usd_per_mwh
        + k4_per_mwh
    )
    cap_ren = problem.renewable(rows)
    cap_ppa = np.full(t, 0.0 if problem.ppa_financial else problem.ppa_volume_mw)
    cap_grid = np.full(t, math.inf)
    limit = problem.import_limit_mw
    if math.isfinite(limit):
        # PPA and grid share the import limit: the cheaper of the two gets it first
        ppa_first = c_ppa <= c_grid
        # PPA and grid share the import limit; the cheaper of the two takes it first (a
        # cheaper grid takes all of it, as its own capacity is unlimited)
        cap_ppa = np.where(ppa_first, np.minimum(cap_ppa, limit), 0.0)
        cap_grid = np.where(ppa_first, limit - cap_ppa, limit)
    cost = np.stack([c_ren, c_ppa, c_grid], axis=1)
    cap = np.stack([cap_ren, cap_ppa, cap_grid], axis=1)
    order = np.argsort(cost, axis=1, kind="stable")
    at = np.arange(t)[:, None]
    return cost[at, order], cap[at, order], order


def ppa_settles_negative(problem: DispatchProblem) -> bool:
    """True when a physical PPA's unused energy settles at the index price in every
    interval, a negative one included (resale allowed, no curtailment right at or below
    zero)."""
    return problem.ppa_resale_allowed and not problem.ppa_curtail_at_negative_price


def _supply_below(cost: FloatArray, cap: FloatArray, threshold: FloatArray) -> FloatArray:
    """Total capacity of pieces strictly cheaper than ``threshold`` (per interval). [MW]"""
    return np.sum(np.where(cost < threshold[:, None], cap, 0.0), axis=1)


def allocate_supply(
    problem: DispatchProblem, load_mw: FloatArray, rows: slice = ALL
) -> dict[str, FloatArray]:
    """Serve a given site load from the cheapest supplies; resell or spill the rest.

    Parameters
    ----------
    problem : DispatchProblem
    load_mw : numpy.ndarray, shape (T,)
        Site load (AI + mining) in the intervals of ``rows``. [MW]
    rows : slice
        Intervals of ``load_mw`` (default all).

    Returns
    -------
    dict
        ``grid_mw, ppa_used_mw, ppa_resold_mw, renewable_used_mw, renewable_resold_mw``.
    """
    _, cap, kind = supply_pieces(problem, rows)
    t = len(load_mw)
    cum_before = np.concatenate(
        [np.zeros((t, 1)), np.cumsum(np.where(np.isinf(cap), 1e300, cap), axis=1)[:, :-1]],
        axis=1,
    )
    used = np.clip(load_mw[:, None] - cum_before, 0.0, cap)
    by_kind = np.zeros((t, 3))
    np.put_along_axis(by_kind, kind, used, axis=1)
    p = np.asarray(problem.price_usd_per_mwh_series, dtype=float)[rows]
    ren_avail = problem.renewable(rows)
    ren_used = by_kind[:, 0]
    ppa_used = by_kind[:, 1]
    sell = p > 0
    ren_resold = np.where(sell & problem.renewable_resale_allowed, ren_avail - ren_used, 0.0)
    ppa_sell = (sell | ppa_settles_negative(problem)) & problem.ppa_resale_allowed
    ppa_resold = (np.full(t, problem.ppa_volume_mw) if problem.ppa_financial else np.where(
        ppa_sell, problem.ppa_volume_mw - ppa_used, 0.0))
    return {
        "grid_mw": by_kind[:, 2],
        "ppa_used_mw": ppa_used,
        "ppa_resold_mw": np.maximum(ppa_resold, 0.0),
        "renewable_used_mw": ren_used,
        "renewable_resold_mw": np.maximum(ren_resold, 0.0),
    }


def _schedule(
    segment_mw: FloatArray,
    ai_flexible_mw: FloatArray,
    dr_shortfall_mw: FloatArray,
    flows: dict[str, FloatArray],
) -> Schedule:
    """A :class:`Schedule` of mining, AI and DR arrays and the supply ``flows``."""
    return Schedule(
        segment_mw=segment_mw,
        ai_flexible_mw=ai_flexible_mw,
        grid_mw=flows["grid_mw"],
        ppa_used_mw=flows["ppa_used_mw"],
        ppa_resold_mw=flows["ppa_resold_mw"],
        renewable_used_mw=flows["renewable_used_mw"],
        renewable_resold_mw=flows["renewable_resold_mw"],
        dr_shortfall_mw=dr_shortfall_mw,
    )


def check_firm_load(problem: DispatchProblem, must_serve_mw: FloatArray, what: str) -> None:
    """Raise :class:`InputError` when the supply cannot cover a load in some interval.

    Parameters
    ----------
    problem : DispatchProblem
    must_serve_mw : numpy.ndarray, shape (T,)
        Load that must be served. [MW]
    what : str
        Description of that load for the message.
    """
    available = problem.renewable() + problem.import_limit_mw
    short = must_serve_mw > available + 1e-9
    if short.any():
        first = np.flatnonzero(short)[:3]
        when = ", ".join(str(problem.index[i]) for i in first)
        raise InputError(
            Problem(
                path="dispatch.limits.import_mw",
                message=f"{what} ({float(must_serve_mw[first[0]]):.3f} MW) exceeds the import "
                f"limit plus renewable supply ({float(available[first[0]]):.3f} MW) in "
                f"{int(short.sum())} interval(s), first {when}: raise the import limit or "
                "lower the firm load",
            )
        )


def solve_fast(problem: DispatchProblem) -> tuple[Schedule, SolveReport]:
    """Exact dispatch by merit order when no constraint links intervals.

    Parameters
    ----------
    problem : DispatchProblem
        Must have ``links_intervals`` False (no flexible AI, ramp limit or min up/down).

    Returns
    -------
    schedule : Schedule
    report : SolveReport
        ``solver`` "fast", ``termination_condition`` "optimal", build and solve times,
        ``mip_gap`` 0.
    """
    if problem.links_intervals:
        raise InputError(
            Problem(
                path="dispatch.solver",
                message="the fast path needs independent intervals: flexible AI load, ramp "
                "limits and min up/down times need the LP/MILP (solver 'lp' or 'auto')",
            )
        )
    t0 = time.perf_counter()
    seg = problem.segments
    t = problem.n_intervals
    a = problem.ai_firm_mw
    event = problem.event()
    any_event = bool(event.any())
    # outside events, mining must draw the committed MW (up to the fleet) when kept online
    must_mine_mw = problem.mining_floor_mw()
    check_firm_load(problem, np.full(t, a), "the firm AI load")
    if must_mine_mw.any() and not event.all():
        check_firm_load(
            problem, a + np.where(~event, must_mine_mw, 0.0),
            "the firm AI load plus the DR committed load",
        )
    order = np.argsort(-seg.ph_s_per_mw, kind="stable")  # value order is the same for all t
    l_cap = problem.max_site_load_series_mw() - problem.dr_committed_series_mw()
    # where DR availability is priced, load up to a + committed earns its bonus
    bonus_top = a + np.where(event, 0.0, problem.dr_mining_commitment_mw())
    penalty = problem.dr_penalty_usd_per_mwh
    x = np.zeros((t, seg.n))
    flows: dict[str, FloatArray] = {name: np.empty(t) for name in _FLOWS}
    shortfall = np.empty(t)
    t_build = time.perf_counter() - t0  # set-up and pricing of the supply pieces
    t1 = time.perf_counter()
    for rows in interval_blocks(t):  # intervals are independent: block by block
        tb = time.perf_counter()
        cost, cap, _ = supply_pieces(problem, rows)
        value = problem.segment_value_usd_per_mwh(rows)  # (rows, S)
        bonus = problem.dr_availability_usd_per_mwh(rows)
        priced = bool(np.any(bonus > 0))
        ev = event[rows]
        t_build += time.perf_counter() - tb
        t1 += time.perf_counter() - tb
        xb = x[rows]
        width = problem.segment_cap_mw(rows)
        before = np.full(len(ev), a)  # load already placed below this segment
        floor = a + np.where(~ev, must_mine_mw[rows], 0.0)
        for s in order:
            v = value[:, s]
            reach = _supply_below(cost, cap, v)
            if any_event:
                reach_pen = _supply_below(cost, cap, v - penalty)
                reach = np.where(ev, np.maximum(np.minimum(l_cap[rows], reach), reach_pen),
                                 reach)
            reach = np.maximum(reach, floor)
            if priced:  # the part of the segment within the commitment earns the bonus
                inside = np.clip(bonus_top[rows] - before, 0.0, width[:, s])
                reach_in = np.maximum(_supply_below(cost, cap, v + bonus), floor)
                x_in = np.clip(reach_in - before, 0.0, inside)
                x_out = np.clip(reach - before - inside, 0.0, width[:, s] - inside)
                xb[:, s] = x_in + x_out
            else:
                xb[:, s] = np.clip(reach - before, 0.0, width[:, s])
            before = before + width[:, s]
        load = a + xb.sum(axis=1)
        for name, flow in allocate_supply(problem, load, rows).items():
            flows[name][rows] = flow
        shortfall[rows] = np.where(ev, np.maximum(load - l_cap[rows], 0.0), 0.0)
    schedule = _schedule(x, constant_series(0.0, t), shortfall, flows)
    solve_seconds = time.perf_counter() - t1
    report = SolveReport(
        solver="fast",
        status="ok",
        termination_condition="optimal",
        build_seconds=t_build,
        solve_seconds=solve_seconds,
        mip_gap=0.0,
    )
    return schedule, report


def always_on_schedule(problem: DispatchProblem) -> Schedule:
    """The baseline: every tranche installed at rated power in every interval, no DR
    program.

    Mining is only cut where the import limit (plus renewables) cannot carry it. Flexible
    AI load runs flat at its mean. Unused PPA / renewable energy is still resold.

    Parameters
    ----------
    problem : DispatchProblem

    Returns
    -------
    Schedule
    """
    seg = problem.segments
    t = problem.n_intervals
    ai = problem.ai_firm_mw + problem.ai_flexible_mw
    base = problem.replace(dr_committed_mw=0.0)
    x = np.zeros((t, seg.n))
    flows: dict[str, FloatArray] = {name: np.empty(t) for name in _FLOWS}
    for rows in interval_blocks(t):
        room = problem.renewable(rows) + problem.import_limit_mw - ai
        xb = x[rows]
        width = problem.segment_cap_mw(rows)
        before = np.zeros(len(room))
        for s in np.argsort(-seg.ph_s_per_mw, kind="stable"):
            xb[:, s] = np.clip(room - before, 0.0, width[:, s])
            before = before + width[:, s]
        for name, flow in allocate_supply(base, ai + xb.sum(axis=1), rows).items():
            flows[name][rows] = flow
    return _schedule(x, constant_series(problem.ai_flexible_mw, t), constant_series(0.0, t), flows)
