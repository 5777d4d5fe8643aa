"""Each scenario's NPV in the model's rows, factored by the tenants' signings.

The CVaR rows hold every scenario's NPV of the plan, ``A_k @ v``
(:func:`~hashpivot.optimize.scenario_npv.scenario_npv_matrix`). Written out, a row holds a
coefficient for every conversion and every displaced column of the offers whose tenant
signs in that scenario: about 2,770 on the benchmark's 10 sites x 3 tenants x 40 quarters,
1.38 M of its 1.47 M nonzeros, and most of the time of each LP HiGHS solves.

``A_k`` has structure. An offer's hosting value per MW converted is the same in every
scenario, counted where its tenant signs (``signed[k, l]``); the mining lost per MW of a
tranche displaced depends on the scenario and the site, not the tenant, counted under the
same signing. So, exactly,

``A_k @ v = sum_l signed[k, l] H_l - sum_{s, j, q} loss[k, s, j, q] E[u(k), s, j, q]
+ the rules' site costs``

with a column per tenant, ``tenant_hosting`` ``H_l = sum_{o of l, q} h[o, q] x[o, q]``
[M USD], and per signing pattern ``u`` among the scenarios (``u(k)`` scenario k's: which
tenants sign), a column per site, tranche and quarter, ``pattern_displaced``
``E[u, s, j, q] = sum_{o at s} signed_u[l(o)] d[o, j, q]`` [MW], each defined by an
equality row. A scenario's row then holds one coefficient per tenant and one per site,
tranche and quarter, not one per offer and quarter and per offer, tranche and quarter:
the same rows and optimum with fewer nonzeros (on the benchmark 514,190 in all instead of
1,474,236, and its MILP 2.9 times faster at seed 7: BENCHMARKS.md). Where the patterns
are many (many tenants, each uncertain), the dense rows have fewer nonzeros and are
written out instead (:func:`factored_nonzeros`).
"""

from __future__ import annotations

import numpy as np

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.scenarios import ScenarioCoefficients
from hashpivot.power.lp import LinearModel
from hashpivot.power.lp.container import Term


def signing_patterns(c: ScenarioCoefficients) -> tuple[FloatArray, IntArray]:
    """The distinct rows of ``c.signed`` (U, L) and each scenario's (K,)."""
    patterns, of = np.unique(c.signed, axis=0, return_inverse=True)
    return np.asarray(patterns, dtype=np.float64), np.asarray(of, dtype=np.int64).ravel()


def factored_nonzeros(p: PlanProblem, c: ScenarioCoefficients) -> int:
    """Nonzeros of the factored rows, their columns' defining rows included: to compare
    with the dense rows' (``np.count_nonzero`` of the matrix). [-]"""
    patterns, of = signing_patterns(c)
    sites = np.unique(p.offer_site)
    cells = sites.size * p.n_tranches * p.n_quarters  # (s, j, q) of one pattern
    used = np.flatnonzero(patterns.any(axis=1))
    per_row = np.count_nonzero(patterns[of], axis=1) + np.where(
        patterns[of].any(axis=1), cells, 0) + p.n_sites
    defining = p.n_offers * p.n_quarters + len(p.tenants) + sum(
        cells + p.n_tranches * p.n_quarters
        * int(np.count_nonzero(patterns[u][p.offer_tenant])) for u in used)
    return int(per_row.sum()) + defining


def scenario_npv_terms(
    m: LinearModel, p: PlanProblem, c: ScenarioCoefficients, npv_cols: IntArray,
    matrix_usd: FloatArray, scale: float,
) -> list[Term]:
    """Terms of K rows (row k: ``A_k @ v / scale``), factored (see the module) where
    that has fewer nonzeros than ``matrix_usd`` written out; the factor columns
    (``tenant_hosting``, ``pattern_displaced``) and their rows (``tenant_hosting-def-eq``,
    ``pattern_displaced-def-eq``) are added to ``m``, empty where the rows are written
    out (K = 0 included: the blocks always exist).

    Parameters
    ----------
    m : LinearModel
        The model, its ``conversion`` and ``displaced`` columns in it.
    p : PlanProblem
    c : ScenarioCoefficients
        The K scenarios of ``matrix_usd``.
    npv_cols : ndarray of int
        The columns of ``matrix_usd``: conversion (O Q), displaced (O J Q), site_started.
    matrix_usd : ndarray (K, len(npv_cols))
        ``A`` (K = 0: no rows, as without risk aversion). [USD per column unit]
    scale : float
        USD per model unit of money (the model's ``USD_SCALE``). [USD]

    Returns
    -------
    list of (local rows, columns, coefficients)
        [M USD per column unit]
    """
    k = matrix_usd.shape[0]
    if k == 0 or factored_nonzeros(p, c) >= np.count_nonzero(matrix_usd):
        _empty_factor_blocks(m)
        a = matrix_usd / scale
        rows = np.broadcast_to(np.arange(k)[:, None], a.shape)
        cols = np.broadcast_to(npv_cols[None, :], a.shape)
        nz = a != 0
        return [(rows[nz], cols[nz], a[nz])]
    n_x = p.n_offers * p.n_quarters
    n_d = n_x * p.n_tranches
    x = npv_cols[:n_x].reshape(p.n_offers, p.n_quarters)
    d = npv_cols[n_x:n_x + n_d].reshape(p.n_offers, p.n_tranches, p.n_quarters)
    hosting = _tenant_hosting(m, p, x, scale)
    patterns, of = signing_patterns(c)
    terms: list[Term] = [_nonzero(np.repeat(np.arange(k), hosting.size),
                                  np.tile(hosting, k), c.signed.ravel())]
    sites = np.unique(p.offer_site)
    used = np.flatnonzero(patterns.any(axis=1))  # (no tenant signing: no term)
    e = _pattern_displaced(m, p, d, sites, patterns[used])  # (U', S' J Q)
    loss = c.mining_loss_usd_per_mw[:, sites].reshape(k, -1) / scale  # (K, S' J Q)
    place = np.full(len(patterns), -1)
    place[used] = np.arange(used.size)
    ks = np.flatnonzero(place[of] >= 0)
    terms.append(_nonzero(np.repeat(ks, e.shape[1]), e[place[of[ks]]].ravel(),
                          -loss[ks].ravel()))
    z = matrix_usd[:, n_x + n_d:] / scale  # the rules' site costs, the same in every row
    terms.append(_nonzero(np.repeat(np.arange(k), z.shape[1]),
                          np.tile(npv_cols[n_x + n_d:], k), z.ravel()))
    return terms


def _nonzero(rows: IntArray, cols: IntArray, values: FloatArray) -> Term:
    """The term's entries whose coefficient is not zero."""
    keep = np.asarray(values) != 0
    return rows[keep], cols[keep], np.asarray(values)[keep]


def _empty_factor_blocks(m: LinearModel) -> None:
    """The factor columns and their rows, empty (rows written out, or none): every block
    of the model exists, so no code tests for a block's name."""
    for block in ("tenant_hosting", "pattern_displaced"):
        m.add_variables(block, 0.0, np.inf, 0.0, n=0)
        m.add_constraints(f"{block}-def-eq", 0, [], 0.0, 0.0)


def _tenant_hosting(m: LinearModel, p: PlanProblem, x: IntArray, scale: float) -> IntArray:
    """``tenant_hosting`` H_l [M USD] and ``tenant_hosting-def-eq``:
    ``H_l - sum_{o of l, q} h[o, q] unit_mw x[o, q] / scale = 0``."""
    n_l = len(p.tenants)
    h = m.add_variables("tenant_hosting", -np.inf, np.inf, 0.0, n=n_l)
    value = p.hosting_npv_usd_per_mw * p.unit_mw / scale  # (O, Q) [M USD per block]
    m.add_constraints("tenant_hosting-def-eq", n_l, [
        (np.arange(n_l), h, 1.0),
        (np.repeat(p.offer_tenant, p.n_quarters), x.ravel(), -value.ravel()),
    ], 0.0, 0.0)
    return h


def _pattern_displaced(m: LinearModel, p: PlanProblem, d: IntArray, sites: IntArray,
                       patterns: FloatArray) -> IntArray:
    """``pattern_displaced`` E[u, s, j, q] [MW] of the signing patterns ``patterns``
    (U, L), (U, S' J Q) in the order of ``mining_loss_usd_per_mw[:, sites]`` flattened
    (site, tranche, quarter), and their rows ``pattern_displaced-def-eq``:
    ``E[u] - sum_{o at s} patterns[u, l(o)] d[o, j, q] = 0``."""
    cells = p.n_tranches * p.n_quarters
    n = sites.size * cells
    e = m.add_variables("pattern_displaced", 0.0, np.inf, 0.0,
                        n=len(patterns) * n).reshape(len(patterns), n)
    position = np.full(p.n_sites, -1)
    position[sites] = np.arange(sites.size)
    terms: list[Term] = [(np.arange(e.size), e.ravel(), 1.0)]
    for u, signed in enumerate(patterns):
        for o in np.flatnonzero(signed[p.offer_tenant] != 0):
            rows = u * n + position[p.offer_site[o]] * cells + np.arange(cells)
            terms.append((rows, d[o].ravel(), -signed[p.offer_tenant[o]]))
    m.add_constraints("pattern_displaced-def-eq", e.size, terms, 0.0, 0.0)
    return e
