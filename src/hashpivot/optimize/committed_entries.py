"""Where a conversion may start, and each ``[[optimize.committed]]`` entry checked on its own.

The plan's bounds and the committed entries read the same start bars
(:func:`barred_starts`: a tenant's earliest start, a site's connection, the regulation
rules). Each entry is checked against its site, tenant, quarter and MW, with the entries
before it (:func:`committed_conversions`), whether or not a plan fixes it; what the
entries a plan does not fix leave to it is said (:func:`unfixed_note`). What the fixed
entries pay together, year by year, is checked in
:mod:`~hashpivot.optimize.committed_budget`; both are called by
:func:`~hashpivot.optimize.resolve.resolve_problem`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.engines.pivot import SiteInputs
from hashpivot.engines.pivot.connection import earliest_build_start
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.optimize import OptimizeSpec, quarter_period
from hashpivot.models.portfolio import find_site
from hashpivot.regulation import SiteRuleEffects

if TYPE_CHECKING:
    from hashpivot.optimize.inputs import Tenant


def quarter_index(labels: list[str], quarter: str) -> int:
    """First quarter index whose label is at or after ``quarter`` (``len(labels)`` when
    none is): a committed entry's quarter, a tenant's ``earliest_start``, ``fixed_through``."""
    target = quarter_period(quarter)
    for i, lab in enumerate(labels):
        if quarter_period(lab) >= target:
            return i
    return len(labels)


def barred_starts(sites: list[SiteInputs], tenants: list[Tenant],
                   effects: list[SiteRuleEffects], o_site: IntArray, o_ten: IntArray,
                   offer_specs: list[HostingProjectSpec], months: list[pd.Period],
                   ) -> dict[tuple[int, int], str]:
    """The (offer, quarter) pairs in which no conversion may start, each with why: before
    the tenant's ``earliest_start``, a hall that would go into service before its site is
    connected (as pivot moves them), a regulation rule
    (:meth:`~hashpivot.regulation.SiteRuleEffects.barred_start`). The plan's bounds and
    the committed entries' check (:func:`committed_conversions`) read the same."""
    out: dict[tuple[int, int], str] = {}
    for o in range(o_site.size):
        site, tenant = sites[o_site[o]], tenants[o_ten[o]]
        construction = int(offer_specs[o].construction_months)
        earliest = earliest_build_start(site.connection_date, construction)
        for q, month in enumerate(months):
            why = effects[o_site[o]].barred_start(q, month.start_time.date())
            if earliest is not None and month < earliest:
                why = (f"a hall started then ({construction} construction months) would go "
                       f"into service before {site.name} is connected "
                       f"({site.connection_date})")
            if q < tenant.earliest_quarter:
                why = (f"before {tenant.name}'s earliest_start "
                       f"{months[tenant.earliest_quarter].asfreq('Q')}"
                       if tenant.earliest_quarter < len(months)
                       else f"{tenant.name}'s earliest_start is after the horizon")
            if why is not None:
                out[(o, q)] = why
    return out


def committed_conversions(
    spec: OptimizeSpec, sites: list[SiteInputs], tenants: list[Tenant], o_site: IntArray,
    o_ten: IntArray, pue: FloatArray, quarters: list[str], site_limit: FloatArray,
    rule_cap: FloatArray, unit: float, integer: bool, barred: dict[tuple[int, int], str],
    source: str,
) -> tuple[list[tuple[int, int, int, float]], list[Problem], list[str]]:
    """Check every ``[[optimize.committed]]`` entry, whether or not a plan fixes it.

    An entry names a site (:func:`~hashpivot.models.portfolio.find_site`'s rule), a
    quarter within the horizon (one before it is history: a note) in which its offer may
    start (``barred``: the tenant's earliest start, the site's connection, the regulation
    rules, as the plan's free conversions; :func:`barred_starts`), a tenant offered at
    that site (none: the site's own
    ``[sites.hosting]`` terms, offered only without a tenant pipeline), and gross MW in
    whole blocks that, with the entries before it, fit the MW the site may convert
    (``site_limit``, a rule's cap ``rule_cap``), the tenant's critical IT MW at the offer's
    PUE and the build capacity of its quarter.

    Returns
    -------
    committed : list of (entry, offer, quarter, gross_mw)
        The entries without problems: their index, offer and quarter index; [MW].
    problems : list of Problem
        At ``optimize.committed[i].<field>``, from ``source``.
    past : list of str
        A note per entry before the plan's first quarter (not part of the plan).
    """
    problems: list[Problem] = []
    past: list[str] = []
    out: list[tuple[int, int, int, float]] = []
    by_site = np.zeros(len(sites))  # [MW]
    by_tenant = np.zeros(len(tenants))  # IT [MW]
    by_quarter = np.zeros(len(quarters))  # [MW]
    names = [t.name for t in tenants]
    for ci, c in enumerate(spec.committed):
        where = f"optimize.committed[{ci}]"
        found: list[Problem] = []
        try:
            si, site = find_site(sites, c.site)
        except InputError as exc:
            found += [Problem(f"{where}.site", p.message, source) for p in exc.problems]
            si, site = -1, None
        if quarter_period(c.quarter) < quarter_period(quarters[0]):
            # history by the time the plan starts (its default start moves with `data
            # update`): said, not refused
            past.append(f"{where} ({c.site}, {c.quarter}, {c.gross_mw:g} MW) is before the "
                        f"plan's first quarter {quarters[0]}: not part of the plan (a hall "
                        "built and leased by then belongs in "
                        "[[sites.hosting.in_service]]: its MW kept from capacity_mw, "
                        "its rent in every plan)")
            continue
        q = quarter_index(quarters, c.quarter)
        if q >= len(quarters) or quarters[q] != c.quarter:
            found.append(Problem(f"{where}.quarter", f"{c.quarter} is after the horizon "
                                 f"{quarters[0]}..{quarters[-1]}", source))
        blocks = c.gross_mw / unit
        if integer and abs(blocks - round(blocks)) > 1e-9:
            found.append(Problem(f"{where}.gross_mw", f"{c.gross_mw:g} MW is not a whole "
                                 f"number of {unit:g} MW blocks ([optimize] block_mw)",
                                 source))
        if site is None:
            problems += found
            continue
        if c.tenant is not None:
            ti = names.index(c.tenant) if c.tenant in names else -1
        else:  # the site's own terms: the implicit tenant of a site with [sites.hosting]
            ti = next((k for k, t in enumerate(tenants)
                       if t.implicit and t.name == f"{site.name} (site terms)"), -1)
        match = np.flatnonzero((o_site == si) & (o_ten == ti))
        if match.size == 0:
            here = sorted({tenants[int(t)].name for t in o_ten[o_site == si]
                           if not tenants[int(t)].implicit})
            if c.tenant is None and spec.tenants:
                why = ("no tenant given: a site's own [sites.hosting] terms are offered only "
                       "without [[optimize.tenants]]")
            elif c.tenant is None:
                why = f"{site.name} has no [sites.hosting] terms (other sites do)"
            else:
                why = f"tenant {c.tenant!r} does not take {site.name}"
            offered = f"; tenants offered there: {', '.join(here)}" if here else (
                "; no tenant is offered there" if spec.tenants else "")
            found.append(Problem(f"{where}.tenant", why + offered, source))
        if found:
            problems += found
            continue
        o = int(match[0])
        bar = barred.get((o, q))
        if bar is not None:
            allowed = [k for k in range(len(quarters)) if (o, k) not in barred]
            first = (f"the first quarter allowed is {quarters[allowed[0]]}" if allowed
                     else "no quarter of the horizon is allowed")
            found.append(Problem(f"{where}.quarter", f"{c.quarter}: no conversion may "
                                 f"start at {site.name} for {tenants[ti].name} then: {bar}; "
                                 f"{first} (as for the plan's own conversions)", source))
        # with the entries before it (those without problems)
        at_site, it_mw = by_site[si] + c.gross_mw, by_tenant[ti] + c.gross_mw / pue[o]
        in_quarter = by_quarter[q] + c.gross_mw
        also = f" with the entries before it ({at_site:g} MW)" if by_site[si] else ""
        for limit, what in ((site_limit[si], f"the {site_limit[si]:g} MW {site.name} can "
                             "convert (its convertible_gross_mw within capacity_mw)"),
                            (rule_cap[si], f"the {rule_cap[si]:g} MW a regulation rule lets "
                             f"{site.name} convert")):
            if at_site > limit + 1e-9:
                found.append(Problem(f"{where}.gross_mw", f"{c.gross_mw:g} MW committed at "
                                     f"{site.name}{also} is more than {what}", source))
        demand = tenants[ti].it_mw
        if it_mw > demand + 1e-9:
            found.append(Problem(f"{where}.gross_mw", f"{c.gross_mw:g} MW committed to "
                                 f"{tenants[ti].name} is {it_mw:g} IT MW at the PUE of "
                                 f"{site.name}{' with the entries before it' * bool(by_tenant[ti])}"
                                 f", more than its it_mw = {demand:g}", source))
        build = spec.build_mw_per_quarter
        if build is not None and in_quarter > build + 1e-9:
            found.append(Problem(f"{where}.gross_mw", f"{in_quarter:g} MW committed in "
                                 f"{c.quarter} is more than [optimize] build_mw_per_quarter "
                                 f"= {build:g}", source))
        problems += found
        if not found:
            by_site[si], by_tenant[ti], in_quarter_ = at_site, it_mw, in_quarter
            by_quarter[q] = in_quarter_
            out.append((ci, o, q, float(c.gross_mw)))
    return out, problems, past


def unfixed_note(spec: OptimizeSpec, committed: list[tuple[int, int, int, float]],
                  quarters: list[str], nfix: int, fixed_through: str | None) -> list[str]:
    """What happens to the ``[[optimize.committed]]`` entries a plan does not fix: they
    fix decisions only up to ``fixed_through`` (a rolling plan), so without it, or in
    a later quarter, the plan chooses freely."""
    if not spec.committed:
        return []
    if fixed_through is None:
        n = len(spec.committed)
        return [f"{n} [[optimize.committed]] {'entry fixes' if n == 1 else 'entries fix'} "
                "nothing without `fixed_through` (a quarter YYYYQn: they fix the decisions up "
                "to it, a rolling plan): the plan chooses every quarter freely"]
    later = [f"optimize.committed[{ci}] ({quarters[q]})" for ci, _, q, _ in committed
             if q >= nfix]
    if not later:
        return []
    return [f"{', '.join(later)}: after `fixed_through` {fixed_through}, not fixed: the plan "
            "chooses those quarters freely"]
