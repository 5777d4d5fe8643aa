"""The backtest run (the portfolio's economics day by day over the bundled history): its
resolve step (the window, by default the last 365 days of data, within the data) and its
execute step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models import Portfolio
from hashpivot.reports.serialize import jsonable
from hashpivot.store import run_params
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.run_steps.context import RunContext, RunOutput


def resolve(portfolio: Portfolio, params: run_params.BacktestParams) -> dict[str, Any]:
    from hashpivot.engines.economics import idle_fleet_problems
    from hashpivot.io import btc_daily_range

    first, last = btc_daily_range()
    end = params.end or last
    start = params.start or max(first, end - dt.timedelta(days=364))
    span = f"the bundled history runs from {first} to {last}"
    problems = [
        Problem(name, f"{day} is {side} the data: {span}", PARAMS_SOURCE)
        for name, day, side in (("start", start, "before" if start < first else "after"),
                                ("end", end, "after" if end > last else "before"))
        if not first <= day <= last
    ]
    if not problems and start > end:
        problems.append(Problem("end", f"must not be before start ({start})", PARAMS_SOURCE))
    if not any(site.fleet for site in portfolio.sites):  # (the portfolio's problem)
        problems.append(Problem("sites", "no site has a fleet: nothing mines"))
    problems += idle_fleet_problems(portfolio, every=True)  # (as the engine refuses it)
    if problems:
        raise InputError(problems)
    return {"start": start.isoformat(), "end": end.isoformat()}


def execute(
    portfolio: Portfolio, params: run_params.BacktestParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.economics import run_backtest

    context.progress(0.1, "running the backtest")
    assert params.start is not None and params.end is not None
    try:
        result = run_backtest(portfolio, params.start.isoformat(), params.end.isoformat())
    except DataError as exc:
        raise InputError([Problem("start", str(exc), PARAMS_SOURCE)]) from None
    daily = result.daily
    cols = [
        "btc_price_usd",
        "hashprice_usd_per_ph_day",
        "cost_per_btc_direct_usd",
        "cost_per_btc_total_usd",
    ]
    charts = {
        "dates": [d.strftime("%Y-%m-%d") for d in daily.index],
        **{c: daily[c].to_list() for c in cols if c in daily},
        "history_source": result.history_source,  # (the chart's source line)
    }
    return RunOutput(jsonable({"summary": result.summary, "files": [], "notes": result.notes,
                               "resolved_assumptions": result.resolved_assumptions()}),
                     jsonable(charts))


__all__ = ["execute", "resolve"]
