"""What the plan cannot use of its inputs, one note each, at the input's path where the
file has one: hall blocks no site or tenant holds (:func:`block_notes`), tenants that
start after the plan (:func:`late_tenant_notes`) and budget years past it
(:func:`budget_notes`). The plan alone does not say why it leaves them out.
"""

from __future__ import annotations

import numpy as np

from hashpivot.optimize.inputs import PlanProblem

__all__ = ["block_notes", "budget_notes", "late_tenant_notes"]


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
    left out without a word). One sentence each."""
    return [f"tenant {t.name}: its earliest_start is after the plan's last quarter "
            f"({p.quarters[-1]}): the plan cannot lease it a hall (a longer horizon: "
            "[optimize] or [pivot] horizon_years; or an earlier earliest_start)"
            for t in p.tenants if p.quarters and t.earliest_quarter >= p.n_quarters]


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
