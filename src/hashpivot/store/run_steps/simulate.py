"""The simulate run (the strategies valued on Monte Carlo paths): its resolve step (the
treasury policy, the conversion and the discount rate, checked together), the checks of
its policy and discount rate and its execute step (within the memory it may use)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.exceptions import InputError, Problem
from hashpivot.models import Portfolio
from hashpivot.reports.serialize import jsonable
from hashpivot.store import run_params
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.run_steps.checks import check_conversion, check_network, problems_of
from hashpivot.store.run_steps.context import RunContext, RunOutput


def _simulate_policies(portfolio: Portfolio, policy: str | None) -> tuple[str, ...]:
    from hashpivot.treasury import policy_order

    try:
        return policy_order(portfolio.treasury, policy)
    except InputError as exc:
        raise exc.with_source(PARAMS_SOURCE) from None


def resolve(portfolio: Portfolio, params: run_params.SimulateParams) -> dict[str, Any]:
    from hashpivot.engines.simulate.config import horizon_months_for
    from hashpivot.models.risk import ScenarioSpec

    problems = problems_of(  # the checks are independent: listed together
        lambda: check_policy(portfolio, params.policy),
        lambda: check_conversion(portfolio, params.site, params.convert_mw, params.start,
                                 horizon_months_for(params.years),
                                 (portfolio.scenario or ScenarioSpec()).start),
        lambda: check_discount_rate(portfolio, params.discount_rate),
        lambda: check_network(portfolio, "pivot", "scenario"),
    )
    if problems:
        raise InputError(problems)
    return dict(params.model_dump(mode="json"))


def check_discount_rate(portfolio: Portfolio, discount_rate: float | None) -> None:
    """An :class:`InputError` at ``discount_rate`` when the file's Gordon terminal value
    cannot be taken at that rate (growth at or above it); none without a rate."""
    from hashpivot.models.pivot import PivotSpec, gordon_rate_problem

    if discount_rate is None:
        return
    tv = (portfolio.pivot or PivotSpec()).terminal_value
    gordon = gordon_rate_problem(tv, discount_rate, discount_rate)
    if gordon:
        raise InputError([Problem("discount_rate", f"[pivot.terminal_value] {gordon}",
                                  PARAMS_SOURCE)])


def check_policy(portfolio: Portfolio, policy: str | None) -> None:
    """An :class:`InputError` at ``policy`` when the treasury cannot run it."""
    _simulate_policies(portfolio, policy)


def execute(
    portfolio: Portfolio, params: run_params.SimulateParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.simulate import FAN_QUANTILES, SimulationConfig, simulate
    from hashpivot.engines.simulate.config import horizon_months_for, with_price_model
    from hashpivot.engines.simulate.memory import MemoryEstimate, check_memory, memory_limit

    portfolio = with_price_model(portfolio, params.price_model)
    config = SimulationConfig(
        n_paths=params.paths,
        horizon_months=horizon_months_for(params.years),
        seed=params.seed,
        chunk_paths=params.chunk_paths,
        discount_rate=params.discount_rate,
        site_name=params.site,
        convert_mw=params.convert_mw,
        convert_start=params.start,
        policies=_simulate_policies(portfolio, params.policy),
    )

    def chunks(done: int, total: int) -> None:
        context.progress(0.05 + 0.9 * done / max(total, 1), f"{done}/{total} chunks")

    limit_bytes, limit_source = memory_limit(
        context.max_memory_mib, setting="HASHPIVOT_MAX_MEMORY_MIB"
    )

    def fits(estimate: MemoryEstimate) -> None:
        check_memory(
            estimate, limit_bytes, limit_source, source=PARAMS_SOURCE,
            fixed_settings=("chunk_paths",),  # one thread per run: no `threads` to lower
        )

    result = simulate(
        portfolio, config, threads=1, progress=chunks, on_estimate=fits, source=PARAMS_SOURCE
    )
    charts = {
        "periods": [str(p) for p in result.periods],
        "quantiles": list(FAN_QUANTILES),
        "fan": {k: np.asarray(v).tolist() for k, v in result.fan.items()},
        "npv_usd": {
            n: np.quantile(np.asarray(v), [0.05, 0.25, 0.5, 0.75, 0.95]).tolist()
            for n, v in result.npv_usd.items()
        },
    }
    return RunOutput(jsonable(result.to_json()), jsonable(charts))


__all__ = ["check_discount_rate", "check_policy", "execute", "resolve"]
