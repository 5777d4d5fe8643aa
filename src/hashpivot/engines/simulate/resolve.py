"""Stage 1 of a run: resolve every input into a :class:`PreparedRun` (:func:`prepare`).

Builds the scenario parameters, the strategies (keep-mining baseline first), the
discount factors, the treasury debt schedule, the
:class:`~hashpivot.engines.simulate.task.ChunkTask` and the chunk seeds: chunk ``k`` of
fixed size ``chunk_paths`` draws from child ``k`` of ``SeedSequence(seed)``
(:func:`hashpivot.scenarios.chunk_seeds`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.engines.corporate_costs import corporate_cost_facts
from hashpivot.engines.pivot.connection import after_connection
from hashpivot.engines.pivot.inputs import resolve_sites, uplift_warnings
from hashpivot.engines.pivot.market import network_below_fleet
from hashpivot.engines.pivot.model_assumptions import (
    PRE_TAX,
    financing_facts,
    strategy_facts,
)
from hashpivot.engines.pivot.regulation import (
    portfolio_rules,
    under_the_rules,
    with_site_fees,
)
from hashpivot.engines.pivot.site_assumptions import site_assumption_facts
from hashpivot.engines.pivot.strategies import within_horizon
from hashpivot.engines.pivot.taxes import shell_share
from hashpivot.engines.pivot.terminal import describe as _describe_tv
from hashpivot.engines.pivot.uplift.cache import measured_dispatch_uplifts
from hashpivot.engines.simulate.calibration import (
    _index_contract,
    calibration_facts,
    index_nodes,
    index_paths_notes,
    index_site_prices,
    load_calibration,
    load_power_fit,
    other_index_markets,
)
from hashpivot.engines.simulate.config import SimulationConfig
from hashpivot.engines.simulate.costs import (
    corporate_cash_cost_usd_per_month,
    noncash_cost_usd_per_month,
)
from hashpivot.engines.simulate.run_facts import market_facts, power_facts
from hashpivot.engines.simulate.scenario_notes import scenario_notes
from hashpivot.engines.simulate.signing import signing_tenants
from hashpivot.engines.simulate.task import BASELINE, ChunkTask, PivotModel, _default_pivot
from hashpivot.engines.standing import standing_portfolio
from hashpivot.exceptions import InputError, Problem
from hashpivot.finance import discount_factors, periodic_rate
from hashpivot.market import MarketPaths
from hashpivot.models import Portfolio
from hashpivot.models.file_refs import with_files_beside
from hashpivot.models.pivot import PivotSpec, TerminalValueSpec, gordon_rate_problem
from hashpivot.models.risk import ScenarioSpec, TreasurySpec
from hashpivot.regulation import SiteRuleEffects
from hashpivot.scenarios import MarketCalibration, PowerFit, build_scenario_params, chunk_seeds
from hashpivot.scenarios.margin import MarginResponse
from hashpivot.treasury.debt import debt_schedule


@dataclass(frozen=True)
class PreparedRun:
    """Resolved inputs of a run (built once; chunks only read it)."""

    task: ChunkTask
    chunks: list[tuple[int, int, np.random.SeedSequence]]
    center: MarketPaths
    inputs: dict[str, Any]
    rule_effects: dict[str, SiteRuleEffects] = field(default_factory=dict)
    rule_notes: list[str] = field(default_factory=list)
    standing_notes: list[str] = field(default_factory=list)
    #: the notes of :func:`scenario_notes` (in ``standing_notes`` too), that ``optimize``
    #: prints as simulate does
    scenario_notes: list[str] = field(default_factory=list)


def _starting_at(portfolio: Portfolio, first: pd.Period) -> Portfolio:
    """``portfolio`` with its pivot model starting at ``first``, the first simulated month
    (``[scenario] start`` or the run's, when it is not ``[pivot]``'s): the model start of
    its strategies (convert_all's and the phased tranches' construction; a file's phase
    or convert start before it is a problem). Until 2026-12-06 they started at pivot's
    start, and the capex paid before the first simulated month was left out."""
    spec = portfolio.pivot or PivotSpec()
    if spec.start is not None and pd.Period(spec.start, "M") == first:
        return portfolio
    return portfolio.model_copy(update={"pivot": spec.model_copy(update={"start": str(first)})})


def prepare(
    portfolio: Portfolio,
    config: SimulationConfig,
    *,
    pivot: PivotModel | ModuleType | None = None,
    calibration: MarketCalibration | None = None,
    power_fit: PowerFit | None = None,
    source: str = "",
) -> PreparedRun:
    """Resolve every input of a run (stage 1 of the pipeline).

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio (``scenario`` and ``treasury`` are optional fields).
    config : SimulationConfig
        Run settings.
    pivot : module or object, optional
        Provides ``build_strategies``, ``deterministic_market`` and
        ``strategy_cash_flows``; default :mod:`hashpivot.engines.pivot`.
    calibration, power_fit : optional
        Pre-computed calibrations (default: computed from the bundled data).
    source : str
        Portfolio file name, for error messages and to read its relative side files
        beside it (:func:`~hashpivot.models.file_refs.with_files_beside`); default
        ``portfolio.source_file``.
    """
    problems = config.problems()
    if problems:
        raise InputError(problems)
    pv: Any = pivot if pivot is not None else _default_pivot()
    source = source or portfolio.source_file
    portfolio = with_files_beside(portfolio, source)  # (side files: beside the file)
    given_pivot = portfolio.pivot  # (what the file sets: the run's rate is not of it)
    file_pivot = given_pivot or PivotSpec()
    if config.discount_rate is not None:
        # the run's rate for every line, in the valuation's own decisions too (the fleet
        # replacement decided at the file's rate: its deterministic NPV was no pivot's)
        portfolio = portfolio.model_copy(update={"pivot": file_pivot.model_copy(update={
            "discount_rate": config.discount_rate, "mining_discount_rate": None,
            "hosting_discount_rate": None})})
    spec: ScenarioSpec = portfolio.scenario or ScenarioSpec()
    tspec: TreasurySpec = portfolio.treasury or TreasurySpec()
    start_s = config.start or spec.start
    start = pd.Period(start_s, "M") if start_s else None
    # the center's network (scenario's, else pivot's) holds the fleet, as pivot's must
    below = network_below_fleet(portfolio, ("pivot", "scenario"), source)
    if below:
        raise InputError(below)
    center = pv.deterministic_market(portfolio, start, config.resolved_horizon_months(portfolio))
    # entries that end before the first month are gone; dated ones run between their
    # dates (notes)
    standing = standing_portfolio(portfolio, center.periods, config.site_name, corporate=True)
    portfolio = standing.portfolio
    # the regulation rules that apply: a site where no new mining capacity is allowed keeps
    # its fleet, a strategy pays the fees of the sites it converts (as in pivot and
    # optimize); the rest are notes (simulate)
    rules = portfolio_rules(portfolio, source)
    portfolio, sites, effects = under_the_rules(
        portfolio, resolve_sites(portfolio, config.site_name, center.periods[0],
                                 center.periods[-1]), rules,
        center.periods)
    if spec.step != "monthly":
        raise InputError(
            Problem("scenario.step", "the simulation engine needs monthly steps", source)
        )
    needs_cal = any(
        v is None
        for v in (
            spec.btc_volatility_per_year,
            spec.hashrate_elasticity,
            spec.hashrate_volatility_per_year,
            spec.price_hashrate_correlation,
            spec.fees_lognormal_sigma,
        )
    ) or spec.anchor == "history" or spec.price_model == "bootstrap"
    cal = calibration
    if cal is None and needs_cal:
        cal = load_calibration(spec)
    contract = _index_contract(portfolio, config.site_name)
    index_notes = index_paths_notes(portfolio, config.site_name)
    pays = index_site_prices(portfolio, config.site_name)
    pfit = power_fit
    if contract is not None and pfit is None:
        pfit = load_power_fit(spec, contract)
    # a process of its own for each other market node of the index sites
    nodes = index_nodes(portfolio, config.site_name)
    others = other_index_markets(spec, nodes)
    params = build_scenario_params(
        spec,
        center.periods,
        cal,
        center=center if spec.anchor == "deterministic" else None,
        power_fit=pfit,
        power_mean_usd_per_mwh=(
            None if contract is None else float(contract.price_usd_per_mwh)
        ),
        simulate_power=contract is not None,
        source=source,
        power_node=nodes[0].node if nodes else None,
        other_markets=[m for m, _ in others],
    )
    kwargs: dict[str, Any] = {}
    if config.site_name is not None:
        kwargs["site_name"] = config.site_name
    if config.convert_mw is not None:
        kwargs["convert_mw"] = config.convert_mw
    if config.convert_start is not None:
        kwargs["start"] = pd.Period(config.convert_start, "M")
    # the strategies start converting at the first simulated month, as pivot's at its
    # start; a hall goes into service once its site is connected (as pivot)
    try:
        listed = pv.build_strategies(_starting_at(portfolio, center.periods[0]),
                                     horizon_months=len(center.periods), **kwargs)
    except InputError as exc:  # a start before the first simulated month: say which one
        raise InputError([Problem(p.path, re.sub(
            r"before the model start (\S+)", r"before the first simulated month \1 "
            "([scenario] start or `start`)", p.message), p.source)
            for p in exc.problems]) from None
    built, connection_notes = after_connection(listed, sites, center.periods[-1])
    built, late_notes = within_horizon(built, center.periods[-1])
    connection_notes += late_notes
    strategies = [with_site_fees(s, effects) for s in built]
    names = tuple(str(s.name) for s in strategies)
    if BASELINE in names and names[0] != BASELINE:
        order = sorted(range(len(names)), key=lambda i: names[i] != BASELINE)
        strategies = [strategies[i] for i in order]
        names = tuple(names[i] for i in order)
    rate = config.discount_rate if config.discount_rate is not None else (
        default_discount_rate(portfolio)
    )
    T = len(center.periods)
    from hashpivot.engines.pivot.discounting import line_rates, override_note

    pivot_spec = portfolio.pivot
    rates = line_rates(pivot_spec or PivotSpec(), override=config.discount_rate)
    replaced = override_note(file_pivot, config.discount_rate)
    gordon = gordon_rate_problem((pivot_spec or PivotSpec()).terminal_value, rates.mining,
                                 rates.hosting)
    if gordon and config.npv_cash_flow == "unlevered":  # (levered NPVs add no TV)
        # the file's rates pass the model's check: the run's rate is the cause
        raise InputError([Problem("discount_rate", f"[pivot.terminal_value] {gordon}")])
    dfac = discount_factors(float(periodic_rate(rates.mining)), T)
    dfac_h = (discount_factors(float(periodic_rate(rates.hosting)), T) if rates.differ
              else None)
    levered_rate = None
    if config.npv_cash_flow == "levered":
        # the equity's flows at the equity's rate, as pivot's npv_levered_usd (until
        # 2026-12-06 at the mining line's: 579.8 M USD where pivot says 345.0), or at
        # the run's rate when it gives one
        levered_rate = float(
            config.discount_rate if config.discount_rate is not None
            else portfolio.financing.equity_discount_rate if portfolio.financing is not None
            else rate)  # ([pivot] discount_rate, as pivot without financing)
        dfac = discount_factors(float(periodic_rate(levered_rate)), T)
        dfac_h = None
    risk_slots = hosting_risk_slots(portfolio, strategies)
    tax = pivot_spec.tax if pivot_spec is not None else None
    r_tax = float(periodic_rate(rate))  # the pivot model's rate for the unlevered tax
    sched = debt_schedule(list(tspec.debt), center.periods, source)
    policies = config.policies or (tspec.policy,)
    tenants, signing_p = signing_tenants(strategies)
    task = ChunkTask(
        portfolio=portfolio,
        strategies=tuple(strategies),
        strategy_names=names,
        params=params,
        treasury=tspec,
        debt_service_usd=sched.service_usd,
        discount_factors=dfac,
        policies=tuple(policies),
        noncash_cost_usd=noncash_cost_usd_per_month(portfolio, T, center.periods[0]),
        corporate_cash_cost_usd=corporate_cash_cost_usd_per_month(
            portfolio, T, center.periods[0]),
        site_name=config.site_name,
        fan_paths=config.fan_paths_per_chunk,
        npv_cash_flow=config.npv_cash_flow,
        pivot=pv,
        terminal_value=_terminal_value_spec(portfolio),
        discount_rate=float(rates.mining),
        hosting_discount_factors=dfac_h,
        hosting_discount_rate=float(rates.hosting),
        hosting_risk_slots=risk_slots or None,
        tax=tax,
        tax_shell_fraction=(
            0.0 if tax is None else shell_share(sites)
        ),
        tax_discount_factors=None if tax is None else discount_factors(r_tax, T),
        signing_tenants=tenants,
        signing_probabilities=signing_p,
        dispatch_uplifts=measured_dispatch_uplifts(
            (portfolio.sites[s.index] for s in sites), center.periods[0],
            center.periods[-1]),
    )
    chunks = chunk_seeds(config.seed, config.n_paths, config.chunk_paths)
    market = market_facts(pv, portfolio, start, T)
    inputs: dict[str, Any] = {
        "n_paths": config.n_paths,
        "horizon_months": T,
        "horizon_source": (
            "command line" if config.horizon_months is not None else "[pivot].horizon_years"
        ),
        "seed": config.seed,
        "chunk_paths": config.chunk_paths,
        "discount_rate": rate,
        "terminal_value": _describe_tv(_terminal_value_spec(portfolio)),
        "mining_discount_rate": rates.mining,
        "hosting_discount_rate": rates.hosting,
        "discounting": rates.describe(),
        "npv_cash_flow": config.npv_cash_flow,
        **({"levered_discount_rate": levered_rate,
            "levered_discount_rate_source": (
                "run setting" if config.discount_rate is not None
                else "[financing] equity_discount_rate" if portfolio.financing is not None
                else "[pivot] discount_rate (no financing)")}
           if levered_rate is not None else {}),
        "start": str(center.periods[0]),
        "start_source": (
            "run setting" if config.start else "[scenario] start" if spec.start
            else "file" if given_pivot is not None and "start" in given_pivot.model_fields_set
            else market["source"]  # the month after the data's last day, as pivot says
        ),
        "pivot_fields_in_file": sorted(
            given_pivot.model_fields_set if given_pivot is not None else ()
        ),
        "price_center_in_file": "price_center" in spec.model_fields_set,
        "run_settings": [
            name
            for name, value in (
                ("horizon_months", config.horizon_months),
                ("discount_rate", config.discount_rate),
                ("npv_cash_flow", None if config.npv_cash_flow == "unlevered" else 1),
            )
            if value is not None
        ],
        "taxes": PRE_TAX if tax is None else tax.describe(),
        **({"corporate_costs": costs}
           if (costs := corporate_cost_facts(portfolio.cost_items)) else {}),
        "hosting_risk_sites": sorted(risk_slots),
        # each one's terms (the row says them: each moves the figures)
        "hosting_risk_terms": {str(site.name): site.hosting.risk.describe()
                               for site in portfolio.sites if site.name in risk_slots
                               and site.hosting is not None
                               and site.hosting.risk is not None},
        "site_assumptions": site_assumption_facts(portfolio, sites, center, effects,
                                                  index_notes),
        "strategies": list(names),
        "policies": list(policies),
        "financing": (portfolio.financing.model_dump(mode="json")
                      if portfolio.financing is not None else None),
        "financing_fields_in_file": financing_facts(portfolio),
        "strategy_definitions": strategy_facts(portfolio, strategies),
        **({"power_model": {
            **power_facts(spec, pfit, contract, pays[0]),
            **({"node": nodes[0].node, "markets": [
                {**power_facts(spec, m.fit, n.contract, pays[k]),
                 "node": m.node, "correlation": m.correlation,
                 "correlation_source": rho_source}
                for k, (n, (m, rho_source)) in enumerate(zip(nodes[1:], others,
                                                             strict=True), start=1)]}
               if others else {})}}
           if params.power_center_usd_per_mwh is not None else {}),
        "market": {**market,
                   # where the center path starts (the [scenario] values replace these)
                   "center_btc_price_usd": float(params.price_center_usd[0]),
                   "center_network_hashrate_th_s": float(params.hashrate_center_th_s[0]),
                   "center_fees_btc_per_block": float(params.fees_center_btc_per_block[0])},
        "scenario_fields_in_file": sorted(spec.model_fields_set),
        # how the network hashrate answers miners' margins, in words (margin only)
        **({"hashrate_response": response.describe()}
           if (response := MarginResponse.from_spec(spec)) is not None else {}),
        "treasury_fields_in_file": sorted(
            portfolio.treasury.model_fields_set if portfolio.treasury is not None else ()),
        "scenario": spec.model_dump(mode="json"),
        "treasury": tspec.model_dump(mode="json"),
        "treasury_given": portfolio.treasury is not None,
        "calibration": None if cal is None else calibration_facts(cal),
        "power_fit": None if pfit is None else pfit.as_dict(),
        "resolved": {
            "btc_volatility_per_year": float(params.price_volatility_per_year.mean()),
            "hashrate_elasticity": params.hashrate_elasticity,
            "hashrate_volatility_per_year": float(params.hashrate_noise_per_step.mean())
            * math.sqrt(12),
            "price_hashrate_correlation": params.price_hashrate_correlation,
            "fees_lognormal_sigma": params.fees_sigma,
            "power_simulated": params.power_center_usd_per_mwh is not None,
        },
    }
    # the months whose drift and volatility the paths read: under anchor = 'history' the
    # center grows from the calibration's last month
    first_read = (cal.last_month + 1 if spec.anchor == "history" and cal is not None
                  else pd.Period(center.periods[0], "M"))
    notes = scenario_notes(portfolio, config.site_name,
                           (first_read, pd.Period(center.periods[-1], "M")))
    return PreparedRun(task=task, chunks=chunks, center=center, inputs=inputs,
                       rule_effects=effects,
                       rule_notes=[replaced] if replaced else [],
                       standing_notes=[*standing.notes, *connection_notes,
                                       *uplift_warnings(sites), *notes],
                       scenario_notes=notes)


def hosting_risk_slots(portfolio: Portfolio, strategies: list[Any]) -> dict[str, int]:
    """Sites with ``[sites.hosting.risk]`` -> the most phases a strategy builds there."""
    out: dict[str, int] = {}
    for site in portfolio.sites:
        if site.hosting is None or site.hosting.risk is None:
            continue
        counts = [sum(1 for p in s.phases if p.site == site.name) for s in strategies]
        out[str(site.name)] = max(counts, default=0)
    return out


def default_discount_rate(portfolio: Portfolio) -> float:
    """The pivot model's discount rate: ``portfolio.pivot.discount_rate`` or its default."""
    return float((portfolio.pivot or PivotSpec()).discount_rate)


def _terminal_value_spec(portfolio: Portfolio) -> TerminalValueSpec:
    """``[pivot.terminal_value]`` (defaults when the portfolio has no ``[pivot]``)."""
    return (portfolio.pivot or PivotSpec()).terminal_value
