"""Plotly figures of the dashboard, built from stored run results (JSON for plotly.js),
one module a run kind: :mod:`.cost` (also the MW split of the portfolio overview),
:mod:`.backtest`, :mod:`.pivot`, :mod:`.simulate` (with the Monte Carlo fans),
:mod:`.dispatch` (also a dispatching site's flexibility, drawn for pivot and simulate
runs), :mod:`.optimize`; :mod:`.market_data` the market data page's; what they share in
:mod:`.common` (the layout, :func:`~.common._fig`). :func:`for_run` (:mod:`.runs`) gives
every figure of a finished run.
"""

from __future__ import annotations

from hashpivot.web.charts.backtest import backtest_history
from hashpivot.web.charts.cost import cost_vs_price, mw_split
from hashpivot.web.charts.dispatch import dispatch_heatmap, dispatch_timezone, dispatch_uplift
from hashpivot.web.charts.market_data import btc_price
from hashpivot.web.charts.optimize import optimize_plan, optimize_strategies
from hashpivot.web.charts.pivot import pivot_cumulative, pivot_npv, pivot_tornado
from hashpivot.web.charts.runs import for_run, with_run_sources
from hashpivot.web.charts.simulate import (
    CI95_HALF,
    FAN_TITLES,
    LIQUIDITY_BARS,
    fan,
    simulate_liquidity,
    simulate_npv,
    simulate_reverse_margin,
)

__all__ = [
    "CI95_HALF",
    "FAN_TITLES",
    "LIQUIDITY_BARS",
    "backtest_history",
    "btc_price",
    "cost_vs_price",
    "dispatch_heatmap",
    "dispatch_timezone",
    "dispatch_uplift",
    "fan",
    "for_run",
    "mw_split",
    "optimize_plan",
    "optimize_strategies",
    "pivot_cumulative",
    "pivot_npv",
    "pivot_tornado",
    "simulate_liquidity",
    "simulate_npv",
    "simulate_reverse_margin",
    "with_run_sources",
]
