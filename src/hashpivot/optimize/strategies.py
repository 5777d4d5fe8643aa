"""Simple strategies to beat: convert nothing, all now, half now, each site alone.

Each is a conversion array ``(O, Q)`` [MW] built greedily from the problem's bounds: a
site's MW start in the first quarter any of its offers may start, leased to the offers
with the highest hosting value per MW first, within each tenant's demand and in whole hall
blocks. Budgets and build capacity are not considered here: a strategy that breaks them is
reported infeasible by the evaluation.
"""

from __future__ import annotations

import math

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.optimize.inputs import PlanProblem


def _site_now(p: PlanProblem, site: int, mw: float, x: FloatArray, it_left: FloatArray) -> None:
    offers = np.flatnonzero(p.offer_site == site)
    open_q = [int(np.argmax(p.x_upper_mw[o] > 0)) for o in offers if p.x_upper_mw[o].max() > 0]
    if not open_q:
        return
    q = min(open_q)
    left = mw - x[offers].sum()
    order = sorted(offers, key=lambda o: -p.hosting_npv_usd_per_mw[o, q])
    for o in order:
        if left <= 1e-9:
            break
        t = p.offer_tenant[o]
        cap_t = it_left[t] * p.offer_pue[o]
        take = min(left, p.x_upper_mw[o, q] - x[o, q], cap_t)
        take = math.floor(take / p.unit_mw + 1e-9) * p.unit_mw
        if take <= 0:
            continue
        x[o, q] += take
        it_left[t] -= take / p.offer_pue[o]
        left -= take


#: The strategy of the conversions ``--fixed-through`` commits and no other.
COMMITTED_ONLY = "committed_only"


def simple_strategies(p: PlanProblem) -> dict[str, FloatArray]:
    """Named conversion arrays ``(O, Q)`` [MW]; ``keep_mining`` first: no conversion at
    all, the keep-mining every value "over keep-mining" is measured against (the same
    paths' ``baseline_npv_usd``, pivot's ``keep_mining``), also where conversions are
    committed; then, with those, :data:`COMMITTED_ONLY`; the others build on them."""
    limit = np.minimum(p.site_limit_mw, p.rule_cap_mw)
    has_offer = np.array([np.any(p.offer_site == s) for s in range(p.n_sites)])

    def build(share: FloatArray) -> FloatArray:
        x = p.x_lower_mw.copy()
        it_left = np.array([t.it_mw for t in p.tenants], dtype=float)
        for o in range(p.n_offers):
            it_left[p.offer_tenant[o]] -= x[o].sum() / p.offer_pue[o]
        for s in range(p.n_sites):
            if share[s] > 0 and has_offer[s]:
                _site_now(p, s, share[s] * limit[s], x, it_left)
        return x

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
