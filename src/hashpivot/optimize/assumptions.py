"""The resolved assumptions of a conversion plan: :func:`plan_assumption_facts` records,
when the plan is solved, what only the portfolio knows (which fields the file sets, the
market data's origin); :func:`resolved_assumptions` turns a plan's inputs into the rows
that can flip the plan, each with where it came from.

The rows have the shape of ``pivot``'s and ``simulate``'s blocks (``name``, ``value``,
``unit``, ``source``: ``"file"``, ``"default"``, ``"run setting"``, the data it came from,
or ``"model"`` for what the optimizer does whatever the file says). They say in
particular how the optimizer values what lies past the horizon (``[pivot.terminal_value]``,
as ``pivot``, per MW: :mod:`hashpivot.optimize.terminal`) and what it leaves out that
``pivot`` includes: income tax.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from hashpivot.engines.corporate_costs import corporate_cost_facts, corporate_cost_rows
from hashpivot.engines.pivot import deterministic_market, market_start
from hashpivot.engines.pivot.discounting import line_rates
from hashpivot.engines.pivot.market import BLOCKS_PER_DAY, fees_source
from hashpivot.engines.pivot.model_assumptions import (
    FLEET_TERMS,
    PRE_TAX,
    fleet_rows,
    halving_facts,
    halving_rows,
    hashrate_response_row,
    price_center_row,
    tax_row,
    terminal_value_row,
)
from hashpivot.engines.pivot.site_assumptions import site_assumption_facts
from hashpivot.engines.pivot.site_rows import (
    hosting_risk_rows,
    lease_text,
    site_assumption_rows,
)
from hashpivot.engines.pivot.terminal import describe as describe_terminal_value
from hashpivot.engines.simulate.assumptions import (
    anchor_row,
    drift_row,
    market_rows,
    scenario_rows,
)
from hashpivot.engines.simulate.calibration import index_paths_notes
from hashpivot.engines.simulate.power_rows import power_rows
from hashpivot.optimize.file_phases import phase_facts, phase_rows
from hashpivot.scenarios.centering import center_spread_fields

if TYPE_CHECKING:
    from hashpivot.engines.pivot.site_inputs import SiteInputs
    from hashpivot.models import Portfolio
    from hashpivot.models.pivot import PivotSpec
    from hashpivot.regulation import SiteRuleEffects

#: What the optimizer does with the file's ``[pivot.tax]`` (the source of its row).
TAX_NOT_USED = ("not used: the optimizer plans pre-tax (pivot's after-tax value of the "
                "plan: the central-path line)")
#: The row of a plan stored before the optimizer added a terminal value.
HORIZON_ONLY = "not added: NPV to the horizon (leases and mining past it are not valued)"


def _fields(spec: Any) -> list[str]:
    return sorted(spec.model_fields_set) if spec is not None else []


def plan_assumption_facts(portfolio: Portfolio, pspec: PivotSpec, sites: list[SiteInputs],
                          horizon_years: int | None, continuous: bool,
                          months: int | None = None,
                          effects: Mapping[str, SiteRuleEffects] | None = None,
                          offered: Collection[str] | None = None,
                          ) -> dict[str, Any]:
    """What :func:`resolved_assumptions` needs beyond the plan's own inputs.

    Parameters
    ----------
    portfolio : Portfolio
        The planned portfolio.
    pspec : PivotSpec
        Its ``[pivot]`` table (defaults when absent).
    sites : list of SiteInputs
        The sites valued (every plan mines them; the hosting terms of those in
        ``offered`` apply to every offer there).
    horizon_years : int or None
        The run's horizon override. [year]
    continuous : bool
        The run asks for continuous MW (``--continuous``).
    months : int, optional
        The plan's horizon; given, a dispatching site's uplift is also stated on the
        central path over it. [month]
    effects : mapping of str to SiteRuleEffects, optional
        The rules of each site, by name (a fleet kept by a rule is stated with its sites).
    offered : collection of str, optional
        The sites some tenant may convert, by name; default every site of ``sites``.
    """
    ms = market_start(pspec)
    rates = line_rates(pspec)
    opt = portfolio.optimize
    return {
        "mining_discount_rate": rates.mining,
        "hosting_discount_rate": rates.hosting,
        "horizon_source": (
            "run setting" if horizon_years else
            "file" if opt is not None and opt.horizon_years is not None else
            "= [pivot] horizon_years"
        ),
        "pivot_horizon_years": pspec.horizon_years,
        "market_source": ms.source,
        "fees_source": ms.fees_source,
        # the days of the daily history the market start was read from, by source
        "history_sources": list(ms.history_sources),
        "btc_price_usd": ms.btc_price_usd,
        "fees_btc_per_block": ms.fees_btc_per_block,
        **({"halvings": halving_facts(ms.start, ms.height, months)} if months else {}),
        "fleet": {f: getattr(pspec, f)
                  for f in ("fleet_replacement_years", *(f for f, _ in FLEET_TERMS))},
        "btc_price_growth_per_year": pspec.btc_price_growth_per_year,
        "network_hashrate_growth_per_year": pspec.network_hashrate_growth_per_year,
        "pivot_fields_in_file": _fields(portfolio.pivot),
        "optimize_fields_in_file": _fields(opt),
        "scenario_fields_in_file": _fields(portfolio.scenario),
        "financing_fields_in_file": _fields(portfolio.financing),
        "continuous_run_setting": continuous,
        "tax_in_file": portfolio.pivot is not None and portfolio.pivot.tax is not None,
        "tax": pspec.tax.describe() if pspec.tax is not None else None,
        **({"corporate_costs": costs}
           if (costs := corporate_cost_facts(portfolio.cost_items)) else {}),
        "terminal_value": describe_terminal_value(pspec.terminal_value),
        "rules_file": opt.rules_file if opt is not None else None,
        # the file's [[sites.hosting.phases]]: pivot's phased strategy, not the plan's
        "phases_not_used": phase_facts(portfolio, sites),
        "site_assumptions": site_assumption_facts(
            portfolio, sites,
            deterministic_market(portfolio, ms.start, months) if months else None,
            effects, index_paths_notes(portfolio), offered),
        "tenant_terms": [
            {"name": t.name, "it_mw": t.it_mw, "lease_usd_per_kw_month": t.lease_usd_per_kw_month,
             "lease_escalator_per_year": t.lease_escalator_per_year,
             "lease_term_years": t.lease_term_years, "earliest_start": t.earliest_start,
             "probability_signing": t.probability_signing, "sites": t.sites}
            for t in (opt.tenants if opt is not None else [])
        ],
    }


def _fleet_rows(inputs: dict[str, Any], pivot: set[str], market: str
                ) -> list[dict[str, Any]]:
    """The fees, the start height and the halvings, the fleet's replacement and ageing
    (none for a plan stored before the rows)."""
    if "fleet" not in inputs:
        return []
    fleet = inputs["fleet"]
    return [
        {"name": "[pivot] fees_btc_per_block", "value": inputs["fees_btc_per_block"],
         "unit": "BTC/block", "source": "file" if "fees_btc_per_block" in pivot
         else fees_source(market, inputs.get("fees_source"))},
        *halving_rows(inputs.get("halvings"), "file" if "start_height" in pivot else
                      f"{market}, + {BLOCKS_PER_DAY} blocks a day to the start"),
        {"name": "[pivot] fleet_replacement_years",
         "value": fleet["fleet_replacement_years"], "unit": "year",
         "source": "file" if "fleet_replacement_years" in pivot else "default"},
        *fleet_rows(fleet, pivot),
    ]


#: The row of the scenarios' BTC volatility: zero in a deterministic run.
_BTC_VOLATILITY = "[scenario] btc_volatility_per_year"


def _center_reads(inputs: dict[str, Any]) -> dict[str, str]:
    """The ``[scenario]`` spread fields the central path reads (a deterministic run's
    only path), and what for; none for a plan stored before its scenario."""
    scenario = inputs.get("scenario") or {}
    return center_spread_fields(
        str(scenario.get("anchor", "deterministic")),
        str(scenario.get("price_center", "mean")),
        drift_given=scenario.get("btc_drift_per_year") is not None
        or bool(scenario.get("btc_drift_by_year")),
        fees_given=scenario.get("fees_btc_per_block") is not None)


def _deterministic(row: dict[str, Any], not_used: Any, reads: Mapping[str, str]) -> None:
    """``row`` in a deterministic run (every volatility zero): its value ``not_used``
    and the value it had in its source, or, where the central path reads the field
    (``reads``), its value kept and what the central path takes from it."""
    field = row["name"].split(" (")[0].removeprefix("[scenario] ")
    if field in reads:
        row["source"] += (f"; run setting: deterministic, every volatility zero, yet the "
                          f"central path's: {reads[field]}")
        return
    value = f"{row['value']:.4g}" if isinstance(row["value"], float) else row["value"]
    row["source"] = (f"run setting: deterministic, every volatility zero (not used: "
                     f"{value}, {row['source']})")
    row["value"] = not_used


def _spread_rows(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The scenarios' price model, BTC volatility, hashrate elasticity, volatility and
    correlation with the price, as ``simulate`` prints them (the same paths for the same
    seed, the same sources: the calibration's window and standard error); in a
    deterministic run (every volatility zero) only those the central path reads
    (:func:`hashpivot.scenarios.centering.center_spread_fields`). A plan stored before
    its scenario was recorded: the volatility only."""
    rows = [r for r in scenario_rows(inputs)
            if "scenario" in inputs or r["name"] == _BTC_VOLATILITY]
    if inputs.get("deterministic"):
        reads = _center_reads(inputs)
        for r in rows:
            _deterministic(r, 0.0 if r["name"] == _BTC_VOLATILITY else "not used", reads)
    return rows


#: The power model's parameters a deterministic run does not use (no noise, no spikes).
_POWER_NOISE = ("[scenario] power_volatility_per_year", "[scenario] power_market_correlation",
                "[scenario] power_spike_probability_per_month", "[scenario] power_spike_mean_log")


def _power_rows(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The index sites' power model, as ``simulate`` prints it (the same paths for the same
    seed); in a deterministic run its noise and spikes are not used."""
    rows = power_rows(inputs.get("power_model"))
    if inputs.get("deterministic"):
        for r in rows:
            if r["name"].split(" (")[0] in _POWER_NOISE:
                _deterministic(r, "not used", {})
    return rows


def _price_center_row(inputs: dict[str, Any]) -> dict[str, Any]:
    """Whether the scenarios' BTC price is centred on the central path as its mean or its
    median (``simulate``'s row; none for a plan stored before the scenario was recorded):
    with the calibrated volatility it moves every expected NPV and can change the plan. In
    a deterministic run (every volatility zero) both are the central path, unless the
    central path itself grows at a drift (anchor = 'history', or a drift given)."""
    scenario = inputs.get("scenario") or {}
    row = price_center_row(str(scenario.get("price_center", "mean")),
                           "price_center" in set(inputs["scenario_fields_in_file"]))
    if inputs.get("deterministic"):
        _deterministic(row, "central path", _center_reads(inputs))
    return row


def _limit(value: Any) -> Any:
    return "no limit" if value is None or value == float("inf") else value


def resolved_assumptions(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The assumptions that can flip the plan, with their sources.

    Parameters
    ----------
    inputs : dict
        ``PlanResult.inputs`` (with :func:`plan_assumption_facts`).

    Returns
    -------
    list of dict
        ``name``, ``value``, ``unit``, ``source`` per assumption; empty for inputs
        without the facts (a plan stored before they were recorded).
    """
    if "pivot_fields_in_file" not in inputs:
        return []
    pivot = set(inputs["pivot_fields_in_file"])
    opt = set(inputs["optimize_fields_in_file"])
    market = str(inputs["market_source"])

    def src(fields: set[str], name: str, fallback: str = "default") -> str:
        return "file" if name in fields else fallback

    budget = list(inputs["equity_budget_usd_per_year"])
    while len(budget) > 1 and budget[-1] == budget[-2]:
        budget.pop()  # the last value repeats
    budget_value = _limit(budget[0] if budget else None) if len(budget) <= 1 else (
        ", ".join(f"{b:,.0f}" for b in budget) + " (years 1, 2, ...; the last repeats)"
    )
    tenants = inputs.get("tenant_terms") or []
    tenant_rows = [
        {"name": f"[optimize.tenants] {t['name']}",
         "value": f"{t['it_mw']:g} IT MW at {lease_text(t)}"
                  + (f" from {t['earliest_start']}" if t.get("earliest_start") else "")
                  + f", P(signing) {t['probability_signing']:g}"
                  + (f"; only at {', '.join(t['sites'])}" if t.get("sites") else ""),
         "unit": "-", "source": "file"}
        for t in tenants
    ] or [{"name": "[optimize] tenants",
           "value": "none: each site leases on its [sites.hosting] terms", "unit": "-",
           "source": "default"}]
    rules = "bundled table" + (f" + {inputs['rules_file']}" if inputs.get("rules_file") else "")
    horizon = inputs["horizon_source"]
    return [
        # pivot's and simulate's horizon row, and optimize's own (by default = pivot's)
        *([{"name": "[pivot] horizon_years", "value": inputs["pivot_horizon_years"],
            "unit": "year", "source": src(pivot, "horizon_years") + (
                "" if horizon.startswith("=") else "; not used: "
                + ("run setting" if horizon == "run setting" else "[optimize] horizon_years"))}]
          if "pivot_horizon_years" in inputs else []),  # (a plan stored before it)
        {"name": "[optimize] horizon_years", "value": inputs["horizon_months"] // 12,
         "unit": "year", "source": horizon},
        {"name": "[pivot] start", "value": inputs["start"], "unit": "month",
         "source": src(pivot, "start", market)},
        {"name": "[pivot] discount_rate", "value": inputs["discount_rate"], "unit": "1/year",
         "source": src(pivot, "discount_rate")},
        {"name": "[pivot] mining_discount_rate", "value": inputs["mining_discount_rate"],
         "unit": "1/year", "source": src(pivot, "mining_discount_rate", "= discount_rate")},
        {"name": "[pivot] hosting_discount_rate", "value": inputs["hosting_discount_rate"],
         "unit": "1/year", "source": src(pivot, "hosting_discount_rate", "= discount_rate")},
        (terminal_value_row(inputs["terminal_value"], src(pivot, "terminal_value"))
         if "terminal_value" in inputs else  # a plan stored before the optimizer valued it
         {"name": "[pivot.terminal_value]", "value": HORIZON_ONLY, "unit": "-",
          "source": "model"}),
        (tax_row(inputs["tax"], TAX_NOT_USED) if inputs.get("tax") else
         tax_row(None) if "tax" in inputs or not inputs["tax_in_file"] else
         # (a plan stored before the tax's line)
         {"name": "[pivot.tax]", "value": PRE_TAX, "unit": "-",
          "source": "file; " + TAX_NOT_USED}),
        {"name": "risk aversion", "value": inputs["risk_aversion"], "unit": "-",
         "source": "run setting"},
        {"name": "[optimize] cvar_alpha", "value": inputs["cvar_alpha"], "unit": "-",
         "source": src(opt, "cvar_alpha")},
        {"name": "scenarios, seed", "value": f"{inputs['n_scenarios']}, seed {inputs['seed']}"
         + (" (deterministic: every volatility zero, every tenant signing)"
            if inputs.get("deterministic") else ""),
         "unit": "-", "source": "run setting"},
        {"name": "[optimize] block_mw",
         "value": inputs["unit_mw"] if inputs["integer"] else "continuous MW",
         "unit": "MW" if inputs["integer"] else "-",
         "source": "run setting" if inputs["continuous_run_setting"] else src(opt, "block_mw")},
        {"name": "[optimize] build_mw_per_quarter",
         "value": _limit(inputs["build_mw_per_quarter"]), "unit": "MW/quarter",
         "source": src(opt, "build_mw_per_quarter")},
        {"name": "[optimize] equity_budget_usd_per_year", "value": budget_value,
         "unit": "USD/year", "source": src(opt, "equity_budget_usd_per_year")},
        {"name": "[optimize] debt_capacity_usd", "value": _limit(inputs["debt_capacity_usd"]),
         "unit": "USD", "source": src(opt, "debt_capacity_usd")},
        {"name": "[financing] loan_to_cost_fraction",
         "value": inputs["loan_to_cost_fraction"], "unit": "-",
         "source": src(set(inputs["financing_fields_in_file"]), "loan_to_cost_fraction")},
        *tenant_rows,
        *(market_rows(inputs) + (anchor_row(inputs) if "scenario" in inputs else [])
          + drift_row(inputs) if "market" in inputs else [
            # a plan stored before the center path was recorded: the [pivot] market
            {"name": "[pivot] btc_price_usd", "value": inputs["btc_price_usd"],
             "unit": "USD", "source": src(pivot, "btc_price_usd", market)},
            {"name": "[pivot] btc_price_growth_per_year",
             "value": inputs["btc_price_growth_per_year"], "unit": "1/year",
             "source": src(pivot, "btc_price_growth_per_year")},
            {"name": "[pivot] network_hashrate_growth_per_year",
             "value": inputs["network_hashrate_growth_per_year"], "unit": "1/year",
             "source": src(pivot, "network_hashrate_growth_per_year")},
            *_fleet_rows(inputs, pivot, market)]),
        *([_price_center_row(inputs)] if "scenario" in inputs else []),
        *_spread_rows(inputs),
        # the center path's too: it moves a deterministic plan as well
        *(hashrate_response_row(inputs) if "scenario" in inputs else []),
        *_power_rows(inputs),
        {"name": "regulation rules", "value": rules, "unit": "-",
         "source": "file" if inputs.get("rules_file") else "default"},
        *site_assumption_rows(inputs.get("site_assumptions", []), lease_terms=not tenants,
                              # (a plan stored before the phases' row: as pivot prints them)
                              hall_leases="phases_not_used" not in inputs),
        *phase_rows(inputs.get("phases_not_used", []),
                    len(inputs.get("site_assumptions", [])) > 1),
        *hosting_risk_rows(inputs.get("site_assumptions", []), "optimize"),
        *corporate_cost_rows(inputs.get("corporate_costs"), "optimize"),
    ]


__all__ = ["HORIZON_ONLY", "plan_assumption_facts", "resolved_assumptions"]
