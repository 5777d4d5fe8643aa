"""The pivot pipeline end to end: :func:`run_pivot`.

Resolved inputs -> strategies -> the deterministic market path -> cash flows of every
strategy -> valuation against keep-mining, tornado, break-even lease, and warnings on the
hosting terms compared with observed colocation deals.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot import finance
from hashpivot.engines.corporate_costs import corporate_cost_facts
from hashpivot.engines.pivot.cashflows import _cash_flows_resolved
from hashpivot.engines.pivot.connection import after_connection
from hashpivot.engines.pivot.discounting import line_rates
from hashpivot.engines.pivot.emissions import site_emission_factors, strategy_emissions_tco2
from hashpivot.engines.pivot.idle import idle_baseline_note
from hashpivot.engines.pivot.inputs import (
    SiteInputs,
    _financing_spec,
    _pivot_spec,
    resolve_sites,
    uplift_warnings,
)
from hashpivot.engines.pivot.market import (
    deterministic_market,
    margin_response,
    market_notes,
    market_start,
)
from hashpivot.engines.pivot.model_assumptions import (
    financing_facts,
    halving_facts,
    strategy_facts,
)
from hashpivot.engines.pivot.regulation import (
    as_the_rules_allow,
    portfolio_rules,
    ranking_flips,
    regulation_findings,
    under_the_rules,
    with_site_fees,
)
from hashpivot.engines.pivot.results import PivotResult, StrategyResult
from hashpivot.engines.pivot.sensitivity import _breakeven_leases, _tornado
from hashpivot.engines.pivot.signing import expected_over_signings
from hashpivot.engines.pivot.site_assumptions import site_assumption_facts
from hashpivot.engines.pivot.strategies import Strategy, build_strategies, within_horizon
from hashpivot.engines.pivot.taxes import shell_share
from hashpivot.engines.pivot.terminal import describe as describe_tv
from hashpivot.engines.pivot.valuation import value_strategy
from hashpivot.engines.standing import standing_portfolio
from hashpivot.exceptions import DataError
from hashpivot.hosting.deals import DealRange, deal_range, deals_table, flag_assumptions
from hashpivot.hosting.lease import average_rate_usd_per_kw_month
from hashpivot.io.regulation import RegulationRule
from hashpivot.models.file_refs import with_files_beside
from hashpivot.models.risk import ScenarioSpec
from hashpivot.units import MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models import Portfolio


def _hall_terms(strategy: Strategy, sites: dict[str, SiteInputs]) -> list[tuple[float, float]]:
    """Each hall's lease escalator [1/year] and term [year]: its own, or its site's."""
    out = []
    for p in strategy.phases:
        h, own = sites[p.site].hosting, dict(p.lease)
        out.append((float(own.get("lease_escalator_per_year", h.lease_escalator_per_year)),
                    float(own.get("lease_term_years", h.lease_term_years))))
    return out


def run_pivot(
    portfolio: Portfolio,
    site_name: str | None = None,
    convert_mw: float | None = None,
    start: pd.Period | str | None = None,
    deals: pd.DataFrame | None = None,
    rules: list[RegulationRule] | None = None,
    source: str = "",
) -> PivotResult:
    """Compare keep-mining with the conversion strategies on the deterministic path.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    site_name : str, optional
        Only this site.
    convert_mw : float, optional
        Gross MW of the ``convert`` strategy. [MW]
    start : pandas.Period or 'YYYY-MM', optional
        Construction start of the ``convert`` strategy.
    deals : pandas.DataFrame, optional
        Reference deals (default :func:`hashpivot.io.load_hosting_deals`).
    rules : list of RegulationRule, optional
        The regulation rules: their fees are paid and their fleets kept, and the
        strategies are checked against the rest
        (:mod:`hashpivot.engines.pivot.regulation`); default
        :func:`~hashpivot.engines.pivot.regulation.portfolio_rules`: the bundled ones and
        the file's ``[optimize].rules_file``.
    source : str, optional
        The portfolio file, beside which its relative side files are read
        (``rules_file``, a dispatching site's ``*_file``:
        :func:`~hashpivot.models.file_refs.with_files_beside`); default the file it was
        loaded from (``portfolio.source_file``), else the working folder.

    Returns
    -------
    PivotResult
        Strategies (baseline first), tornado, break-even lease, warnings, inputs.
    """
    source = source or portfolio.source_file
    portfolio = with_files_beside(portfolio, source)  # (side files: beside the file)
    spec = _pivot_spec(portfolio)
    financing = _financing_spec(portfolio)
    n = spec.horizon_years * MONTHS_PER_YEAR
    ms = market_start(spec)
    # entries that end before the first month are gone; dated ones count throughout (notes)
    standing = standing_portfolio(
        portfolio, pd.period_range(ms.start, periods=n, freq="M"), site_name)
    portfolio = standing.portfolio
    sites = resolve_sites(portfolio, site_name, ms.start, ms.start + (n - 1))
    strategies = build_strategies(portfolio, site_name, convert_mw, start, horizon_months=n)
    # a hall goes into service once its site is connected
    strategies, connection_notes = after_connection(strategies, sites, ms.start + (n - 1))
    strategies, late_notes = within_horizon(strategies, ms.start + (n - 1))
    connection_notes += late_notes
    market = deterministic_market(portfolio, ms.start, n)
    periods = market.periods
    # the regulation rules that apply: a site where no new mining capacity is allowed
    # keeps its fleet, a strategy pays the fees of the sites it converts (as in optimize);
    # the rest are notes on the strategies (below)
    if rules is None:
        rules = portfolio_rules(portfolio, source)
    portfolio, sites, effects = under_the_rules(portfolio, sites, rules, periods)
    strategies = [with_site_fees(s, effects) for s in strategies]
    rate_m = float(finance.periodic_rate(spec.discount_rate))
    equity_rate_m = (
        float(finance.periodic_rate(financing.equity_discount_rate)) if financing else None
    )
    base_cf = _cash_flows_resolved(sites, strategies[0], market, spec, financing)
    tv_spec = spec.terminal_value
    rates = line_rates(spec)
    shell = shell_share(sites)
    results = [
        value_strategy(base_cf, None, strategies[0], rate_m, equity_rate_m, tv_spec, None, rates,
               tax=spec.tax, shell_fraction=shell)
    ]
    base_tv = results[0].npv_with_terminal_value_usd
    base_after_tax = results[0].npv_after_tax_usd

    def value(s: Strategy) -> StrategyResult:
        cf = _cash_flows_resolved(sites, s, market, spec, financing)
        return value_strategy(cf, base_cf, s, rate_m, equity_rate_m, tv_spec, base_tv, rates,
                      tax=spec.tax, shell_fraction=shell, base_npv_after_tax_usd=base_after_tax)

    for s in strategies[1:]:
        r = value(s)
        signing = expected_over_signings(s, value, r, results[0])
        results.append(r if signing is None else dataclasses.replace(r, signing=signing))

    pivots = [s for s in strategies[1:] if s.phases]
    convert = [s for s in pivots if s.name.startswith("convert_") and s.name != "convert_all"]
    pivot = convert[0] if convert else (pivots[0] if pivots else None)
    if pivot is not None:
        tornado = _tornado(
            sites, pivot, spec, ms, periods, financing, rate_m, market,
            response=margin_response(portfolio),
        )
        breakeven, breakeven_tv = _breakeven_leases(
            sites, pivot, spec, financing, rate_m, market, results[0].npv_usd,
            results[0].npv_with_terminal_value_usd,
        )
    else:
        tornado = pd.DataFrame(
            columns=[
                "variable",
                "label",
                "low_input",
                "high_input",
                "unit",
                "npv_vs_baseline_low_usd",
                "npv_vs_baseline_high_usd",
                "npv_with_tv_vs_baseline_low_usd",
                "npv_with_tv_vs_baseline_high_usd",
                "swing_usd",
                "swing_with_tv_usd",
            ]
        )
        breakeven = breakeven_tv = float("nan")

    warnings: list[str] = market_notes(market, margin_response(portfolio))
    warnings.extend(standing.notes)
    warnings.extend(connection_notes)
    warnings.extend(uplift_warnings(sites))
    rng: DealRange | None = None
    try:
        if deals is None:
            from hashpivot.io import load_hosting_deals

            deals = load_hosting_deals()
        rng = deal_range(deals_table(deals))
    except DataError as exc:
        warnings.append(f"reference deals unavailable: {exc}")
    some_hosting = any(not si.hosting_is_default for si in sites)
    for si in sites:
        where = f"sites[{si.index}].hosting"
        if si.hosting_is_default and some_hosting:
            warnings.append(  # (build_strategies converts the sites with hosting terms)
                f"{where}: site {si.name!r} has no [sites.hosting] section: the strategies "
                "convert only the sites that have one, so it keeps mining in each"
            )
        elif si.hosting_is_default:
            warnings.append(
                f"{where}: site {si.name!r} has no [sites.hosting] section, default hosting "
                "terms used"
            )
        if rng is not None:
            warnings.extend(flag_assumptions(si.hosting, rng, where))
    base_u = base_cf.unlevered_fcf_usd[0]
    base_l = base_cf.levered_fcf_usd[0]
    for r in results[1:]:
        for label, inc, rate, is_loan in (
            ("unlevered", r.cash_flows.unlevered_fcf_usd[0] - base_u, r.irr_fraction,
             r.irr_is_financing),
            ("levered", r.cash_flows.levered_fcf_usd[0] - base_l, r.irr_levered_fraction,
             r.irr_levered_is_financing),
        ):
            if is_loan and (label == "unlevered" or financing is not None):
                warnings.append(
                    f"{r.strategy.name}: the {label} incremental cash flows bring cash in "
                    "before they pay it out, as a loan does: their IRR "
                    f"({100.0 * rate:,.1f} %/yr, shown n/m) is what that financing costs, "
                    "not a return (their NPV rises with the discount rate); rely on the NPV"
                )
            signs = np.sign(inc[np.abs(inc) > 1e-9 * max(float(np.abs(inc).max()), 1.0)])
            changes = int((signs[1:] != signs[:-1]).sum())
            if changes > 1:
                warnings.append(
                    f"{r.strategy.name}: the {label} incremental cash flows change sign "
                    f"{changes} times, so their IRR may not be unique (the root closest to 0 "
                    "is reported); rely on the NPV"
                )
    horizon_end = periods[-1]
    by_name = {si.name: si for si in sites}
    for s in strategies:
        for ph in s.phases:
            site_in = by_name.get(ph.site)
            if site_in is None:
                continue
            ready = ph.start + int(site_in.hosting.construction_months)
            if ready > horizon_end:
                after = (
                    "; the NPV with TV values its lease after the horizon"
                    if tv_spec.hosting_method == "contract" else
                    f"; nor in the NPV with TV ({tv_spec.hosting_method}: the final year's "
                    "hosting has no rent from it)"
                )
                warnings.append(
                    f"{s.name}: {ph.gross_mw:g} MW at {ph.site!r} starting {ph.start} is not "
                    f"ready before the horizon ends ({horizon_end}): in the NPV its capex "
                    f"counts, its rent does not{after}"
                )
    if rng is not None and math.isfinite(breakeven) and pivot is not None:
        terms = _hall_terms(pivot, by_name)
        esc, years = terms[0]
        avg = float(average_rate_usd_per_kw_month(breakeven, esc, years))
        whose = "" if len(set(terms)) == 1 else ": the first hall's; the halls' terms differ"
        warnings.append(
            f"break-even first-year lease {breakeven:.1f} USD/kW/month is a term average of "
            f"{avg:.1f} (escalator {100 * esc:g} %, {years:g} years{whose}); observed "
            "colocation deals imply "
            f"{rng.rate_min_usd_per_kw_month:.0f}-{rng.rate_max_usd_per_kw_month:.0f} "
            "(term averages)"
        )

    # keep-mining's months without BTC at the end of the horizon: of the whole baseline,
    # or of each site of several (one may idle while another mines on)
    by_site = [(None, base_cf)] if len(sites) == 1 else [
        (s.name, _cash_flows_resolved([s], strategies[0], market, spec, financing))
        for s in sites]
    for site_idle, cf_idle in by_site:
        idle = idle_baseline_note(results[0].name, cf_idle, periods, rates, site_idle)
        if idle is not None:
            warnings.append(idle)

    # what each strategy does against the regulation rules
    rule_facts, rule_notes = regulation_findings(effects, strategies, spec, periods[0])
    warnings.extend(rule_notes)
    # a strategy that starts before the rules allow, valued again starting when they do
    for i, r in enumerate(results[1:], start=1):
        moved = as_the_rules_allow(r.strategy, effects, periods[0])
        if moved is None:
            continue
        allowed = value(moved)
        filed = (r.npv_vs_baseline_usd, r.npv_with_terminal_value_vs_baseline_usd)
        later = (allowed.npv_usd - results[0].npv_usd,
                 allowed.npv_with_terminal_value_usd - results[0].npv_with_terminal_value_usd)
        starts = [{"site": a.site, "gross_mw": a.gross_mw, "start": str(a.start),
                   "as_filed": str(f.start)}
                  for a, f in zip(moved.phases, r.strategy.phases, strict=True)
                  if a.start != f.start]
        results[i] = dataclasses.replace(r, rules_allow={
            "phases_moved": starts, "npv_vs_baseline_usd": later[0],
            "npv_with_terminal_value_vs_baseline_usd": later[1]})
        what = "; ".join(f"{m['gross_mw']:,.1f} MW at {m['site']!r} from {m['start']}"
                         for m in starts)
        warnings.append(
            f"regulation: {r.name} started when the rules allow ({what}): NPV vs keep "
            f"{later[0] / 1e6:,.1f} M USD, {later[1] / 1e6:,.1f} with TV (as filed "
            f"{filed[0] / 1e6:,.1f} and {filed[1] / 1e6:,.1f})")
    warnings.extend(ranking_flips(results))

    # the CO2 of each strategy's energy, site by site (the dispatch engine's factors)
    factors, co2_notes = site_emission_factors(
        [(si.index, portfolio.sites[si.index]) for si in sites])
    warnings.extend(co2_notes)
    results = [
        dataclasses.replace(r, emissions_tco2=strategy_emissions_tco2(
            sites, factors, r.strategy, market, spec, financing,
            float(np.asarray(r.cash_flows.energy_mwh)[0].sum())))
        for r in results
    ]

    scenario = portfolio.scenario or ScenarioSpec()
    inputs = {
        "start": str(ms.start),
        "horizon_months": n,
        "emission_factors": [{"site": name, "tco2_per_mwh": f, "source": src}
                             for name, f, src in factors],
        "regulation_rules": rule_facts,
        "discount_rate": spec.discount_rate,
        "mining_discount_rate": rates.mining,
        "hosting_discount_rate": rates.hosting,
        "discounting": rates.describe(),
        "price_center": _price_center(portfolio),
        "terminal_value": describe_tv(tv_spec),
        "tax": spec.tax.describe() if spec.tax is not None else None,
        # the portfolio's own cost items: in no NPV (a row says so), only where given
        **({"corporate_costs": costs}
           if (costs := corporate_cost_facts(portfolio.cost_items)) else {}),
        "market_source": ms.source,
        "fees_source": ms.fees_source,
        # the days of the daily history the market start was read from, by source
        "history_sources": list(ms.history_sources),
        "btc_price_usd": ms.btc_price_usd,
        "btc_price_growth_per_year": spec.btc_price_growth_per_year,
        "network_hashrate_th_s": ms.network_hashrate_th_s,
        "network_hashrate_growth_per_year": spec.network_hashrate_growth_per_year,
        "fees_btc_per_block": ms.fees_btc_per_block,
        "start_height": ms.height,
        **(
            {"hashrate_response": response.describe()}
            if (response := margin_response(portfolio)) is not None
            else {}
        ),
        # the [scenario] fields of the central path's rows, as simulate records them
        "scenario": {f: getattr(scenario, f) for f in ("price_center", "hashrate_response")},
        "scenario_fields_in_file": sorted(scenario.model_fields_set),
        "pivot": spec.model_dump(mode="json"),
        "pivot_fields_in_file": sorted(
            spec.model_fields_set if portfolio.pivot is not None else ()
        ),
        "financing": financing.model_dump(mode="json") if financing is not None else None,
        "financing_fields_in_file": financing_facts(portfolio),
        "halvings": halving_facts(ms.start, ms.height, n),
        "strategy_definitions": strategy_facts(portfolio, [r.strategy for r in results]),
        "site_assumptions": site_assumption_facts(portfolio, sites, market, effects),
        "sites": [
            {
                "name": s.name,
                "fleet_hashrate_th_s": s.fleet_hashrate_th_s,
                "fleet_power_mw": s.fleet_power_mw,
                "capacity_mw": s.capacity_mw + s.ai_load_mw + s.in_service_mw,  # (the file's)
                "ai_load_mw": s.ai_load_mw,
                "in_service_mw": s.in_service_mw,
                "convertible_gross_mw": s.convertible_gross_mw,
                "power_price_usd_per_mwh": s.power_price_usd_per_mwh,
                "hosting": s.hosting.model_dump(mode="json"),
                "hosting_is_default": s.hosting_is_default,
            }
            for s in sites
        ],
    }
    return PivotResult(
        strategies=results,
        pivot_name=pivot.name if pivot is not None else "",
        tornado=tornado,
        breakeven_lease_usd_per_kw_month=breakeven,
        breakeven_lease_with_terminal_value_usd_per_kw_month=breakeven_tv,
        inputs=inputs,
        warnings=warnings,
        deal_range=rng,
    )


def _price_center(portfolio: Portfolio) -> str:
    """What the deterministic path is in ``simulate``: the paths' median or mean."""
    center = portfolio.scenario.price_center if portfolio.scenario is not None else "mean"
    return f"the deterministic path is the Monte Carlo {center} ([scenario].price_center)"
