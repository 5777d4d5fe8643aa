"""The pivot run (the AI/HPC strategies valued on the deterministic path): its resolve step
(the conversion's site, MW and start as the engine takes them, and the network the file
gives) and its execute step."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio
from hashpivot.reports.serialize import jsonable
from hashpivot.store import run_params
from hashpivot.store.run_steps.checks import check_conversion, check_network, problems_of
from hashpivot.store.run_steps.context import RunContext, RunOutput


def resolve(portfolio: Portfolio, params: run_params.PivotParams) -> dict[str, Any]:
    problems = problems_of(  # independent: listed together
        lambda: check_conversion(portfolio, params.site, params.convert_mw, params.start),
        lambda: check_network(portfolio, "pivot"),
    )
    if problems:
        raise InputError(problems)
    return dict(params.model_dump(mode="json"))


def execute(
    portfolio: Portfolio, params: run_params.PivotParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.pivot import run_pivot

    context.progress(0.1, "valuing the strategies")
    result = run_pivot(
        portfolio, site_name=params.site, convert_mw=params.convert_mw, start=params.start
    )
    periods = [str(p) for p in result.strategies[0].cash_flows.periods]
    charts = {
        "periods": periods,
        "cumulative_fcf_usd": {
            s.name: np.cumsum(s.cash_flows.unlevered_fcf_usd[0]).tolist()
            for s in result.strategies
        },
        "npv_usd": {s.name: s.npv_usd for s in result.strategies},
        "tornado": result.tornado.to_dict("records") if not result.tornado.empty else [],
    }
    return RunOutput(jsonable(result.to_json_dict()), jsonable(charts))


__all__ = ["execute", "resolve"]
