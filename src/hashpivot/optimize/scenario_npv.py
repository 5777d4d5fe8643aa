"""Each scenario's NPV of a plan: the linear map the decision model optimizes and the floor
it misses.

A plan's columns (``conversion``, ``displaced``, ``site_started`` of
:mod:`hashpivot.optimize.model`) enter scenario k's NPV linearly:
``NPV_k = baseline_k + A_k @ values`` (:func:`scenario_npv_matrix`), the hosting NPV of
each MW converted (signed tenants only), less the mining lost on each MW displaced and the
rules' site costs, each with its terminal value (:func:`scenario_terminal_value_usd`: the
part past the horizon). pivot floors the mining line's value after the horizon at zero
net of the cash SG&A; where a plan can displace enough to get there
(:func:`floor_scenarios`), :func:`sga_floor_usd` adds what the linear map misses, which
the model gets back with binaries (:func:`~hashpivot.optimize.model.define_sga_floor`).
:func:`scenario_npv_usd` is a solution's NPV on any set of scenarios (in-sample,
out-of-sample, the strategies'). [USD]
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.scenarios import ScenarioCoefficients, subset_of


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


def scenario_npv_matrix(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
    """NPV coefficients (:func:`_scenario_matrix` of the whole values): the
    model's objective and :class:`~hashpivot.optimize.model.PlanModel`'s ``npv_matrix_usd``."""
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
        A solution's values of the model's ``npv_cols``
        (:class:`~hashpivot.optimize.model.PlanModel`).

    Returns
    -------
    ndarray (K,)
        ``c.baseline_terminal_usd + B @ values``, ``B`` the map of
        :func:`_scenario_matrix` of the values past the horizon, the floor of
        :func:`sga_floor_usd`, and the sites' streams no plan changes
        (``c.site_terminal_usd``). [USD]
    """
    mining = np.broadcast_to(c.mining_terminal_usd_per_mw[..., None],
                             c.mining_loss_usd_per_mw.shape)  # the same from every quarter
    b = _scenario_matrix(p, c, p.hosting_terminal_usd_per_mw, mining, np.zeros(p.n_sites))
    site = 0.0 if c.site_terminal_usd is None else c.site_terminal_usd
    return np.asarray(c.baseline_terminal_usd + site + b @ values
                      + sga_floor_usd(p, c, values), dtype=np.float64)


def mining_terminal_matrix(p: PlanProblem, c: ScenarioCoefficients) -> FloatArray:
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
        forgone = -(mining_terminal_matrix(p, subset_of(c, need)) @ values)
        out[need] = np.maximum(forgone - c.baseline_terminal_usd[need], 0.0)
    return out


def scenario_npv_usd(p: PlanProblem, c: ScenarioCoefficients, matrix_usd: FloatArray,
                     values: FloatArray) -> FloatArray:
    """Each scenario's NPV of a solution: ``base + A @ values`` and the floor of
    :func:`sga_floor_usd`. [USD]

    Parameters
    ----------
    matrix_usd : ndarray (K, len(values))
        ``A``, the :class:`~hashpivot.optimize.model.PlanModel`'s ``npv_matrix_usd`` on ``c``.
    values : ndarray
        The solution's values of the model's ``npv_cols``.
    """
    return np.asarray(c.baseline_npv_usd + matrix_usd @ values + sga_floor_usd(p, c, values),
                      dtype=np.float64)
