"""The rows of the resolved-assumptions block of ``pivot``, ``simulate`` and ``optimize``
for each valued site (``name``, ``value``, ``unit``, ``source``), from the facts
:func:`~hashpivot.engines.pivot.site_assumptions.site_assumption_facts` records:
:func:`site_assumption_rows` (the hosting terms, capacity and connection, power contract,
fleet, mining terms, site costs, dispatch flexibility, halls leased on their own terms),
:func:`hosting_risk_rows` for the engines that do not draw ``[sites.hosting.risk]`` and
:func:`lease_text`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hashpivot.engines.mining_terms import (
    capacity_row,
    connection_row,
    fleet_row,
    mining_term_rows,
    power_contract_row,
)
from hashpivot.engines.pivot.in_service import CONVENTION as IN_SERVICE_CONVENTION
from hashpivot.engines.pivot.site_assumptions import (
    CAPEX_FIELDS,
    HALL_POWER_FIELD,
    HOSTING_TERMS,
)
from hashpivot.engines.pivot.uplift.supply_stream import CONVENTION as SUPPLY_CONVENTION
from hashpivot.models.hosting import LEASE_TERM_FIELDS

#: What the capacity and the connection do in the valuation (the sources of their rows):
#: each moves every strategy (examples/pivot-200mw.toml, an NPV: capacity_mw 200 -> 400
#: MW 19.7 %, a connection_date of 2026-06-01 49.6 %; scripts/sweep_assumptions.py).
_CAPACITY_USE = ("a conversion takes the MW the fleet leaves spare first, then the least "
                 "efficient machines")
_CONNECTION_USE = "no mining and no hall in service before it"


def _by_entry_text(central: Mapping[str, Any] | None) -> str:
    """``"the fleet entries' means, weighted by their MW in the value: S19 XP 4,921, S21 XP
    6,462; "``, or nothing for a site of one entry."""
    by_entry = (central or {}).get("by_entry")
    if not by_entry:
        return ""
    each = ", ".join(f"{label} {value:,.0f}" for label, value in by_entry.items())
    return f"the fleet entries' means, weighted by their MW in the value: {each}; "


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
    return {"name": f"{prefix}[sites.hosting] {HALL_POWER_FIELD}",
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
                      ("default: = capacity_mw, less [sites.dispatch] ai_load_mw"
                       + (" and the halls in service" if site.get("in_service") else ""))})
    shell, fit_out = (terms[f] / 1e6 for f in CAPEX_FIELDS)
    rows.append({
        "name": f"{prefix}[sites.hosting] capex per IT MW",
        "value": f"{shell + fit_out:.2f} (shell {shell:.2f} + fit-out {fit_out:.2f})",
        "unit": "M USD/MW", "source": src(*CAPEX_FIELDS),
    })
    # (a result stored before the row existed has none); under triple net the tenant
    # pays the hall's power and the price is not used: the row only where it is set
    if HALL_POWER_FIELD in terms and (terms.get("lease_structure") == "modified_gross"
                                 or HALL_POWER_FIELD in given):
        rows.append(_hall_power_row(prefix, terms[HALL_POWER_FIELD], src(HALL_POWER_FIELD)))
    return rows


def in_service_row(prefix: str, hall: Mapping[str, Any]) -> dict[str, Any]:
    """The row of a hall in service (``in_service`` facts): its lease in words, or that it
    ended before the model start and is not counted."""
    name = (f"{prefix}[[sites.hosting.in_service]] {hall['gross_mw']:g} MW"
            + (f" ({hall['tenant']})" if hall.get("tenant") else ""))
    if hall["expired"]:
        return {"name": name, "unit": "-", "source": "file",
                "value": f"lease ended {hall['lease_end']}, before the model start: not "
                         "counted (its MW still kept from capacity_mw)"}
    return {"name": name, "unit": "-", "source": f"file; {IN_SERVICE_CONVENTION}",
            "value": f"{hall['it_mw']:.4g} IT MW at {hall['lease_usd_per_kw_month']:g} "
                     f"USD/kW/month from {hall['lease_start']}, "
                     f"{100 * hall['lease_escalator_per_year']:g} %/year, to "
                     f"{hall['lease_end']}"}


def site_assumption_rows(facts: list[dict[str, Any]], lease_terms: bool = True,
                         hall_leases: bool = True) -> list[dict[str, Any]]:
    """Rows of the resolved assumptions for each site of
    :func:`~hashpivot.engines.pivot.site_assumptions.site_assumption_facts` (its name
    before each field when there are several sites); without the lease terms
    when ``lease_terms`` is False (tenants set them), without a row per phase leased on
    its own terms when ``hall_leases`` is False (``optimize``, which does not build the
    file's phases, says so in a row of its own)."""
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
            for h in (site.get("hall_leases", []) if hall_leases else [])
        ]
        rows += [in_service_row(prefix, h) for h in site.get("in_service", [])]
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
    "MONTHLY_ITEMS",
    "NO_OFFER_ROW",
    "VACANCY_ROW",
    "hosting_risk_rows",
    "lease_text",
    "site_assumption_rows",
]
