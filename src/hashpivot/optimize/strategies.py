"""Simple strategies to beat: convert nothing, all now, half now, each site alone.

Each is a conversion array ``(O, Q)`` [MW] built greedily from the problem's bounds
(:func:`paced_conversions`): as fast as the build crews, the tenants and the rules allow.
From the first quarter, each quarter's build capacity (``build_mw_per_quarter``) is filled
with the MW a site still has to convert, in the offers open that quarter (a tenant from
its ``earliest_start``, a site once connected, outside a study delay or a moratorium),
the offers with the highest hosting value per MW that quarter first, each within its
tenant's IT MW left and its site's MW left (``site_limit_mw`` and a rule's cap), in whole
hall blocks. The budget and the debt capacity are not considered here: a strategy that
breaks them is reported infeasible by the evaluation, with the limits it breaks
(:func:`hashpivot.optimize.evaluate.broken_limits`).
"""

from __future__ import annotations

import math

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.optimize.inputs import PlanProblem

#: The strategy of the conversions ``--fixed-through`` commits and no other.
COMMITTED_ONLY = "committed_only"


def paced_conversions(p: PlanProblem, target_mw: FloatArray) -> FloatArray:
    """Conversions (O, Q) [MW] that bring each site to ``target_mw`` (S,) [MW] (the
    committed conversions ``x_lower_mw`` counted) as fast as the bounds allow.

    Quarter by quarter from the first: the offers open that quarter (``x_upper_mw`` > 0:
    the tenant's earliest start, the site's connection, the regulation rules) take MW in
    order of hosting value per MW that quarter (``hosting_npv_usd_per_mw``), highest first
    (the offer's index breaks ties), each ``min(site's MW left, tenant's IT MW left x the
    offer's PUE, build capacity left that quarter)``, rounded down to whole blocks of
    ``unit_mw`` when the plan is in blocks. The build capacity is never exceeded (a
    committed quarter above it gets nothing more); budget and debt are left to the
    evaluation.

    Parameters
    ----------
    p : PlanProblem
        The problem (bounds, tenants, build capacity).
    target_mw : numpy.ndarray
        (S,) gross MW each site converts in all, committed MW included. [MW]

    Returns
    -------
    numpy.ndarray
        (O, Q) gross MW starting construction per offer and quarter. [MW]
    """
    x = p.x_lower_mw.copy()
    it_left = np.array([t.it_mw for t in p.tenants], dtype=float)
    for o in range(p.n_offers):
        it_left[p.offer_tenant[o]] -= x[o].sum() / p.offer_pue[o]
    site_left = np.asarray(target_mw, dtype=float) - np.bincount(
        p.offer_site, weights=x.sum(axis=1), minlength=p.n_sites)
    build_left = p.build_mw_per_quarter - x.sum(axis=0)  # (Q,), inf when unlimited
    for q in range(p.n_quarters):
        open_offers = [o for o in range(p.n_offers) if p.x_upper_mw[o, q] > x[o, q]]
        for o in sorted(open_offers, key=lambda o: (-p.hosting_npv_usd_per_mw[o, q], o)):
            s, t = p.offer_site[o], p.offer_tenant[o]
            take = min(site_left[s], p.x_upper_mw[o, q] - x[o, q],
                       it_left[t] * p.offer_pue[o], build_left[q])
            if p.integer:
                take = math.floor(take / p.unit_mw + 1e-9) * p.unit_mw
            if take <= 1e-9:
                continue
            x[o, q] += take
            it_left[t] -= take / p.offer_pue[o]
            site_left[s] -= take
            build_left[q] -= take
    return x


def simple_strategies(p: PlanProblem) -> dict[str, FloatArray]:
    """Named conversion arrays ``(O, Q)`` [MW]; ``keep_mining`` first: no conversion at
    all, the keep-mining every value "over keep-mining" is measured against (the same
    paths' ``baseline_npv_usd``, pivot's ``keep_mining``), also where conversions are
    committed; then, with those, :data:`COMMITTED_ONLY`; the others
    (:func:`paced_conversions`) build on them: ``convert_all_now`` every site with an
    offer to its convertible MW within a rule's cap, ``convert_half_now`` to half of it,
    ``only_<site>`` that site alone to all of it."""
    limit = np.minimum(p.site_limit_mw, p.rule_cap_mw)
    has_offer = np.array([np.any(p.offer_site == s) for s in range(p.n_sites)])

    def build(share: FloatArray) -> FloatArray:
        return paced_conversions(p, np.where(has_offer, share * limit, 0.0))

    out = {"keep_mining": np.zeros_like(p.x_lower_mw)}  # the baseline of every comparison
    if p.x_lower_mw.any():
        out[COMMITTED_ONLY] = p.x_lower_mw.copy()
    out["convert_all_now"] = build(np.ones(p.n_sites))
    out["convert_half_now"] = build(np.full(p.n_sites, 0.5))
    for s, site in enumerate(p.sites):
        if has_offer[s]:
            share = np.zeros(p.n_sites)
            share[s] = 1.0
            out[f"only_{site.name}"] = build(share)
    return out
