"""Each valued site's terms that can flip a pivot verdict, with their sources: the hosting
terms the tornado varies and those that size the rent (lease rate, escalator, term, capex
per IT MW, PUE, construction time, tenant default, renewals, opex, recovery after a
default), the site's capacity and grid connection, the power contract, the fleet
(machines, hashrate, efficiency, MW, what is installed when), the mining terms (uptime,
pool fee, overhead), the site costs (fixed, variable, cash SG&A), the halls leased on their
own terms, the dispatch flexibility of a site with ``[sites.dispatch]`` and a fleet kept
where ``[pivot]`` would replace it (a rule, or the file).

:func:`site_assumption_facts` records them when a run resolves its sites (what only the
portfolio knows: which fields the file sets);
:func:`~hashpivot.engines.pivot.site_rows.site_assumption_rows` turns them into rows of
the resolved-assumptions block of ``pivot``, ``simulate`` and ``optimize`` (``name``,
``value``, ``unit``, ``source``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from hashpivot.engines.dispatch.assumptions import measured_terms
from hashpivot.engines.mining_terms import (
    MINING_TERMS,
    availability_facts,
    fleet_facts,
    mining_term_facts,
    power_contract_text,
)
from hashpivot.engines.pivot.in_service import hall_terms, lease_ended
from hashpivot.engines.pivot.uplift.ppa_term import term_text
from hashpivot.models.hosting import LEASE_TERM_FIELDS, HostingProjectSpec
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.engines.pivot.site_inputs import SiteInputs
    from hashpivot.market import MarketPaths
    from hashpivot.models import Portfolio, Site
    from hashpivot.regulation import SiteRuleEffects

#: The hosting terms shown, in order: field, unit.
HOSTING_TERMS: tuple[tuple[str, str], ...] = (
    ("lease_usd_per_kw_month", "USD/kW/month"),
    ("lease_escalator_per_year", "1/year"),
    ("lease_term_years", "year"),
    ("pue", "-"),
    ("construction_months", "month"),
    ("tenant_default_probability_per_year", "1/year"),
    # each can flip the verdict (a renewal counted at half its rent, the opex a triple-net
    # lease leaves the operator, what the replaced machines sell for)
    ("renewal_options", "-"),
    ("renewal_term_years", "year"),
    ("renewal_probability", "-"),
    ("lease_structure", "-"),
    ("it_load_factor", "-"),
    ("opex_usd_per_it_mw_year", "USD/MW/year"),
    ("nnn_operator_opex_fraction", "-"),
    ("default_recovery_fraction", "-"),
    ("asic_resale_usd_per_th", "USD/TH"),
    # each can flip the verdict too (examples/pivot-200mw.toml, NPV vs keep of the
    # convert strategy: 30 months of free rent +202.9 to -39.2 M USD; the fit-out paid by
    # the tenant +202.9 to +631.0; tests/cli/test_verdict_assumptions.py)
    ("rent_start_lag_months", "month"),
    ("prepayment_fraction", "-"),
    ("asic_disposition", "-"),
    ("shell_funded_by", "-"),
    ("fit_out_funded_by", "-"),
)
#: The capex fields per IT MW, shell and fit-out (one row sums them).
CAPEX_FIELDS = ("shell_capex_usd_per_it_mw", "fit_out_capex_usd_per_it_mw")
#: The hall's power price under modified gross; not set: the site's power price.
HALL_POWER_FIELD = "hosting_power_price_usd_per_mwh"


def _central_uplift(portfolio: Portfolio, site: SiteInputs, market: MarketPaths
                    ) -> dict[str, Any]:
    """The dispatch uplift counted on the central path (keep-mining's fleet, each fleet
    entry a tranche at its own margin): per MW still mining, its mean over the horizon and
    over the first and the final year [USD/MW/month] (the entries' weighted by the MW
    keep-mining holds of each, running that month: installed and connected; over the
    months some run), ``by_entry`` each entry's mean
    (several entries only), and
    ``by_month`` what each entry's uplift is made of month by month
    (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.breakdown`; a row per
    entry and month, ``fleet_entry`` naming the entry)."""
    import numpy as np

    from hashpivot.engines.pivot.availability import running_share
    from hashpivot.engines.pivot.fleet import site_market, uplift_arguments
    from hashpivot.engines.pivot.inputs import _pivot_spec
    from hashpivot.engines.pivot.tranches import (
        fleet_tranches,
        tranche_entries,
        tranche_labels,
        tranche_mw,
    )

    assert site.dispatch_uplift is not None
    parts = fleet_tranches(site)
    if parts:  # keep-mining's MW of each (the least efficient beyond the capacity idle)
        start_mw = np.array([min(site.fleet_power_mw, site.capacity_mw)])
        blocks = [(part, label, float(mw[0]), entry) for part, label, mw, entry in zip(
            parts, tranche_labels(site), tranche_mw(parts, start_mw), tranche_entries(site),
            strict=True) if mw[0] > 0]
    else:
        blocks = [(site, site.fleet_entries[0][0] if site.fleet_entries else "", 1.0, 0)]
    # entries of one name told apart by their order (#2...): their position among the
    # entries valued is not the file's where some ended before the first month
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for _, label, _, entry in sorted(blocks, key=lambda b: b[3]):
        if entry not in names:
            seen[label] = seen.get(label, 0) + 1
            names[entry] = label if seen[label] == 1 else f"{label} (#{seen[label]})"
    months = [str(p) for p in market.periods]
    by_month: dict[str, list[Any]] = {"month": [], "fleet_entry": []}
    weighted = np.zeros(market.n_periods)
    weights = np.zeros(market.n_periods)
    by_entry: dict[str, float] = {}
    listed: set[int] = set()
    for part, _, mw, entry in blocks:
        # each block by the MW it holds running, installed and connected (a swap's
        # units in turn, each once)
        weight = mw * running_share(part, market.periods)
        sm = site_market(part, _pivot_spec(portfolio), market)
        assert part.dispatch_uplift is not None  # (its entry's own, or the site's)
        parts_of = part.dispatch_uplift.breakdown(uplift_arguments(
            part, market, sm.th_s_per_mw, sm.hashprice_usd_per_th_day,
            sm.power_price_usd_per_mwh))
        rows = {name: np.broadcast_to(a, (market.n_paths, market.n_periods))[0]
                for name, a in parts_of.items()}
        weighted += weight * rows["uplift_usd_per_mw_month"]
        weights += weight
        if entry in listed:  # another band of the same entry (a swap)
            continue
        listed.add(entry)
        by_month["month"] += months
        by_month["fleet_entry"] += [names[entry]] * len(months)
        for name, values in rows.items():
            by_month.setdefault(name, []).extend(values.tolist())
        runs = weight > 0  # (the months it runs)
        by_entry[names[entry]] = float(
            rows["uplift_usd_per_mw_month"][runs].mean()) if runs.any() else 0.0
    u = np.divide(weighted, weights, out=np.zeros_like(weighted), where=weights > 0)
    k = min(MONTHS_PER_YEAR, u.size)

    def mean(months: slice) -> float:  # over the months some machines run
        runs = weights[months] > 0
        return float(u[months][runs].mean()) if runs.any() else 0.0

    return {"mean": mean(slice(None)), "first_year": mean(slice(None, k)),
            "final_year": mean(slice(u.size - k, None)),
            **({"by_entry": by_entry} if len(listed) > 1 else {}),
            "by_month": by_month}


def in_service_facts(hosting: HostingProjectSpec, first: pd.Period | None
                     ) -> list[dict[str, Any]]:
    """Each hall in service of a site (``[[sites.hosting.in_service]]``): its MW (gross
    and IT), tenant, lease (the escalator resolved: the hall's or the site's) and whether
    its lease ended before ``first``, the first month valued (not counted then)."""
    out = []
    for hall in hosting.in_service:
        terms = hall_terms(hosting, hall)
        out.append({
            "gross_mw": float(hall.gross_mw), "it_mw": hall.it_mw(hosting.pue),
            "tenant": hall.tenant, "lease_start": hall.lease_start,
            "lease_end": hall.lease_end,
            "lease_usd_per_kw_month": float(hall.lease_usd_per_kw_month),
            "lease_escalator_per_year": float(terms.lease_escalator_per_year),
            "expired": first is not None and lease_ended(hall, first)})
    return out


def site_assumption_facts(portfolio: Portfolio, sites: list[SiteInputs],
                          market: MarketPaths | None = None,
                          effects: Mapping[str, SiteRuleEffects] | None = None,
                          index_notes: Mapping[str, str] | None = None,
                          offered: Collection[str] | None = None,
                          ) -> list[dict[str, Any]]:
    """Per valued site: its name, hosting terms (``HOSTING_TERMS`` and the capex per IT
    MW), the hosting fields its file sets, the MW a conversion may take
    (``convertible_gross_mw``), its ``capacity_mw`` (the file's, or the fleet's MW; and
    whether the file sets it) and ``connection_date``, its power contract in words,
    (``hall_leases``, when there are some) its phases leased on their own terms or whose
    tenant may not sign (``probability_signing``), its site costs in the forward models
    (``site_costs``: fixed, variable and cash SG&A [USD/year], and the items whose
    ``behavior`` comes from their category),
    (with ``[sites.dispatch]``) the flexibility uplift, how it was measured and (given the
    central ``market``) what it comes to on that path, and (``fleet_kept_by``, when
    ``[pivot] fleet_replacement_years`` would replace a fleet the site keeps) why: the
    ``forbid_new_mining`` rules of ``effects`` (by site name), or the file;
    ``index_notes`` (by site name) say what simulated index paths are to an index site
    (``power_contract_paths``, after its contract's source); ``offered`` (``optimize``:
    the sites some tenant may convert, by name; default all) marks the others
    ``no_offer``, their hosting terms not used."""
    from hashpivot.engines.pivot.inputs import _pivot_spec

    replaces = _pivot_spec(portfolio).fleet_replacement_years is not None
    start = _pivot_spec(portfolio).start
    first = (market.periods[0] if market is not None
             else pd.Period(start, "M") if start is not None else None)
    out = []
    for s in sites:
        eff = effects.get(s.name) if effects is not None else None
        ids = eff.by_effect.get("forbid_new_mining", []) if eff is not None else []
        kept_by = ""
        if replaces and (ids or not s.fleet_replacement):
            kept_by = (f"rule {', '.join(ids)}: no new mining capacity" if ids
                       else "file: [[sites]] fleet_replacement = false")
        site = portfolio.sites[s.index]
        given = site.hosting.model_fields_set if site.hosting is not None else set()
        terms = {f: getattr(s.hosting, f) for f, _ in HOSTING_TERMS}
        terms |= {f: float(getattr(s.hosting, f)) for f in CAPEX_FIELDS}
        terms[HALL_POWER_FIELD] = getattr(s.hosting, HALL_POWER_FIELD)
        halls = [
            {"start": ph.start, "gross_mw": float(ph.gross_mw), "tenant": ph.tenant,
             **{f: float(getattr(ph, f) if getattr(ph, f) is not None
                         else getattr(s.hosting, f)) for f in LEASE_TERM_FIELDS},
             **({"probability_signing": ph.resolved_probability_signing}
                if ph.resolved_probability_signing < 1.0 else {})}
            for ph in (site.hosting.phases if site.hosting is not None else [])
            if ph.lease_terms() or ph.resolved_probability_signing < 1.0
        ]
        out.append({
            "name": s.name,
            **({"no_offer": True} if offered is not None and s.name not in offered else {}),
            "hosting": terms,
            "hosting_fields_in_file": sorted(given),
            # the MW a conversion may take: the file's, or the capacity less the AI load
            "convertible_gross_mw": float(min(s.convertible_gross_mw, s.capacity_mw)),
            "power_contract": power_contract_text(site.power_contract),
            # the capacity (the file's, or the fleet's MW) and the grid connection
            "capacity_mw": {"value": float(site.capacity_mw if site.capacity_mw is not None
                                           else s.capacity_mw),
                            "in_file": site.capacity_mw is not None},
            "connection_date": site.connection_date,
            **({"power_contract_paths": index_notes[s.name]}
               if index_notes and s.name in index_notes else {}),
            "mining": _mining_terms(site, s),
            "fleet": fleet_facts(
                site, None, None if market is None else market.periods[0].start_time,
                None if market is None else market.periods[-1].end_time.normalize(),
                dated=site.fleet_fits_capacity or site.fleet_slots is not None),
            "site_costs": _site_costs(site, s),
            # [sites.hosting.risk]: drawn per path by simulate alone, only where given
            **({"hosting_risk": True}
               if site.hosting is not None and site.hosting.risk is not None else {}),
            # halls leased on their own terms (a tenant's), only where there are some
            **({"hall_leases": halls} if halls else {}),
            # halls already in service, only where there are some
            **({"in_service": in_service_facts(s.hosting, first)}
               if s.hosting.in_service else {}),
            # the flexibility of a site with [sites.dispatch], only there
            **({"dispatch_uplift_usd_per_mw_month": s.dispatch_uplift_usd_per_mw_month,
                "dispatch_uplift_note": s.dispatch_uplift_note}
               if s.dispatch_uplift_note else {}),
            # what the flexibility is measured on beyond the prices and the fleet
            **({"dispatch_terms": [list(t) for t in measured_terms(site.dispatch)]}
               if s.dispatch_uplift_note and site.dispatch is not None else {}),
            # the prices the flexibility was measured on (their source, for the charts)
            **({"dispatch_prices_source": s.dispatch_uplift.prices_source}
               if s.dispatch_uplift is not None and s.dispatch_uplift.prices_source else {}),
            **({"dispatch_supply_settlement_usd_per_mw_month":
                s.dispatch_uplift.supply.at_reference_usd_per_mw_month,
                "dispatch_supply_blocks": list(s.dispatch_uplift.supply.blocks),
                "dispatch_supply_by_block_usd_per_mw_month":
                list(s.dispatch_uplift.supply.by_block_usd_per_mw_month)}
               if s.dispatch_uplift is not None and s.dispatch_uplift.supply is not None
               else {}),
            # a PPA block's term ([sites.dispatch.ppa] start, end), only where there is a
            # block
            **({"dispatch_ppa_term": term_text(
                site.dispatch.ppa.start, site.dispatch.ppa.end,
                market.periods if market is not None else None)}
               if site.dispatch is not None and site.dispatch.ppa is not None else {}),
            **({"dispatch_uplift_central_usd_per_mw_month": _central_uplift(portfolio, s,
                                                                            market)}
               if s.dispatch_uplift is not None and market is not None else {}),
            # a fleet kept where [pivot] would replace it, only there
            **({"fleet_kept_by": kept_by} if kept_by else {}),
        })
    return out


def _mining_terms(site: Site, s: SiteInputs) -> dict[str, Any]:
    """The site's mining terms as the model uses them
    (:func:`~hashpivot.engines.mining_terms.mining_term_facts`, the uptime the site's
    inputs weight by hashrate) and where each comes from; a site with
    ``[sites.dispatch]`` runs its machines whenever available: its uptime is the
    ``availability_fraction``, named so (``names``)."""
    facts = mining_term_facts(site) | {"uptime_fraction": s.uptime_fraction}
    if site.dispatch is not None:  # its machines run whenever available: the dispatch
        # curtails (engines/pivot/inputs.py), the fleet's uptime is not used
        return availability_facts(facts, s.uptime_fraction,
                                  "availability_fraction" in site.dispatch.model_fields_set)
    return facts


def _site_costs(site: Site, s: SiteInputs) -> dict[str, Any]:
    """A site's cost items as the forward models count them: fixed (paid while curtailed),
    variable (only in months mined) and cash SG&A [USD/year], every item applying;
    ``by_category``: the items whose ``behavior`` is not in the file, with the one their
    category gives; ``dated``: the items with dates, paid between them
    (:mod:`~hashpivot.engines.pivot.cost_dates`); ``power_items``: the ``power``-category
    items (demand or transmission charges), site costs here (``opex_usd``) where ``cost``
    and ``backtest`` count them in the power cost."""
    from hashpivot.engines.pivot.inputs import _SCALED_CATEGORIES

    return {
        "fixed_usd_per_year": s.fixed_mining_opex_usd_per_month * MONTHS_PER_YEAR,
        "variable_usd_per_year": s.scaled_opex_usd_per_month * MONTHS_PER_YEAR,
        "sga_cash_usd_per_year": s.fixed_opex_usd_per_month * MONTHS_PER_YEAR,
        "items": len(site.cost_items),
        "by_category": [f"{c.name}: {'fixed' if c.is_fixed else 'variable'}"
                        for c in site.cost_items
                        if c.behavior is None and c.category in _SCALED_CATEGORIES],
        "dated": [c.with_dates(c.name) for c in site.cost_items
                  if c.start or c.end],
        "power_items": [c.name for c in site.cost_items if c.category == "power"],
    }


__all__ = [
    "CAPEX_FIELDS",
    "HALL_POWER_FIELD",
    "HOSTING_TERMS",
    "MINING_TERMS",
    "site_assumption_facts",
]
