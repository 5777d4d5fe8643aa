"""The decision model, built PyPSA-style: one ``define_*`` per family, numpy index arrays.

Variables (blocks of the sparse container; empty blocks exist, so no code tests for them):

====================  ====================================================  ==============
block                 meaning [unit]                                        bounds
====================  ====================================================  ==============
``conversion``        hall blocks (or MW) of offer o starting in quarter q  bounds of the
                      (``unit_mw`` MW each) [block]                         problem
``displaced``         MW of tranche j of the offer's site displaced by the  ``0 .. MW_j``
                      offer's quarter-q conversion [MW]
``spare_exhausted``   1 once a site's spare capacity is converted [-]       binary
``tranche_exhausted`` 1 once a site's k least efficient tranches are        binary
                      displaced [-]
``site_started``      1 when a site with a rule cost converts [-]            binary
``sga_floor``         what pivot's floor of the mining line (net of the cash  ``0 .. max``
                      SG&A) adds to scenario k's NPV [M USD]
``sga_floor_on``      1 where the plan's machines kept no longer cover the    binary
                      SG&A in scenario k [-]
``cvar_threshold``    value-at-risk level of the CVaR [M USD]                free
``cvar_shortfall``    shortfall of scenario k below the threshold [M USD]    ``>= 0``
====================  ====================================================  ==============

Constraints, named ``"{variable}-{rule}-{bound}"``:

* ``displaced-balance-eq``: each converted MW displaces spare capacity or a fleet tranche;
* ``displaced-tranche-upper``: a tranche is displaced at most once;
* ``displaced-spare-lower``, ``displaced-sparefill-lower``: spare capacity is converted
  before miners are displaced, as in the pivot model (:func:`define_spare_first`);
* ``displaced-order-lower``, ``displaced-orderfill-lower``: the fleet tranches are
  displaced least efficient first, as in the pivot model, where the model could do
  otherwise (:func:`define_least_efficient_first`);
* ``conversion-interconnection-upper``: MW converted at a site <= min(convertible,
  ``capacity_mw``);
* ``conversion-regulation-upper``: MW converted <= a rule's cap;
* ``conversion-build-upper``: MW starting construction in a quarter <= build capacity;
* ``conversion-tenant-upper``: critical IT MW leased to a tenant <= its demand;
* ``conversion-budget-upper``: operator equity capex of a model year <= its budget (the
  years after the horizon in which a late hall is still paid for included; the rules'
  site costs, paid in the horizon's first month, in the first year's);
* ``conversion-debt-upper``: project debt of the plan's builds, whole, <= debt capacity;
* ``site_started-cost-upper``: a site converts only if it pays its rule costs;
* ``sga_floor-forgone-upper``, ``sga_floor-on-upper``: the floor of the mining line
  (:func:`define_sga_floor`), in the scenarios where a plan can reach it;
* ``cvar_shortfall-scenario-lower``: shortfall_k >= threshold - NPV_k.

Objective (maximized; HiGHS minimizes its negative), in M USD:
``(1 - lambda) E[NPV] + lambda CVaR_alpha(NPV)`` with the Rockafellar-Uryasev form
``CVaR = threshold - sum_k shortfall_k / m``, ``m = ceil(alpha K)`` (:func:`cvar_tail`):
at the optimum the mean of the worst ``m`` scenarios, the CVaR the results report
(:func:`hashpivot.risk_measures.cvar`), also where ``alpha K`` is not whole.
``NPV_k = baseline_k + sum over offers of signed_k,l x (hosting NPV x MW - mining lost on
the MW displaced) - rule costs + sga_floor_k``, each term with its terminal value
(:mod:`hashpivot.optimize.terminal`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot.arrays import BoolArray, FloatArray, IntArray
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.scenarios import ScenarioCoefficients
from hashpivot.power.lp import LinearModel
from hashpivot.sampling_error import tail_size

USD_SCALE = 1e6  #: the model counts money in M USD (numerics of HiGHS)


@dataclass(frozen=True)
class ObjectiveSpec:
    """What the model maximizes.

    Attributes
    ----------
    risk_aversion : float
        Weight lambda of the CVaR in ``(1 - lambda) E[NPV] + lambda CVaR``. [-]
    alpha : float
        CVaR tail (0.05: the worst 5 % of scenarios). [-]
    """

    risk_aversion: float = 0.0
    alpha: float = 0.05


@dataclass
class PlanModel:
    """The built model and the per-scenario NPV map ``NPV = base + A @ cols`` (plus the
    floor of :func:`sga_floor_usd`, columns ``sga_floor`` in the model)."""

    m: LinearModel
    npv_cols: IntArray  # columns entering scenario NPVs
    npv_matrix_usd: FloatArray  # (K, len(npv_cols)) [USD per column unit]
    baseline_npv_usd: FloatArray  # (K,)
    integer: bool


def _scenario_matrix(
    p: PlanProblem,
    c: ScenarioCoefficients,
    hosting_usd_per_mw: FloatArray,
    mining_usd_per_mw: FloatArray,
    site_cost_usd: FloatArray,
) -> FloatArray:
    """(K, O*Q + O*J*Q + S) coefficients of conversion, displaced, site_started.

    Parameters
    ----------
    hosting_usd_per_mw : ndarray (O, Q)
        Value per MW of an offer converted in a quarter. [USD/MW]
    mining_usd_per_mw : ndarray (K, S, J, Q)
        Value lost per MW of a tranche displaced in a quarter. [USD/MW]
    site_cost_usd : ndarray (S,)
        Value of the cost of a site's first conversion (rules). [USD]
    """
    k = c.n_scenarios
    sig = c.signed[:, p.offer_tenant]  # (K, O)
    ax = sig[:, :, None] * (hosting_usd_per_mw * p.unit_mw)[None, :, :]
    loss = mining_usd_per_mw[:, p.offer_site, :, :]  # (K, O, J, Q)
    ad = -sig[:, :, None, None] * loss
    az = np.broadcast_to(-site_cost_usd, (k, p.n_sites))
    return np.concatenate([ax.reshape(k, -1), ad.reshape(k, -1), az], axis=1)


def _scenario_npv_matrix(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
    """NPV coefficients (:func:`_scenario_matrix` of the whole values)."""
    return _scenario_matrix(p, c, p.hosting_npv_usd_per_mw, c.mining_loss_usd_per_mw,
                            p.site_cost_npv_usd)


def scenario_terminal_value_usd(
    p: PlanProblem, c: ScenarioCoefficients, values: FloatArray
) -> FloatArray:
    """The terminal value in each scenario's NPV (:mod:`hashpivot.optimize.terminal`).

    Parameters
    ----------
    p : PlanProblem
    c : ScenarioCoefficients
        K scenarios.
    values : ndarray
        A solution's values of the model's ``npv_cols`` (:class:`PlanModel`).

    Returns
    -------
    ndarray (K,)
        ``c.baseline_terminal_usd + B @ values``, ``B`` the map of
        :func:`_scenario_matrix` of the values past the horizon, and the floor of
        :func:`sga_floor_usd`. [USD]
    """
    mining = np.broadcast_to(c.mining_terminal_usd_per_mw[..., None],
                             c.mining_loss_usd_per_mw.shape)  # the same from every quarter
    b = _scenario_matrix(p, c, p.hosting_terminal_usd_per_mw, mining, np.zeros(p.n_sites))
    return np.asarray(c.baseline_terminal_usd + b @ values + sga_floor_usd(p, c, values),
                      dtype=np.float64)


def _mining_terminal_matrix(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
    """(K, npv columns): minus the mining terminal value a plan's columns forgo. [USD]"""
    mining = np.broadcast_to(c.mining_terminal_usd_per_mw[..., None],
                             c.mining_loss_usd_per_mw.shape)
    return _scenario_matrix(p, c, np.zeros_like(p.hosting_terminal_usd_per_mw), mining,
                            np.zeros(p.n_sites))


def _most_forgone_usd(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
    """A bound on the mining terminal value a plan can forgo, per scenario: the tranches of
    most value per MW displaced first, at each site with offers up to the MW it may convert
    (``site_limit_mw``, a rule's cap), and in all up to the most the tenants can lease
    (their IT MW at the highest PUE of their offers) and the build capacity can start.
    The caps nest (each site's within the whole), so taking the tranches in that order
    gives the most. [USD]"""
    sites = np.unique(p.offer_site)
    site_cap = np.minimum(p.site_limit_mw[sites], p.rule_cap_mw[sites])  # [MW]
    demand = 0.0
    for t, tenant in enumerate(p.tenants):
        offers = p.offer_tenant == t
        if offers.any():
            demand += float(tenant.it_mw) * float(np.max(p.offer_pue[offers]))
    whole = min(demand, p.build_mw_per_quarter * p.n_quarters, float(site_cap.sum()))
    tv = c.mining_terminal_usd_per_mw[:, sites, :].reshape(c.n_scenarios, -1)  # (K, S'J)
    mw = p.tranche_mw[sites].reshape(-1)  # [MW]
    site_of = np.repeat(np.arange(sites.size), p.n_tranches)
    order = np.argsort(-tv, axis=1, kind="stable")  # each scenario's most valuable first
    rows = np.arange(c.n_scenarios)
    left_site = np.repeat(site_cap.astype(float)[None, :], c.n_scenarios, axis=0)
    left = np.full(c.n_scenarios, whole)
    most = np.zeros(c.n_scenarios)
    for rank in range(order.shape[1]):  # all scenarios at once, item by item
        i = order[:, rank]
        take = np.minimum(np.minimum(mw[i], left_site[rows, site_of[i]]), left)
        take = np.where(tv[rows, i] > 0, np.maximum(take, 0.0), 0.0)
        most += tv[rows, i] * take
        left_site[rows, site_of[i]] -= take
        left -= take
    return most


def floor_scenarios(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
    """How much of keep-mining's terminal value a plan may forgo beyond what it keeps,
    per scenario: ``max_T - kept`` where ``kept`` is keep-mining's, net of the cash SG&A
    and floored at 0 (``baseline_terminal_usd``), and ``max_T`` a bound on what a plan
    can displace (:func:`_most_forgone_usd`). Where positive, :func:`sga_floor_usd` may
    be too. [USD]"""
    most = _most_forgone_usd(p, c)
    room = most - c.baseline_terminal_usd
    tol = 1e-9 * np.maximum(np.abs(most), 1.0)
    return np.asarray(np.where(room > tol, room, 0.0), dtype=np.float64)


def sga_floor_usd(p: PlanProblem, c: ScenarioCoefficients, values: FloatArray) -> FloatArray:
    """What pivot's floor of the mining line adds to a plan's NPV over the model's
    linear map, per scenario: ``max(T - kept, 0)``. [USD]

    pivot values mining after the horizon at ``max(R - T, 0)``: ``R`` the tranches'
    terminal values (each floored at 0) less the cash SG&A's, ``T`` those of the MW the
    plan displaces. The linear map counts ``max(R, 0) - T`` (keep-mining's value, ``kept``
    in ``baseline_terminal_usd``, less each displaced MW's). The two agree while the
    machines kept cover the SG&A (``T <= R``); past it pivot stops mining at 0 and the map
    goes below by ``T - max(R, 0)``. Zero where no plan can get there
    (:func:`floor_scenarios`), so without SG&A or a mining terminal value. The
    parameters are those of :func:`scenario_terminal_value_usd`; (K,).
    """
    room = floor_scenarios(p, c)
    out = np.zeros(c.n_scenarios)
    need = np.flatnonzero(room > 0)
    if need.size:
        forgone = -(_mining_terminal_matrix(p, subset_of(c, need)) @ values)
        out[need] = np.maximum(forgone - c.baseline_terminal_usd[need], 0.0)
    return out


def subset_of(c: ScenarioCoefficients, idx: npt.ArrayLike) -> ScenarioCoefficients:
    """The scenarios ``idx`` of ``c``."""
    i = np.atleast_1d(np.asarray(idx))
    return ScenarioCoefficients(
        c.baseline_npv_usd[i], c.mining_loss_usd_per_mw[i], c.signed[i],
        c.baseline_terminal_usd[i], c.mining_terminal_usd_per_mw[i],
    )


def scenario_npv_usd(p: PlanProblem, c: ScenarioCoefficients, matrix_usd: FloatArray,
                     values: FloatArray) -> FloatArray:
    """Each scenario's NPV of a solution: ``base + A @ values`` and the floor of
    :func:`sga_floor_usd`. [USD]

    Parameters
    ----------
    matrix_usd : ndarray (K, len(values))
        ``A``, the :class:`PlanModel`'s ``npv_matrix_usd`` on ``c``.
    values : ndarray
        The solution's values of the model's ``npv_cols``.
    """
    return np.asarray(c.baseline_npv_usd + matrix_usd @ values + sga_floor_usd(p, c, values),
                      dtype=np.float64)


def define_sga_floor(m: LinearModel, p: PlanProblem, c: ScenarioCoefficients,
                     weight: float, present: bool) -> tuple[IntArray, IntArray]:
    """``sga_floor`` g_k >= 0 and ``sga_floor_on`` binary y_k per scenario, with
    ``sga_floor-forgone-upper`` (g - T(d) + kept y <= 0) and ``sga_floor-on-upper``
    (g - (max_T - kept) y <= 0): maximized, ``g = max(T - kept, 0)``
    (:func:`sga_floor_usd`). Fixed at 0 in the scenarios where no plan gets there; no
    columns at all unless ``present``. ``weight`` is g's objective weight per USD
    (minimized: negative). Returns the columns of g and their scenarios."""
    k = c.n_scenarios if present else 0
    room = floor_scenarios(p, c)[:k] if k else np.zeros(0)
    g = m.add_variables("sga_floor", 0.0, room / USD_SCALE, weight, n=k)
    y = m.add_variables("sga_floor_on", 0.0, np.where(room > 0, 1.0, 0.0), 0.0,
                        integer=True, n=k)
    terms: list[tuple[IntArray, IntArray, FloatArray | float]] = []
    need = np.flatnonzero(room > 0)
    if need.size:
        forgone = -_mining_terminal_matrix(p, subset_of(c, need)) / USD_SCALE  # (n, cols)
        cols = np.concatenate([m.variables["conversion"], m.variables["displaced"],
                               m.variables["site_started"]])
        rr, cc = np.nonzero(forgone)
        terms = [(np.arange(need.size), g[need], 1.0), (rr, cols[cc], -forgone[rr, cc]),
                 (np.arange(need.size), y[need],
                  c.baseline_terminal_usd[need] / USD_SCALE)]
    m.add_constraints("sga_floor-forgone-upper", need.size, terms, -np.inf, 0.0)
    on_terms = ([(np.arange(need.size), g[need], 1.0),
                 (np.arange(need.size), y[need], -room[need] / USD_SCALE)]
                if need.size else [])
    m.add_constraints("sga_floor-on-upper", need.size, on_terms, -np.inf, 0.0)
    return g, np.arange(k)


def define_conversion(
    m: LinearModel, p: PlanProblem, cost: FloatArray, fixed_mw: FloatArray | None = None
) -> IntArray:
    """``conversion``: blocks of each offer per quarter (integer with hall blocks)."""
    if fixed_mw is not None:
        lo = hi = np.asarray(fixed_mw, dtype=float).ravel() / p.unit_mw
    else:
        lo = p.x_lower_mw.ravel() / p.unit_mw
        hi = p.x_upper_mw.ravel() / p.unit_mw
        if p.integer:
            lo, hi = np.ceil(lo - 1e-9), np.floor(hi + 1e-9)
    return m.add_variables("conversion", lo, hi, cost, integer=p.integer, n=lo.size)


def define_displaced(m: LinearModel, p: PlanProblem, cost: FloatArray) -> IntArray:
    """``displaced`` and ``displaced-balance-eq``, ``displaced-tranche-upper``."""
    n_o, n_j, n_q = p.n_offers, p.n_tranches, p.n_quarters
    ub = np.repeat(p.tranche_mw[p.offer_site][:, :, None], n_q, axis=2)  # (O, J, Q)
    d = m.add_variables("displaced", 0.0, ub.ravel(), cost, n=ub.size)
    x = m.variables["conversion"]
    o_idx, j_idx, q_idx = np.meshgrid(np.arange(n_o), np.arange(n_j), np.arange(n_q),
                                      indexing="ij")
    bal_rows = (o_idx * n_q + q_idx).ravel()
    m.add_constraints(
        "displaced-balance-eq",
        n_o * n_q,
        [(bal_rows, d, 1.0), (np.arange(n_o * n_q), x, -p.unit_mw)],
        0.0,
        0.0,
    )
    tr_rows = (p.offer_site[o_idx] * n_j + j_idx).ravel()
    m.add_constraints(
        "displaced-tranche-upper",
        p.n_sites * n_j,
        [(tr_rows, d, 1.0)],
        -np.inf,
        p.tranche_mw.ravel(),
    )
    return d


def ordering_losses(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
    """The loss per MW displaced that :func:`spare_first` and
    :func:`least_efficient_first` test: ``mining_loss_usd_per_mw`` (K, S, J, Q), and in
    the scenarios where a plan can reach the SG&A floor (:func:`floor_scenarios`) also
    the same without the mining terminal value (K', S, J, Q): past the floor a displaced
    MW forgoes none of it (``sga_floor`` gives it back), so its loss is the one to the
    horizon, which may be negative where the whole is not. [USD/MW]"""
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
    x_o, x_q = _x_rows(p)
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


def _x_rows(p: PlanProblem) -> tuple[IntArray, IntArray]:
    """Offer and quarter of each ``conversion`` column."""
    o, q = np.meshgrid(np.arange(p.n_offers), np.arange(p.n_quarters), indexing="ij")
    return o.ravel(), q.ravel()


def define_site_limits(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-interconnection-upper`` and ``conversion-regulation-upper``."""
    x = m.variables["conversion"]
    o, _ = _x_rows(p)
    site = p.offer_site[o]
    m.add_constraints(
        "conversion-interconnection-upper", p.n_sites, [(site, x, p.unit_mw)], -np.inf,
        p.site_limit_mw,
    )
    capped = np.flatnonzero(np.isfinite(p.rule_cap_mw))
    row_of = np.full(p.n_sites, -1)
    row_of[capped] = np.arange(capped.size)
    keep = row_of[site] >= 0
    m.add_constraints(
        "conversion-regulation-upper", capped.size, [(row_of[site][keep], x[keep], p.unit_mw)],
        -np.inf, p.rule_cap_mw[capped],
    )


def define_build_capacity(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-build-upper``: MW starting per quarter (rows only when limited)."""
    x = m.variables["conversion"]
    _, q = _x_rows(p)
    n = p.n_quarters if np.isfinite(p.build_mw_per_quarter) else 0
    terms = [(q, x, p.unit_mw)] if n else []
    m.add_constraints("conversion-build-upper", n, terms, -np.inf, p.build_mw_per_quarter)


def define_tenant_demand(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-tenant-upper``: critical IT MW leased <= the tenant's demand."""
    x = m.variables["conversion"]
    o, _ = _x_rows(p)
    demand = np.array([t.it_mw for t in p.tenants])
    finite = np.flatnonzero(np.isfinite(demand))
    row_of = np.full(len(p.tenants), -1)
    row_of[finite] = np.arange(finite.size)
    rows = row_of[p.offer_tenant[o]]
    keep = rows >= 0
    coef = (p.unit_mw / p.offer_pue[o])[keep]
    m.add_constraints(
        "conversion-tenant-upper", finite.size, [(rows[keep], x[keep], coef)], -np.inf,
        demand[finite],
    )


def define_budget(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-budget-upper`` (equity capex per year, with the rules' site costs of
    the first year, paid from equity) and ``conversion-debt-upper``."""
    x = m.variables["conversion"]
    o, q = _x_rows(p)
    years = np.flatnonzero(np.isfinite(p.budget_usd_per_year))
    eq = (1.0 - p.loan_to_cost_fraction) * p.unit_mw / USD_SCALE
    coef = p.capex_usd_per_mw_by_year[o, q][:, years] * eq  # (n_x, n_y)
    rows = np.broadcast_to(np.arange(years.size), coef.shape)
    cols = np.broadcast_to(x[:, None], coef.shape)
    nz = coef != 0
    terms = [(rows[nz], cols[nz], coef[nz])]
    # a rule's site cost is paid in the horizon's first month, as pivot pays it (with the
    # hall capex, not financed by the project loan): in model year 0's row, when it has one
    z = m.variables["site_started"]
    costly = np.flatnonzero(p.site_cost_usd > 0)
    if years.size and years[0] == 0 and costly.size:
        terms.append((np.zeros(costly.size, dtype=np.int64), z[costly],
                      p.site_cost_usd[costly] / USD_SCALE))
    m.add_constraints(
        "conversion-budget-upper", years.size, terms, -np.inf,
        p.budget_usd_per_year[years] / USD_SCALE,
    )
    n = 1 if np.isfinite(p.debt_capacity_usd) else 0
    # the debt of each whole build, a hall started near the horizon's end included
    dcoef = p.capex_total_usd_per_mw[o, q] * p.loan_to_cost_fraction * p.unit_mw / USD_SCALE
    terms = [(np.zeros(x.size, dtype=np.int64), x, dcoef)] if n else []
    m.add_constraints("conversion-debt-upper", n, terms, -np.inf,
                      p.debt_capacity_usd / USD_SCALE)


def add_site_started(m: LinearModel, p: PlanProblem, cost: FloatArray) -> IntArray:
    """``site_started``: binary, 1 where a site with rule costs converts (fixed at 0 at a
    site without). [-]"""
    costly = p.site_cost_usd > 0
    return m.add_variables("site_started", 0.0, np.where(costly, 1.0, 0.0), cost,
                           integer=True, n=p.n_sites)


def define_site_cost(m: LinearModel, p: PlanProblem) -> None:
    """``site_started-cost-upper``: a site with rule costs converts only if it pays them."""
    x = m.variables["conversion"]
    z = m.variables["site_started"]
    o, _ = _x_rows(p)
    sites = np.flatnonzero(p.site_cost_usd > 0)
    row_of = np.full(p.n_sites, -1)
    row_of[sites] = np.arange(sites.size)
    rows = row_of[p.offer_site[o]]
    keep = rows >= 0
    m.add_constraints(
        "site_started-cost-upper",
        sites.size,
        [(rows[keep], x[keep], p.unit_mw), (np.arange(sites.size), z[sites],
                                             -p.site_limit_mw[sites])],
        -np.inf,
        0.0,
    )


def cvar_tail(k: int, alpha: float) -> int:
    """Scenarios the CVaR of ``k`` averages, ``ceil(alpha k)``: the shortfalls' divisor in
    the Rockafellar-Uryasev form. With ``alpha k`` itself (1.5 of 30 scenarios) its
    optimum would weigh the worst scenario 1 and the next 0.5, not the mean of the worst
    two that :func:`hashpivot.risk_measures.cvar` reports. [-]"""
    return tail_size(k, alpha)


def define_cvar(m: LinearModel, p: PlanModel, obj: ObjectiveSpec) -> None:
    """``cvar_threshold``, ``cvar_shortfall`` and their rows (only with risk aversion);
    a scenario's NPV there holds its ``sga_floor``."""
    lam = obj.risk_aversion
    k = p.npv_matrix_usd.shape[0]
    n_rows = k if lam > 0 else 0
    eta = m.add_variables("cvar_threshold", -np.inf, np.inf, -lam, n=1 if lam > 0 else 0)
    s = m.add_variables(
        "cvar_shortfall", 0.0, np.inf, lam / cvar_tail(k, obj.alpha), n=n_rows
    )
    terms = []
    if n_rows:
        a = p.npv_matrix_usd / USD_SCALE
        rows = np.broadcast_to(np.arange(k)[:, None], a.shape)
        cols = np.broadcast_to(p.npv_cols[None, :], a.shape)
        nz = a != 0
        terms = [
            (rows[nz], cols[nz], a[nz]),
            (np.arange(k), s, 1.0),
            (np.arange(k), np.repeat(eta, k), -1.0),
        ]
        floor = m.variables.get("sga_floor", np.zeros(0, dtype=np.int64))
        if floor.size:
            terms.append((np.arange(k), floor, 1.0))
    m.add_constraints(
        "cvar_shortfall-scenario-lower", n_rows, terms,
        -p.baseline_npv_usd / USD_SCALE if n_rows else 0.0, np.inf,
    )


def build_plan_model(
    p: PlanProblem,
    c: ScenarioCoefficients,
    obj: ObjectiveSpec,
    fixed_conversion_mw: FloatArray | None = None,
    spare_first_sites: IntArray | None = None,
    ordered_sites: IntArray | None = None,
    sga_floor: bool | None = None,
) -> PlanModel:
    """The decision model on K scenarios.

    Parameters
    ----------
    p : PlanProblem
    c : ScenarioCoefficients
        K scenarios.
    obj : ObjectiveSpec
    fixed_conversion_mw : ndarray (O, Q), optional
        Fix the conversions (to value a given plan: only displacement is optimized).
    spare_first_sites : ndarray of int, optional
        Sites where spare capacity must be converted first (binaries); default: the sites
        with spare capacity where displacing miners would pay on some scenario of ``c``
        (:func:`spare_first_sites`). Pass it to give models of scenario subsets the same
        columns.
    ordered_sites : ndarray of int, optional
        Sites whose fleet tranches are displaced in pivot's order, least efficient first
        (binaries); default: :func:`least_efficient_first` on ``c``. Pass it as
        ``spare_first_sites``.
    sga_floor : bool, optional
        Give every scenario the columns of :func:`define_sga_floor`; default: where a plan
        may go past the floor on some scenario of ``c`` (:func:`floor_scenarios`). Pass
        it to give models of scenario subsets the same columns.
    """
    a = _scenario_npv_matrix(p, c)
    cost = -(1.0 - obj.risk_aversion) * a.mean(axis=0) / USD_SCALE  # minimized
    n_x = p.n_offers * p.n_quarters
    n_d = n_x * p.n_tranches
    m = LinearModel(n_intervals=0)
    x = define_conversion(m, p, cost[:n_x], fixed_conversion_mw)
    d = define_displaced(m, p, cost[n_x : n_x + n_d])
    sites = spare_first_sites if spare_first_sites is not None else spare_first(p, c)
    define_spare_first(m, p, sites)
    ordered = ordered_sites if ordered_sites is not None else least_efficient_first(p, c)
    define_least_efficient_first(m, p, ordered)
    define_site_limits(m, p)
    define_build_capacity(m, p)
    define_tenant_demand(m, p)
    z = add_site_started(m, p, cost[n_x + n_d :])  # before the budget rows that use it
    define_budget(m, p)
    define_site_cost(m, p)
    reach = bool(floor_scenarios(p, c).any())
    floor = reach if sga_floor is None else sga_floor
    define_sga_floor(m, p, c, -(1.0 - obj.risk_aversion) / c.n_scenarios, floor)
    pm = PlanModel(
        m=m,
        npv_cols=np.concatenate([x, d, z]),
        npv_matrix_usd=a,
        baseline_npv_usd=c.baseline_npv_usd,
        integer=(p.integer or bool((p.site_cost_usd > 0).any()) or bool(sites.size)
                 or bool(ordered.size) or reach),
    )
    define_cvar(m, pm, obj)
    return pm
