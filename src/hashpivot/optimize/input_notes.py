"""What the plan cannot use of its inputs, one note each, at the input's path where the
file has one: hall blocks no site or tenant holds (:func:`block_notes`), tenants that
start after the plan (:func:`late_tenant_notes`) or want more than every site they may
lease at can convert (:func:`tenant_size_notes`), and budget years past the plan
(:func:`budget_notes`). The plan alone does not say why it leaves them out.
"""

from __future__ import annotations

import numpy as np

from hashpivot.optimize.inputs import PlanProblem

__all__ = ["block_notes", "budget_notes", "late_tenant_notes", "tenant_size_notes"]


def block_notes(p: PlanProblem) -> list[str]:
    """The sites with offers whose convertible MW (within a rule's cap) hold no whole hall
    block, and the tenants whose IT MW (in gross MW at their offers' PUE) hold none: the
    MILP cannot convert there or lease to them, which the plan alone does not say. One
    sentence each; none with ``continuous``."""
    if not p.integer:
        return []
    limit = np.minimum(p.site_limit_mw, p.rule_cap_mw)
    block = f"no whole block of {p.unit_mw:g} MW ([optimize].block_mw)"
    notes = [
        f"{site.name}: its {limit[s]:g} MW convertible hold {block}: the plan cannot "
        "convert there (a smaller block_mw, or `continuous`)"
        for s, site in enumerate(p.sites)
        if np.any(p.offer_site == s) and 0 < limit[s] < p.unit_mw - 1e-9
    ]
    for k, tenant in enumerate(p.tenants):
        offers = np.flatnonzero(p.offer_tenant == k)
        if not offers.size or not np.isfinite(tenant.it_mw):
            continue
        pue = float(p.offer_pue[offers].max())  # its largest hall in gross MW
        gross = tenant.it_mw * pue
        if 0 < gross < p.unit_mw - 1e-9:
            notes.append(f"tenant {tenant.name}: its {tenant.it_mw:g} IT MW ({gross:g} MW "
                         f"gross at PUE {pue:g}) hold {block}: the plan cannot lease it a "
                         "hall (a smaller block_mw, or `continuous`)")
    return notes


def late_tenant_notes(p: PlanProblem) -> list[str]:
    """The tenants whose ``earliest_start`` is after the plan's last quarter: the plan
    cannot lease them a hall, which the plan alone does not say (a tenant of 2199Q1 was
    left out without a word). One sentence each, at the field. Not refused: a tenant
    list may serve a longer horizon."""
    return [f"optimize.tenants[{k}].earliest_start: tenant {t.name}: its earliest_start is "
            f"after the plan's last quarter ({p.quarters[-1]}): the plan cannot lease it a "
            "hall (a longer horizon: [optimize] or [pivot] horizon_years; or an earlier "
            "earliest_start)"
            for k, t in enumerate(p.tenants) if p.quarters and t.earliest_quarter >= p.n_quarters]


def tenant_size_notes(p: PlanProblem) -> list[str]:
    """The tenants whose ``it_mw`` is more than every site they may lease at can convert
    together (each site's convertible MW within a rule's cap, over the PUE of its offer):
    the plan leases them at most that, as it leases any tenant part of its MW when the
    budget or the build pace binds, but the rest can never be had, which the plan alone
    did not say (examples/portfolio.toml with a 5,000 IT MW tenant: 200 leased, no word).
    One sentence each, at the field. Not refused: a partial lease is a plan."""
    limit = np.minimum(p.site_limit_mw, p.rule_cap_mw)
    notes = []
    for k, tenant in enumerate(p.tenants):
        offers = np.flatnonzero(p.offer_tenant == k)
        if tenant.implicit or not offers.size:
            continue
        it_mw = [(p.sites[p.offer_site[o]].name, float(limit[p.offer_site[o]] / p.offer_pue[o]))
                 for o in offers]
        total = sum(mw for _, mw in it_mw)
        if tenant.it_mw > total + 1e-9:
            each = ", ".join(f"{name} {round(mw, 1):,g}" for name, mw in it_mw)
            notes.append(
                f"optimize.tenants[{k}].it_mw: tenant {tenant.name} would lease "
                f"{tenant.it_mw:,g} IT MW, more than every site it may lease at can convert "
                f"together ({round(total, 1):,g} IT MW: {each}, gross MW / PUE): the plan "
                f"leases it at most {round(total, 1):,g} IT MW")
    return notes


def budget_notes(p: PlanProblem) -> list[str]:
    """The note of an ``[optimize] equity_budget_usd_per_year`` list with more values than
    the model years the plan pays capex in (the horizon's, and those a hall started near
    its end is still paid in): the values past them are not used (they were ignored
    without a word). A list gives years 1, 2, ..., its last value repeating."""
    budget = p.spec.equity_budget_usd_per_year
    n_y = len(p.budget_usd_per_year)
    if not isinstance(budget, list) or len(budget) <= n_y:
        return []
    return [f"optimize.equity_budget_usd_per_year: values {n_y + 1} to {len(budget)} not "
            f"used: the plan pays capex in {n_y} model years (the horizon's, and those a "
            "hall started near its end is still paid in)"]
