"""The optimize run (the conversion plan chosen over sampled scenarios): its resolve step
(the plan problem resolved as the run will: tenants' sites, committed conversions) and its
execute step."""

from __future__ import annotations

from typing import Any

from hashpivot.exceptions import InputError, Problem
from hashpivot.models import Portfolio
from hashpivot.reports.serialize import jsonable
from hashpivot.store import run_params
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.run_steps.checks import check_network, problems_of
from hashpivot.store.run_steps.context import RunContext, RunOutput


def resolve(portfolio: Portfolio, params: run_params.OptimizeParams) -> dict[str, Any]:
    # (a portfolio with no [optimize] table runs on its defaults, as `hashpivot optimize`)
    from hashpivot.optimize import resolve_problem

    problems = problems_of(  # as the run resolves it: tenants' sites, committed
        # conversions (about a second), and the network its scenarios are centred on
        lambda: resolve_problem(portfolio, continuous=params.continuous,
                                fixed_through=params.fixed_through, source=PARAMS_SOURCE),
        lambda: check_network(portfolio, "pivot", "scenario"),
    )
    if problems:  # a run parameter's problem is the run's, the rest the file's
        raise InputError([Problem(p.path, p.message, PARAMS_SOURCE if p.path in
                                  run_params.OptimizeParams.model_fields else "")
                          for p in problems])
    return dict(params.model_dump(mode="json"))


def execute(
    portfolio: Portfolio, params: run_params.OptimizeParams, context: RunContext
) -> RunOutput:
    from hashpivot.optimize import OptimizeConfig, optimize_plan

    config = OptimizeConfig(
        n_scenarios=params.scenarios,
        seed=params.seed,
        risk_aversion=params.risk_aversion,
        time_limit_s=params.time_limit_s,
        gap=params.gap,
        fixed_through=params.fixed_through,
        continuous=params.continuous,
        oos_scenarios=params.oos_scenarios,
        evpi_scenarios=params.evpi_scenarios,
        deterministic=params.deterministic,
    )

    def chunks(done: int, total: int) -> None:
        context.progress(0.05 + 0.6 * done / max(total, 1), f"scenario coefficients {done}/{total}")

    context.progress(0.02, "resolving the plan problem")
    result = optimize_plan(portfolio, config, progress=chunks, source=PARAMS_SOURCE)
    out = jsonable(result.to_json())
    charts = {
        "plan": out.get("plan", []),
        "strategies": out.get("strategies", {}),
        "expected_npv_usd": out.get("expected_npv_usd"),
        "cvar95_usd": out.get("cvar95_usd"),
    }
    return RunOutput(out, charts)



__all__ = ["execute", "resolve"]
