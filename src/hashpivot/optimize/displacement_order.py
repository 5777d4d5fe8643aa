"""The order in which a conversion displaces a site's machines, as pivot displaces them.

pivot converts a site's spare capacity (energized MW no machine uses) first, then
displaces its fleet tranches least efficient first (:func:`efficiency_order`). The
decision model displaces whatever its mining is worth least; the two agree where the loss
per MW displaced (:func:`ordering_losses`) is non-negative and does not grow with the
quarter. At the sites where some scenario breaks that (:func:`spare_first`,
:func:`least_efficient_first`), binaries hold the model to pivot's order:
``spare_exhausted`` with ``displaced-spare-lower`` and ``displaced-sparefill-lower``
(:func:`define_spare_first`), ``tranche_exhausted`` with ``displaced-order-lower`` and
``displaced-orderfill-lower`` (:func:`define_least_efficient_first`), rows of the model of
:mod:`hashpivot.optimize.model` (:func:`~hashpivot.optimize.model.build_plan_model`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.arrays import BoolArray, FloatArray, IntArray
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.scenario_npv import floor_scenarios
from hashpivot.optimize.scenarios import ScenarioCoefficients
from hashpivot.power.lp import LinearModel


def ordering_losses(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
    """The loss per MW displaced that :func:`spare_first` and
    :func:`least_efficient_first` test: ``mining_loss_usd_per_mw`` (K, S, J, Q), and in
    the scenarios where a plan can reach the SG&A floor
    (:func:`~hashpivot.optimize.scenario_npv.floor_scenarios`) also the same without the
    mining terminal value (K', S, J, Q): past the floor a displaced MW forgoes none of it
    (``sga_floor`` gives it back), so its loss is the one to the horizon, which may be
    negative where the whole is not. [USD/MW]"""
    need = np.flatnonzero(floor_scenarios(p, c) > 0)
    if not need.size:
        return c.mining_loss_usd_per_mw
    to_horizon = (c.mining_loss_usd_per_mw[need]
                  - c.mining_terminal_usd_per_mw[need][..., None])
    return np.concatenate([c.mining_loss_usd_per_mw, to_horizon], axis=0)


def spare_first(p: PlanProblem, c: ScenarioCoefficients) -> IntArray:
    """Sites with spare capacity where displacing miners first could pay on a scenario.

    Without the binaries of :func:`define_spare_first` the model displaces miners rather
    than convert spare capacity when that is worth more: when a MW of miners loses money
    (a negative loss), or when displacing it later loses more than displacing it earlier
    (its mining between the two quarters loses money: a fleet replacement it would pay
    for, a halving), so that spare capacity is kept for the later conversion. Where the
    loss per MW is non-negative and non-increasing in the quarter, converting spare
    capacity first is optimal anyway (swapping an earlier miner for a later spare MW never
    gains) and no binary is needed. The loss tested is also the one to the horizon
    alone in the scenarios where a plan can reach the SG&A floor (:func:`ordering_losses`).
    """
    loss = ordering_losses(p, c)[:, :, 1:, :]
    tol = 1e-6 * max(1.0, float(np.abs(loss).max(initial=0.0)))
    pays = (loss < 0).any(axis=(0, 2, 3)) | (np.diff(loss, axis=3) > tol).any(axis=(0, 2, 3))
    needs = (p.tranche_mw[:, 0] > 1e-9) & pays
    needs &= np.isin(np.arange(p.n_sites), p.offer_site)
    return np.flatnonzero(needs).astype(np.int64)


def efficiency_order(p: PlanProblem, site: int) -> list[int]:
    """A site's fleet tranches with machines in the order pivot displaces them: the most
    J/TH first (ties: file order; :func:`hashpivot.engines.pivot.tranches.tranche_mw`),
    a swap's bands in their order (:mod:`~hashpivot.mining.slots`)."""
    ts = p.tranches[site]
    held = [j for j in range(1, len(ts)) if p.tranche_mw[site, j] > 1e-9]
    if any(t.members for t in ts):
        return held
    return sorted(held, key=lambda j: -ts[j].efficiency_j_per_th)


def least_efficient_first(p: PlanProblem, c: ScenarioCoefficients) -> IntArray:
    """Sites of several fleet tranches where the model could displace them out of pivot's
    order (least efficient first) on a scenario.

    The model displaces the tranche whose mining is worth least; ``pivot`` the least
    efficient. They agree where, on every scenario and quarter, a less efficient tranche
    loses no more per MW displaced than a more efficient one and that gap does not grow
    with the quarter, no tranche's loss is negative and none grows with the quarter (the
    exchange argument of :func:`spare_first`). Dated
    entries break this often: a planned block saves its purchase when displaced before it,
    a retiring one loses only its remaining months. At such sites
    :func:`define_least_efficient_first` holds the model to pivot's order, so both engines
    value a plan alike. Only sites whose fleet changes within the horizon (dated tranches,
    a connection after the first month) are held: there the order decides much (a planned
    block's purchase); elsewhere the tranche worth least is the least efficient on the
    examples, and the binaries, on every site of two entries over 40 quarters and 500
    scenarios, made the benchmark's solve many times longer (``bench_optimize.py``).
    """
    loss = ordering_losses(p, c)
    tol = 1e-6 * max(1.0, float(np.abs(loss).max(initial=0.0)))
    out = []
    for s in np.unique(p.offer_site):
        order = efficiency_order(p, int(s))
        if len(order) < 2 or not _changes_over_time(p, int(s)):
            continue
        lo = loss[:, s][:, order, :]  # (K, ranks, Q)
        gap = np.diff(lo, axis=1)  # a more efficient tranche's loss over the one before
        # swapping an earlier displacement of the less efficient for a later one of the
        # more efficient never gains while the gap is >= 0 and does not grow with q
        if ((gap < -tol).any() or (lo < 0).any() or (np.diff(lo, axis=2) > tol).any()
                or (np.diff(gap, axis=2) > tol).any()):
            out.append(int(s))
    return np.asarray(out, dtype=np.int64)


def _changes_over_time(p: PlanProblem, site: int) -> bool:
    """Whether a site's fleet changes within the horizon: a dated tranche (its entry's
    ``start``/``end``) or a connection after the first month."""
    connection = p.sites[site].connection_date
    return any(u.installed != (None, None) for t in p.tranches[site] for u in t.units) or (
        connection is not None and pd.Timestamp(connection) > p.start.start_time)


def define_spare_first(m: LinearModel, p: PlanProblem, sites: IntArray) -> None:
    """``spare_exhausted`` and ``displaced-spare-lower``, ``displaced-sparefill-lower``.

    The pivot model converts a site's spare capacity (energized MW no machine uses) before
    it displaces miners: miners displaced by quarter q = ``max(0, C_q - spare)`` with
    ``C_q`` the MW converted so far. When displacing miners first would pay (their mining
    loses money on some path), this is enforced with one binary per site and quarter
    (1 once the spare capacity is used up): ``S_q >= spare b_q`` and
    ``S_q >= C_q - M b_q``, ``S_q`` the spare capacity used by quarter q.
    """
    members = np.zeros((sites.size, p.n_tranches), dtype=bool)
    members[:, 0] = True
    _define_first(m, p, sites, members, p.tranche_mw[sites, 0], "spare_exhausted",
                  "displaced-spare-lower", "displaced-sparefill-lower")


def define_least_efficient_first(m: LinearModel, p: PlanProblem, sites: IntArray) -> None:
    """``tranche_exhausted`` and ``displaced-order-lower``, ``displaced-orderfill-lower``.

    At each site of :func:`least_efficient_first`, for each rank k of its fleet tranches
    in :func:`efficiency_order` but the last: the spare capacity and the k least efficient
    tranches are displaced by quarter q at least ``min(C_q, their MW)``, with one binary
    per (site, rank, quarter) as in :func:`define_spare_first`: ``D_q >= cum_k b_q`` and
    ``D_q >= C_q - M b_q``, ``D_q`` their MW displaced by quarter q.
    """
    pairs = [(int(s), order[: k + 1]) for s in sites
             for order in [efficiency_order(p, int(s))] for k in range(len(order) - 1)]
    at = np.array([s for s, _ in pairs], dtype=np.int64)
    members = np.zeros((len(pairs), p.n_tranches), dtype=bool)
    members[:, 0] = True  # the spare capacity goes first (pivot's rule)
    for r, (_, group) in enumerate(pairs):
        members[r, group] = True
    cum = (p.tranche_mw[at] * members).sum(axis=1) if pairs else np.zeros(0)
    _define_first(m, p, at, members, cum, "tranche_exhausted", "displaced-order-lower",
                  "displaced-orderfill-lower")


def _define_first(m: LinearModel, p: PlanProblem, sites: IntArray, members: BoolArray,
                  cum_mw: FloatArray, var: str, lower: str, fill: str) -> None:
    """For each row r (``sites[r]``, the tranches ``members[r]`` of MW ``cum_mw[r]``) and
    quarter q: those tranches' MW displaced by q ``D >= min(C_q, cum_mw[r])``, ``C_q``
    the site's MW converted by q, with a binary ``b``: ``D >= cum b`` and
    ``D >= C_q - M b`` (``M`` the site's limit)."""
    n_q, n_j = p.n_quarters, p.n_tranches
    n_r = sites.size
    b = m.add_variables(var, 0.0, 1.0, integer=True, n=n_r * n_q)
    x = m.variables["conversion"]
    d = m.variables["displaced"]
    x_o, x_q = p.conversion_cells()
    o_idx, j_idx, q_idx = np.meshgrid(np.arange(p.n_offers), np.arange(n_j), np.arange(n_q),
                                      indexing="ij")
    o_flat, j_flat, q_flat = o_idx.ravel(), j_idx.ravel(), q_idx.ravel()
    big = p.site_limit_mw[sites]
    q_later = np.arange(n_q)
    d_rows_l, d_terms_l, x_rows_l, x_terms_l = [], [], [], []
    for r in range(n_r):
        # cumulative terms: a column of quarter q' enters the rows of quarters q >= q'
        sel_d = (p.offer_site[o_flat] == sites[r]) & members[r, j_flat]
        mask = q_later[None, :] >= q_flat[sel_d][:, None]
        d_rows_l.append(np.broadcast_to(r * n_q + q_later[None, :], mask.shape)[mask])
        d_terms_l.append(np.broadcast_to(d[sel_d][:, None], mask.shape)[mask])
        sel_x = p.offer_site[x_o] == sites[r]
        mask_x = q_later[None, :] >= x_q[sel_x][:, None]
        x_rows_l.append(np.broadcast_to(r * n_q + q_later[None, :], mask_x.shape)[mask_x])
        x_terms_l.append(np.broadcast_to(x[sel_x][:, None], mask_x.shape)[mask_x])
    empty = np.zeros(0, dtype=np.int64)
    d_rows = np.concatenate(d_rows_l) if n_r else empty
    d_terms = np.concatenate(d_terms_l) if n_r else empty
    x_rows = np.concatenate(x_rows_l) if n_r else empty
    x_terms = np.concatenate(x_terms_l) if n_r else empty
    n_rows = n_r * n_q
    rows_b = np.arange(n_rows)
    m.add_constraints(
        lower, n_rows,
        [(d_rows, d_terms, 1.0), (rows_b, b, -np.repeat(cum_mw, n_q))], 0.0, np.inf,
    )
    m.add_constraints(
        fill, n_rows,
        [(d_rows, d_terms, 1.0), (x_rows, x_terms, -p.unit_mw),
         (rows_b, b, np.repeat(big, n_q))], 0.0, np.inf,
    )
