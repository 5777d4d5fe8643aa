"""The file's ``[[sites.hosting.phases]]`` in the optimizer's resolved assumptions.

The phases are a conversion plan written in the file: ``pivot`` and ``simulate`` value them
as their ``phased`` strategy, while the optimizer chooses its own halls (quarter, site, MW,
tenant) and neither builds nor values them (``optimize --out`` writes its plan in these
tables, for ``pivot`` to value). Until 2026-12-08 its resolved assumptions printed a hall
leased on its own terms as ``pivot`` does, source ``"file"`` (its rent read as one the
plan earns), and nothing of a hall on the site's terms; :func:`phase_facts` records every
phase of the sites valued and :func:`phase_rows` gives one row a site saying they are not
used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hashpivot.engines.pivot.site_rows import lease_text
from hashpivot.models.hosting import LEASE_TERM_FIELDS

if TYPE_CHECKING:
    from hashpivot.engines.pivot.site_inputs import SiteInputs
    from hashpivot.models import Portfolio

__all__ = ["PHASES_NOT_USED", "phase_facts", "phase_rows"]

#: The source of a site's phases row in ``optimize``.
PHASES_NOT_USED = ("file; the optimizer chooses its own halls (one it must build: "
                   "[[optimize.committed]]); pivot and simulate value these phases as their "
                   "phased strategy")


def phase_facts(portfolio: Portfolio, sites: list[SiteInputs]) -> list[dict[str, Any]]:
    """Every ``[[sites.hosting.phases]]`` entry of the sites valued, by site: its start
    [YYYY-MM], gross MW [MW], tenant, (leased on its own terms) its lease terms, the
    site's where it sets none, and (below 1) its tenant's probability of signing [-]; the
    sites without phases are left out."""
    out = []
    for s in sites:
        hosting = portfolio.sites[s.index].hosting
        phases = hosting.phases if hosting is not None else []
        if not phases:
            continue
        out.append({"site": s.name, "halls": [
            {"start": ph.start, "gross_mw": float(ph.gross_mw), "tenant": ph.tenant,
             **({"lease": {f: float(getattr(ph, f) if getattr(ph, f) is not None
                                    else getattr(s.hosting, f)) for f in LEASE_TERM_FIELDS}}
                if ph.lease_terms() else {}),
             **({"probability_signing": ph.resolved_probability_signing}
                if ph.resolved_probability_signing < 1.0 else {})}
            for ph in phases]})
    return out


def _hall_text(hall: dict[str, Any]) -> str:
    """One phase in words: "2026-07 50 MW (T1) at 400 USD/kW/month +3 %/yr for 12 years,
    P(signing) 0.6"."""
    who = f" ({hall['tenant']})" if hall.get("tenant") else ""
    terms = f"at {lease_text(hall['lease'])}" if "lease" in hall else "on the site's terms"
    signs = (f", P(signing) {hall['probability_signing']:g}"
             if "probability_signing" in hall else "")
    return f"{hall['start']} {hall['gross_mw']:g} MW{who} {terms}{signs}"


def phase_rows(facts: list[dict[str, Any]], several_sites: bool) -> list[dict[str, Any]]:
    """One row a site of :func:`phase_facts`: its phases, not used by the optimizer (the
    site's name before the field when ``several_sites`` are valued)."""
    rows = []
    for site in facts:
        halls = site["halls"]
        mw = sum(h["gross_mw"] for h in halls)
        rows.append({
            "name": (f"{site['site']}: " if several_sites else "") + "[sites.hosting.phases]",
            "value": (f"not used: {len(halls)} hall{'s' if len(halls) > 1 else ''}, "
                      f"{mw:g} MW ({'; '.join(_hall_text(h) for h in halls)})"),
            "unit": "-", "source": PHASES_NOT_USED})
    return rows
