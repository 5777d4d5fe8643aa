"""The decision engine end to end: :func:`optimize_plan`.

Resolve (:func:`~hashpivot.optimize.resolve.resolve_problem`) -> scenario coefficients in
chunks (:mod:`~hashpivot.optimize.scenarios`, locally or on Dask) -> the SAA model
(:mod:`~hashpivot.optimize.model`) -> HiGHS (:mod:`~hashpivot.optimize.solve`) -> the
plan valued on the same scenarios beside keep-mining and the simple strategies, its VSS,
EVPI, two-stage bound, out-of-sample NPV, shadow prices and the rules that bind
(:mod:`~hashpivot.optimize.evaluate`).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hashpivot.compile_time import compile_timer
from hashpivot.engines.simulate import SimulationConfig, prepare
from hashpivot.exceptions import HashpivotError, InputError, Problem, SolverError
from hashpivot.executors import ProgressFn
from hashpivot.models.pivot import PivotSpec
from hashpivot.optimize.assumptions import plan_assumption_facts
from hashpivot.optimize.center_path import expected_over_signings_usd, expected_value_coefficients
from hashpivot.optimize.evaluate import (
    binding_rules,
    evpi_usd,
    plan_frame,
    shadow_price_frame,
    two_stage_bound_usd,
    value_fixed,
)
from hashpivot.optimize.input_notes import (
    block_notes,
    budget_notes,
    late_tenant_notes,
    tenant_size_notes,
)
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.model import USD_SCALE, ObjectiveSpec, build_plan_model
from hashpivot.optimize.plan_portfolio import pivot_value_of_plan
from hashpivot.optimize.resolve import resolve_problem
from hashpivot.optimize.results import PlanResult, StrategyValue
from hashpivot.optimize.scenario_npv import (
    scenario_npv_usd,
    scenario_terminal_value_usd,
)
from hashpivot.optimize.scenarios import (
    CoefficientTask,
    ScenarioCoefficients,
    run_coefficient_chunks,
    scenario_chunks,
)
from hashpivot.optimize.solve import SolveReport, SolveStoppedError, relaxation_duals, solve_model
from hashpivot.optimize.stopped_short import stopped_short_warnings
from hashpivot.optimize.strategies import simple_strategies
from hashpivot.run_defaults import DEFAULT_EVPI_SCENARIOS, DEFAULT_N_SCENARIOS
from hashpivot.scenarios import ScenarioParams

if TYPE_CHECKING:
    from hashpivot.models import Portfolio


@dataclass(frozen=True)
class OptimizeConfig:
    """Run settings of :func:`optimize_plan`.

    Attributes
    ----------
    n_scenarios : int
        In-sample scenarios K. [-]
    seed : int
        Root seed (the risk engine's paths for the same seed). [-]
    risk_aversion : float
        Weight of CVaR in the objective, 0..1. [-]
    time_limit_s : float
        HiGHS time limit of each solve: the plan's, the expected-value plan's, with risk
        aversion the risk-neutral plan's (EVPI), each EVPI scenario's, the two-stage
        bound's LP, each simple strategy's and plan's valuation and the shadow prices'
        relaxation; together they may take many times it. [s]
    gap : float
        Relative MIP gap. [-]
    fixed_through : str or None
        ``'YYYYQn'``: decisions up to it are the committed ones.
    continuous : bool
        Continuous MW instead of hall blocks.
    chunk_scenarios : int
        Scenarios per chunk (part of the reproducibility key with the seed). [-]
    oos_scenarios : int or None
        Out-of-sample scenarios; None: K. [-]
    evpi_scenarios : int
        Scenarios on which perfect-information plans are solved for the EVPI. [-]
    two_stage : bool
        Compute the two-stage bound.
    deterministic : bool
        One scenario with every volatility zero (the pivot model's path).
    horizon_years : int or None
        Overrides the horizon. [year]
    """

    n_scenarios: int = DEFAULT_N_SCENARIOS
    seed: int = 0
    risk_aversion: float = 0.0
    time_limit_s: float = 300.0
    gap: float = 1e-3
    fixed_through: str | None = None
    continuous: bool = False
    chunk_scenarios: int = 250
    oos_scenarios: int | None = None
    evpi_scenarios: int = DEFAULT_EVPI_SCENARIOS
    two_stage: bool = True
    deterministic: bool = False
    horizon_years: int | None = None


def coefficient_task(p: PlanProblem, params: ScenarioParams) -> CoefficientTask:
    """The picklable chunk task of a problem."""
    return CoefficientTask(
        sites=tuple(p.sites),
        tranches=tuple(tuple(t) for t in p.tranches),
        site_specs=tuple(p.site_specs),
        discount_factors=p.discount_factors,
        n_quarters=p.n_quarters,
        n_tranches=p.n_tranches,
        signing_probability=p.signing_probability,
        tenants=tuple(t.name for t in p.tenants),
        params=params,
        terminal_value=p.terminal_value,
        mining_discount_rate=p.mining_discount_rate,
        in_service_npv_usd=p.in_service_npv_usd,
    )


def scenario_params(p: PlanProblem, seed: int, source: str = "") -> tuple[ScenarioParams,
                                                                           dict[str, Any]]:
    """The scenario generator's parameters for the problem's horizon (as ``simulate``)."""
    params, inputs, _ = _scenario_run(p, seed, source)
    return params, inputs


def _scenario_run(p: PlanProblem, seed: int, source: str = "") -> tuple[
        ScenarioParams, dict[str, Any], list[str]]:
    """:func:`scenario_params` and the notes on ``[scenario]``, as ``simulate`` prints
    them (:func:`~hashpivot.engines.simulate.scenario_notes.scenario_notes`)."""
    run = prepare(
        p.portfolio,
        SimulationConfig(n_paths=1, horizon_months=p.n_months, seed=seed, chunk_paths=1,
                         start=str(p.start)),
        source=source,
    )
    return run.task.params, {
        "scenario": run.inputs["scenario"],
        "resolved": run.inputs["resolved"],
        "calibration": run.inputs["calibration"],
        # the center path the scenarios are drawn around (the [scenario] values replace
        # part of the [pivot] market there), as simulate's rows print it
        "market": run.inputs["market"],
        # the power paths of the index sites (none without one)
        **({"power_model": run.inputs["power_model"]} if "power_model" in run.inputs else {}),
        # how the network hashrate answers miners' margins (margin only), as simulate
        **({"hashrate_response": run.inputs["hashrate_response"]}
           if "hashrate_response" in run.inputs else {}),
    }, run.scenario_notes


def _coefficients(
    p: PlanProblem, params: ScenarioParams, config: OptimizeConfig, workers: int | None,
    scheduler: str | None, progress: ProgressFn | None,
) -> tuple[ScenarioCoefficients, ScenarioCoefficients, CoefficientTask]:
    """The in-sample and out-of-sample scenarios' coefficients and their task: one
    scenario, every volatility zero and every tenant signing, for both when
    ``config.deterministic``."""
    if config.deterministic:
        task = coefficient_task(p, params.zero_volatility())
        c = expected_value_coefficients(task)
        c.signed = np.ones_like(c.signed)
        return c, c, task
    task = coefficient_task(p, params)
    chunks = scenario_chunks(config.seed, config.n_scenarios, config.chunk_scenarios)
    c = run_coefficient_chunks(task, chunks, workers, scheduler, progress)
    n_oos = config.oos_scenarios or config.n_scenarios
    c_oos = run_coefficient_chunks(
        task, scenario_chunks(config.seed, n_oos, config.chunk_scenarios, out_of_sample=True),
        workers, scheduler,
    )
    return c, c_oos, task


def optimize_plan(
    portfolio: Portfolio,
    config: OptimizeConfig,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
    source: str = "",
) -> PlanResult:
    """Plan conversions under uncertainty and regulation (see :mod:`hashpivot.optimize`).

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    config : OptimizeConfig
    workers, scheduler
        Run the coefficient chunks on a Dask LocalCluster or an existing scheduler.
    progress : callable, optional
        ``progress(done, total)`` per chunk.
    source : str
        Portfolio file name (messages, the rules file path).

    Returns
    -------
    PlanResult
        The same for the same seed and chunk size, however the chunks run.
    """
    started = time.perf_counter()
    source = source or portfolio.source_file  # (the plan's pivot check reads the rules too)
    p = resolve_problem(
        portfolio,
        horizon_years=config.horizon_years,
        continuous=config.continuous,
        fixed_through=config.fixed_through,
        source=source,
    )
    portfolio = p.portfolio  # as it stands on the first month (engines.standing)
    obj = ObjectiveSpec(config.risk_aversion, p.spec.cvar_alpha)
    params, scen_inputs, scen_notes = _scenario_run(p, config.seed, source)
    t0 = time.perf_counter()
    with compile_timer() as compiling:  # a first run compiles the kernels (cached after)
        c, c_oos, task = _coefficients(p, params, config, workers, scheduler, progress)
    coef_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    pm = build_plan_model(p, c, obj)
    build_s = time.perf_counter() - t1
    try:
        sol, report = solve_model(pm.m, pm.integer, build_s, config.time_limit_s, config.gap)
    except SolveStoppedError as exc:
        raise SolverError(
            f"the plan's solve ({c.n_scenarios} scenarios, time limit "
            f"{config.time_limit_s:g} s per solve): {exc}: no plan to report: raise "
            "`time_limit_s` or run fewer scenarios") from None
    except SolverError as exc:
        if not p.x_lower_mw.any():
            raise
        # the conversions fixed by `fixed_through` are the user's: an input error at them
        # (each fits its site, tenant and quarter, and together every year's budget and
        # the debt capacity: optimize.committed_budget; this is a case those checks miss)
        raise InputError([Problem("optimize.committed", f"{exc} with the committed "
                                  "conversions fixed (`fixed_through`): lower or move them, "
                                  "or fix fewer quarters", source)]) from None
    evaluating = time.perf_counter()
    v = sol[pm.npv_cols]
    npv = scenario_npv_usd(p, c, pm.npv_matrix_usd, v)
    terminal = scenario_terminal_value_usd(p, c, v)
    x_mw = sol[pm.m.variables["conversion"]].reshape(p.n_offers, p.n_quarters) * p.unit_mw

    t_strategies = time.perf_counter()
    strategies = [
        value_fixed(p, c, obj, name, xs, time_limit_s=config.time_limit_s)
        for name, xs in simple_strategies(p).items()
    ]
    timing = {"strategies": time.perf_counter() - t_strategies}
    t_ev = time.perf_counter()
    # value of the stochastic solution: the plan optimal on the expected scenario
    ev = expected_value_coefficients(task)
    ev_pm = build_plan_model(p, ev, ObjectiveSpec(0.0, obj.alpha))
    main_base = (1.0 - obj.risk_aversion) * float(c.baseline_npv_usd.mean())
    main_objective = -report.objective * USD_SCALE + main_base
    ev_report: SolveReport | None = None
    try:
        ev_sol, ev_report = solve_model(ev_pm.m, ev_pm.integer, 0.0, config.time_limit_s,
                                        config.gap)
    except SolveStoppedError as exc:  # (the plan stands: only its comparison is missing)
        vss, ev_stopped = float("nan"), str(exc)
    else:
        ev_x = ev_sol[ev_pm.m.variables["conversion"]].reshape(p.n_offers, p.n_quarters)
        eev = value_fixed(p, c, obj, "expected_value_plan", ev_x * p.unit_mw,
                          time_limit_s=config.time_limit_s)
        vss, ev_stopped = (
            main_objective - eev.objective_usd if eev.feasible else float("nan")), ""
    timing["expected_value_plan"] = time.perf_counter() - t_ev
    t_evpi = time.perf_counter()
    evpi, evpi_short, evpi_solves = evpi_usd(p, c, obj, npv, config.evpi_scenarios,
                                             config.gap, config.time_limit_s)
    timing["evpi"] = time.perf_counter() - t_evpi
    t_bound = time.perf_counter()
    bound, bound_stopped = (
        two_stage_bound_usd(p, c, obj, config.time_limit_s)
        if config.two_stage and not config.deterministic
        else (float("nan"), "")
    )
    timing["two_stage_bound"] = time.perf_counter() - t_bound
    oos = scenario_npv_usd(
        p, c_oos, build_plan_model(p, c_oos, ObjectiveSpec(0.0, obj.alpha)).npv_matrix_usd, v)

    # the same plan on the central path (every volatility zero, every tenant signing) in
    # this model and in pivot on the plan portfolio: the two engines' stories side by side
    center = copy.copy(ev)
    center.signed = np.ones_like(ev.signed)
    center_plan = value_fixed(p, center, obj, "plan", x_mw, time_limit_s=config.time_limit_s)
    plan_rows = plan_frame(p, x_mw)
    cross_check: dict[str, Any] = {
        "optimizer_value_over_keep_usd": float(center_plan.npv_usd[0]
                                               - center.baseline_npv_usd[0]),
    }
    try:
        cross_check |= pivot_value_of_plan(
            portfolio, [{str(k): v for k, v in r.items()} for r in plan_rows.to_dict("records")],
            p.n_months // 12, str(p.start), source,
        )
    except HashpivotError as exc:  # a check: the plan stands, the problem is reported
        cross_check["pivot_error"] = str(exc)
    if cross_check.get("expected_npv_with_tv_vs_keep_usd") is not None:
        # each tenant signing as likely as the file says, over the outcomes of the
        # signings in pivot
        cross_check["optimizer_expected_over_signings_usd"] = expected_over_signings_usd(
            p, ev, obj, x_mw, config.time_limit_s)

    # the floor's binaries held at the plan's values: relaxed, their chord would value
    # mining past the horizon the plan does not give up
    on = pm.m.variables["sga_floor_on"]
    row_dual, col_dual = relaxation_duals(pm.m, config.time_limit_s,
                                          pinned=(on, np.round(sol[on])))
    prices = shadow_price_frame(p, pm, row_dual)
    rules = binding_rules(p, pm, x_mw, col_dual, c)
    inputs: dict[str, Any] = {
        "start": str(p.start),
        "horizon_months": p.n_months,
        "quarters": [p.quarters[0], p.quarters[-1]],
        "discount_rate": p.discount_rate,
        "n_scenarios": c.n_scenarios,
        "seed": config.seed,
        "chunk_scenarios": config.chunk_scenarios,
        "risk_aversion": config.risk_aversion,
        "cvar_alpha": obj.alpha,
        "unit_mw": p.unit_mw,
        "integer": p.integer,
        "fixed_through": config.fixed_through,
        "build_mw_per_quarter": p.build_mw_per_quarter,
        "equity_budget_usd_per_year": p.budget_usd_per_year.tolist(),
        "debt_capacity_usd": p.debt_capacity_usd,
        "loan_to_cost_fraction": p.loan_to_cost_fraction,
        "deterministic": config.deterministic,
        "expected_value_scenario": "the center path (every volatility zero), tenants "
        "signing in expectation",
        "npv": "unlevered free cash flow of the whole portfolio, keep-mining included, "
        "and the terminal value of [pivot.terminal_value]",
        "executor": f"dask:{scheduler}" if scheduler else
        f"dask:LocalCluster({workers})" if workers else "local",
        "sites": [
            {
                "name": s.name,
                "capacity_mw": s.capacity_mw + s.ai_load_mw + s.in_service_mw,  # (the file's)
                "ai_load_mw": s.ai_load_mw,
                "in_service_mw": s.in_service_mw,
                "fleet_power_mw": s.fleet_power_mw,
                "convertible_mw": float(p.site_limit_mw[i]),
                "tranches": [
                    {"label": t.label, "gross_mw": t.gross_mw,
                     "efficiency_j_per_th": t.efficiency_j_per_th}
                    for t in p.tranches[i]
                ],
                "rules": [r.rule_id for r in p.effects[i].rules],
                "dispatch_uplift_usd_per_mw_month": float(p.uplift_usd_per_mw_month[i]),
            }
            for i, s in enumerate(p.sites)
        ],
        "tenants": [
            {"name": t.name, "it_mw": t.it_mw, "probability_signing": t.probability_signing,
             "earliest_quarter": p.quarters[min(t.earliest_quarter, p.n_quarters - 1)],
             # the in-sample scenarios in which the tenant signs (drawn per scenario)
             "scenarios_signed": int(np.count_nonzero(c.signed[:, k] > 0.5))}
            for k, t in enumerate(p.tenants)
        ],
        "dispatch_uplift": p.notes,
        **scen_inputs,
        **plan_assumption_facts(
            portfolio, portfolio.pivot or PivotSpec(), list(p.sites),
            config.horizon_years, config.continuous, months=len(p.discount_factors),
            effects={site.name: e for site, e in zip(p.sites, p.effects, strict=True)},
            # every plan mines every site: those without an offer are printed too, their
            # hosting terms not (until 2026-12-07 they were left out whole)
            offered={p.sites[i].name for i in set(p.offer_site.tolist())},
        ),
    }
    ended = time.perf_counter()
    timing_s = {"coefficients": coef_s, "plan_build": build_s,
                "plan_solve": report.solve_seconds, **timing,
                "evaluation": ended - evaluating, "total": ended - started}
    warnings: list[str] = [*p.standing_notes, *scen_notes,
                           *p.committed_notes, *block_notes(p),
                           *late_tenant_notes(p), *tenant_size_notes(p), *budget_notes(p),
                           *stopped_short_warnings(report, ev_report, main_base,
                                                   (evpi_short, evpi_solves),
                                                   bound_stopped, ev_stopped)]
    return PlanResult(
        plan=plan_rows,
        npv_usd=npv,
        baseline_npv_usd=c.baseline_npv_usd,
        strategies=[
            StrategyValue(s.name, s.npv_usd, s.feasible, s.conversion_mw,
                          s.terminal_value_usd, s.reason)
            for s in strategies
        ],
        out_of_sample_npv_usd=oos,
        vss_usd=vss,
        evpi_usd=evpi,
        two_stage_bound_usd=bound,
        report=report,
        coefficient_seconds=coef_s,
        compile_seconds=compiling.seconds,
        shadow_prices=prices,
        rules=rules,
        objective_usd=main_objective,
        objective_bound_usd=-report.objective_bound * USD_SCALE + main_base,
        timing_seconds=timing_s,
        terminal_value_usd=terminal,
        baseline_terminal_value_usd=(c.baseline_terminal_usd if c.site_terminal_usd is None
                                     else c.baseline_terminal_usd + c.site_terminal_usd),
        out_of_sample_baseline_npv_usd=c_oos.baseline_npv_usd,
        alpha=obj.alpha,
        inputs=inputs,
        warnings=warnings,
        center_path_check=cross_check,
    )
