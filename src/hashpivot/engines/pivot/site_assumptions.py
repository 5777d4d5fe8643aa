"""Each valued site's terms that can flip a pivot verdict, with their sources: the hosting
terms the tornado varies and those that size the rent (lease rate, escalator, term, capex
per IT MW, PUE, construction time, tenant default, renewals, opex, recovery after a
default), the site's capacity and grid connection, the power contract, the fleet
(machines, hashrate, efficiency, MW, what is installed when), the mining terms (uptime,
pool fee, overhead), the site costs (fixed, variable, cash SG&A), the halls leased on their
own terms, the dispatch flexibility of a site with ``[sites.dispatch]`` and a fleet kept
where ``[pivot]`` would replace it (a rule, or the file).

:func:`site_assumption_facts` records them when a run resolves its sites (what only the
portfolio knows: which fields the file sets); :func:`site_assumption_rows` turns them into
rows of the resolved-assumptions block of ``pivot`` and ``simulate`` (``name``, ``value``,
``unit``, ``source``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from hashpivot.engines.dispatch.assumptions import measured_terms
from hashpivot.engines.mining_terms import (
    MINING_TERMS,
    availability_facts,
    capacity_row,
    connection_row,
    fleet_facts,
    fleet_row,
    mining_term_facts,
    mining_term_rows,
    power_contract_row,
    power_contract_text,
)
from hashpivot.engines.pivot.uplift.ppa_term import term_text
from hashpivot.engines.pivot.uplift.supply_stream import CONVENTION as SUPPLY_CONVENTION
from hashpivot.models.hosting import LEASE_TERM_FIELDS
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.engines.pivot.inputs import SiteInputs
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
_CAPEX = ("shell_capex_usd_per_it_mw", "fit_out_capex_usd_per_it_mw")
#: What the capacity and the connection do in the valuation (the sources of their rows):
#: each moves every strategy (examples/pivot-200mw.toml, an NPV: capacity_mw 200 -> 400
#: MW 19.7 %, a connection_date of 2026-06-01 49.6 %; scripts/sweep_assumptions.py).
_CAPACITY_USE = ("a conversion takes the MW the fleet leaves spare first, then the least "
                 "efficient machines")
_CONNECTION_USE = "no mining and no hall in service before it"
#: The hall's power price under modified gross; not set: the site's power price.
_HALL_POWER = "hosting_power_price_usd_per_mwh"


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
        terms |= {f: float(getattr(s.hosting, f)) for f in _CAPEX}
        terms[_HALL_POWER] = getattr(s.hosting, _HALL_POWER)
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


def _by_entry_text(central: Mapping[str, Any] | None) -> str:
    """``"the fleet entries' means, weighted by their MW in the value: S19 XP 4,921, S21 XP
    6,462; "``, or nothing for a site of one entry."""
    by_entry = (central or {}).get("by_entry")
    if not by_entry:
        return ""
    each = ", ".join(f"{label} {value:,.0f}" for label, value in by_entry.items())
    return f"the fleet entries' means, weighted by their MW in the value: {each}; "


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


#: How the monthly models pay a cost item, against ``cost`` and ``backtest``.
MONTHLY_ITEMS = ("each paid 1/12 of its year a month, whatever the month's days (cost and "
                 "backtest: 1/365.25 a day)")


def _cost_row(prefix: str, costs: dict[str, Any]) -> dict[str, Any]:
    """The row of a site's costs (:func:`_site_costs`): fixed items are paid while the site
    is curtailed, variable ones only in months mined (a month is mined when its revenue
    covers power and them), each 1/12 of its year a month whatever the month's days, where
    the month's BTC and power follow its days (``cost`` and ``backtest`` take
    ``usd_per_year / 365.25`` a day: a month's cost per BTC differs from theirs by up to
    the items' share times 8.7 % in a February)."""
    fixed, variable, sga = (costs[f] / 1e6 for f in (
        "fixed_usd_per_year", "variable_usd_per_year", "sga_cash_usd_per_year"))
    value = (f"fixed {fixed:,.2f} + variable {variable:,.2f}"
             + (f" + cash SG&A {sga:,.2f}" if sga else ""))
    if not costs["items"]:
        value, source = "none", "not in the file: no site costs"
    else:
        source = "file"
        source += f"; {MONTHLY_ITEMS}"
        if costs["by_category"]:
            source += "; behavior by category (default) for " + "; ".join(costs["by_category"])
        if costs.get("power_items"):  # (cost's power cost counts them: not pivot's)
            source += ("; power-category items here, in opex_usd, not in power_cost_usd "
                       "(cost's and backtest's power cost count them): "
                       + "; ".join(costs["power_items"]))
        if costs.get("dated"):
            source += ("; every item applying, each paid between its dates: "
                       + "; ".join(costs["dated"]))
    return {"name": f"{prefix}[sites.cost_items] site costs", "value": value,
            "unit": "M USD/year", "source": source}


def _hall_power_row(prefix: str, price: float | None, source: str) -> dict[str, Any]:
    """The row of the power price the operator pays for a hall under modified gross: the
    file's [USD/MWh], or the site's power price (contract, or index series) when not set."""
    return {"name": f"{prefix}[sites.hosting] {_HALL_POWER}",
            "value": "the site's power price" if price is None else float(price),
            "unit": "-" if price is None else "USD/MWh", "source": source}


def _hosting_rows(prefix: str, site: Mapping[str, Any], lease_terms: bool
                  ) -> list[dict[str, Any]]:
    """A site's hosting terms (:func:`site_assumption_rows`): ``HOSTING_TERMS`` (without
    the lease terms unless ``lease_terms``), the MW a conversion may take, the capex per
    IT MW and the hall's power price under modified gross."""
    rows: list[dict[str, Any]] = []
    given = set(site["hosting_fields_in_file"])
    terms = site["hosting"]

    def src(*fields: str, given: set[str] = given) -> str:
        return "file" if any(f in given for f in fields) else "default"

    rows += [
        {"name": f"{prefix}[sites.hosting] {field}", "value": terms[field], "unit": unit,
         "source": src(field)}
        for field, unit in HOSTING_TERMS
        if (lease_terms or field not in LEASE_TERM_FIELDS)
        and field in terms  # (a result stored before the row existed has none)
    ]
    if "convertible_gross_mw" in site:  # (results stored before the row have none)
        rows.append({
            "name": f"{prefix}[sites.hosting] convertible_gross_mw",
            "value": site["convertible_gross_mw"], "unit": "MW",
            "source": "file" if "convertible_gross_mw" in given else
                      "default: = capacity_mw, less [sites.dispatch] ai_load_mw"})
    shell, fit_out = (terms[f] / 1e6 for f in _CAPEX)
    rows.append({
        "name": f"{prefix}[sites.hosting] capex per IT MW",
        "value": f"{shell + fit_out:.2f} (shell {shell:.2f} + fit-out {fit_out:.2f})",
        "unit": "M USD/MW", "source": src(*_CAPEX),
    })
    # (a result stored before the row existed has none); under triple net the tenant
    # pays the hall's power and the price is not used: the row only where it is set
    if _HALL_POWER in terms and (terms.get("lease_structure") == "modified_gross"
                                 or _HALL_POWER in given):
        rows.append(_hall_power_row(prefix, terms[_HALL_POWER], src(_HALL_POWER)))
    return rows


def site_assumption_rows(facts: list[dict[str, Any]], lease_terms: bool = True
                         ) -> list[dict[str, Any]]:
    """Rows of the resolved assumptions for each site of :func:`site_assumption_facts`
    (its name before each field when there are several sites); without the lease terms
    when ``lease_terms`` is False (tenants set them)."""
    rows: list[dict[str, Any]] = []
    for site in facts:
        prefix = f"{site['name']}: " if len(facts) > 1 else ""
        rows += ([NO_OFFER_ROW | {"name": f"{prefix}[sites.hosting]"}]
                 if site.get("no_offer") else _hosting_rows(prefix, site, lease_terms))
        if "capacity_mw" in site:  # (results stored before the rows existed have none)
            rows += [capacity_row(prefix, site["capacity_mw"]["value"],
                                  site["capacity_mw"]["in_file"], _CAPACITY_USE),
                     connection_row(prefix, site["connection_date"], _CONNECTION_USE)]
        paths = site.get("power_contract_paths")
        rows.append(power_contract_row(prefix, site["power_contract"],
                                       f"file; {paths}" if paths else "file"))
        if "fleet" in site:  # (results stored before the row existed have none)
            rows.append(fleet_row(prefix, site["fleet"]))
        mining = site.get("mining")  # (results stored before the rows existed have none)
        rows += mining_term_rows(prefix, mining) if mining else []
        if "site_costs" in site:  # (results stored before the row existed have none)
            rows.append(_cost_row(prefix, site["site_costs"]))
        if site.get("dispatch_uplift_note"):
            central = site.get("dispatch_uplift_central_usd_per_mw_month")
            rows.append({
                "name": f"{prefix}[sites.dispatch] flexibility, per MW still mining"
                        + (", central path mean" if central else ""),
                "value": round(central["mean"]) if central
                else site["dispatch_uplift_usd_per_mw_month"],
                "unit": "USD/MW/month",
                "source": (f"first year {central['first_year']:,.0f}, final year "
                           f"{central['final_year']:,.0f}; " if central else "")
                          + _by_entry_text(central)
                          + site["dispatch_uplift_note"],
            })
        # what the flexibility is measured on, table by table (results stored before
        # these rows have none)
        rows += [{"name": f"{prefix}[sites.dispatch.{table}]", "value": text, "unit": "-",
                  "source": "file; the flexibility is measured with it" if text != "none"
                  else "none in the file"}
                 for table, text in site.get("dispatch_terms") or []]
        if "dispatch_supply_settlement_usd_per_mw_month" in site:
            blocks = site.get("dispatch_supply_blocks") or ["[sites.dispatch.ppa]"]
            each = site.get("dispatch_supply_by_block_usd_per_mw_month") or []
            rows.append({
                "name": f"{prefix}{' and '.join(blocks)} settlement, per MW of the fleet",
                "value": round(site["dispatch_supply_settlement_usd_per_mw_month"]),
                "unit": "USD/MW/month",
                "source": ("; ".join(f"{b} {v:,.0f}" for b, v in zip(blocks, each,
                                                                     strict=True))
                           + "; " if len(each) > 1 else "") + SUPPLY_CONVENTION
                          + (f"; the PPA block {site['dispatch_ppa_term']}"
                             if site.get("dispatch_ppa_term") else "")})
        if site.get("fleet_kept_by"):
            rows.append({"name": f"{prefix}fleet replacement",
                         "value": "none: the site keeps its machines", "unit": "-",
                         "source": site["fleet_kept_by"]})
        rows += [
            {"name": f"{prefix}[sites.hosting.phases] {h['start']}, {h['gross_mw']:g} MW"
                     + (f" ({h['tenant']})" if h.get("tenant") else ""),
             "value": lease_text(h) + (f"; signs with probability {h['probability_signing']:g}"
                                       if "probability_signing" in h else ""),
             "unit": "-", "source": "file"}
            for h in site.get("hall_leases", [])
        ]
    return rows + ([VACANCY_ROW] if facts else [])


#: A site no tenant may convert (``optimize``): every plan mines it, its hosting terms unused.
NO_OFFER_ROW: dict[str, Any] = {
    "name": "[sites.hosting]", "value": "not used: no offer to convert", "unit": "-",
    "source": "no tenant may lease here ([optimize.tenants] sites, or no [sites.hosting]): "
              "mining only"}


#: What a hall costs and earns while no tenant pays for it (every site alike:
#: :func:`hashpivot.hosting.project.hosting_cash_flows`).
VACANCY_ROW: dict[str, Any] = {
    "name": "[sites.hosting] vacancy",
    "value": "after the last lease (renewals in expectation) the hall is empty and not "
             "valued: no rent, opex or power; after a default (in expectation) "
             "default_recovery_fraction of the rent net of the hall's power is collected "
             "and the opex paid as if leased (modified gross: the power too, passed on "
             "in full in the rent, as a new tenant pays the power it draws; simulate with "
             "[sites.hosting.risk] tenant_default = 'realised': vacant, without power, "
             "for re_lease_downtime_months, then re-let at 1 - "
             "re_lease_rent_haircut_fraction of the rent net of power, plus the power)",
    "unit": "-", "source": "model",
}


def hosting_risk_rows(facts: list[dict[str, Any]], engine: str) -> list[dict[str, Any]]:
    """A row for each site whose file gives ``[sites.hosting.risk]``, in the resolved
    assumptions of an engine that does not draw it (``pivot``, ``optimize``: hosting in
    expectation, the build on time and on budget), so that its value beside
    ``simulate``'s (which draws a construction delay, a capex overrun and a lease-up per
    path, 34 % of the build late and 10 % over budget on average by default) is not read
    as the same hosting."""
    prefix = len(facts) > 1
    return [{"name": (f"{site['name']}: " if prefix else "") + "[sites.hosting.risk]",
             "value": "not used", "unit": "-",
             "source": f"file; {engine} values hosting in expectation (built on time and on "
                       "budget, defaults expected): simulate draws the delays, overruns and "
                       "defaults per path"}
            for site in facts if site.get("hosting_risk") and not site.get("no_offer")]


def lease_text(terms: dict[str, Any]) -> str:
    """A lease's first-year rent, escalator and term in words ("130 USD/kW/month +3 %/yr
    for 12 years")."""
    return (f"{terms['lease_usd_per_kw_month']:g} USD/kW/month "
            f"+{100 * terms['lease_escalator_per_year']:g} %/yr for "
            f"{terms['lease_term_years']:g} years")


__all__ = [
    "HOSTING_TERMS",
    "MINING_TERMS",
    "VACANCY_ROW",
    "hosting_risk_rows",
    "lease_text",
    "site_assumption_facts",
    "site_assumption_rows",
]
