"""The backtest run (the portfolio's economics day by day over the bundled history): its
resolve step (the window, the days not given filled in by the rule ``hashpivot backtest``
shares, :mod:`hashpivot.engines.economics.backtest_window`: by default the year to the
latest day of the data; within the data) and its execute step."""

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
    from hashpivot.engines.economics.backtest_window import backtest_window
    from hashpivot.io import btc_daily_range

    first, last = btc_daily_range()
    given = [None if day is None else day.isoformat() for day in (params.start, params.end)]
    window = backtest_window(given[0], given[1], (first, last))
    start, end = dt.date.fromisoformat(window.start), dt.date.fromisoformat(window.end)
    span = f"the bundled history runs from {first} to {last}"
    problems = [  # (a day the rule gave is in the data when the end is: the end's problem)
        Problem(name, f"{day} is {side} the data: {span}", PARAMS_SOURCE)
        for name, day, side in (("start", start, "before" if start < first else "after"),
                                ("end", end, "after" if end > last else "before"))
        if not first <= day <= last and name not in window.defaults
    ]
    if not problems and start > end:
        problems.append(Problem("end", f"must not be before start ({start})", PARAMS_SOURCE))
    if not any(site.fleet for site in portfolio.sites):  # (the portfolio's problem)
        problems.append(Problem("sites", "no site has a fleet: nothing mines"))
    problems += idle_fleet_problems(portfolio, every=True)  # (as the engine refuses it)
    if problems:
        raise InputError(problems)
    return {"start": window.start, "end": window.end, "defaults": list(window.defaults)}


def execute(
    portfolio: Portfolio, params: run_params.BacktestParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.economics import run_backtest

    context.progress(0.1, "running the backtest")
    assert params.start is not None and params.end is not None
    try:
        result = run_backtest(portfolio, params.start.isoformat(), params.end.isoformat(),
                              defaults=params.defaults)
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
