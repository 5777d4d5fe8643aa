"""Every figure of a finished run, by its kind (:func:`for_run`)."""

from __future__ import annotations

from typing import Any

from hashpivot.reports.labels import (
    dispatch_sources_text,
    fan_sample_text,
    power_fan_nodes,
    sources_text,
)
from hashpivot.reports.tables.strategies import taxed, tornado_changes_with_terminal_value
from hashpivot.web.charts.backtest import backtest_history
from hashpivot.web.charts.common import _with_sources
from hashpivot.web.charts.cost import cost_vs_price, mw_split
from hashpivot.web.charts.dispatch import dispatch_heatmap, dispatch_timezone, dispatch_uplift
from hashpivot.web.charts.optimize import optimize_plan, optimize_strategies
from hashpivot.web.charts.pivot import pivot_cumulative, pivot_npv, pivot_tornado
from hashpivot.web.charts.simulate import (
    fan,
    simulate_liquidity,
    simulate_npv,
    simulate_reverse_margin,
)


def run_sources(kind: str, results: dict[str, Any]) -> str:
    """The data a stored run's numbers come from, with their attributions (Coin Metrics'
    with its CC BY-NC 4.0 licence), as the run recorded them: a pivot's, simulate's or
    optimize's inputs (:func:`~hashpivot.reports.labels.sources_text`), a cost run's
    network figures' source, a dispatch's prices and hashprice sources; "" for a backtest
    (its figure names its days' sources itself) and a run that recorded none."""
    if kind in ("pivot", "simulate"):
        return sources_text(results.get("inputs") or {})
    if kind == "optimize":  # (its inputs are stored as its assumptions)
        return sources_text(results.get("assumptions") or {})
    if kind == "cost":
        return cost_sources(results.get("network") or {})
    if kind == "dispatch":
        return dispatch_sources_text(results)
    return ""


def cost_sources(network: dict[str, Any]) -> str:
    """The source of a cost run's network figures, with the day they are of where its words
    do not name it (``Coin Metrics Community Network Data (CC BY-NC 4.0) on 2025-09-26``; a
    source of figures given in part already says ``... on DAY``): a cost chart's numbers are
    of that one day."""
    source = str(network.get("source") or "").replace("Source: ", "")
    day = str(network.get("date") or "")
    return f"{source} on {day}" if source and day and day not in source else source


def with_run_sources(fig: dict[str, Any], kind: str, results: dict[str, Any]
                     ) -> dict[str, Any]:
    """A figure drawn from a stored ``kind`` run's ``results`` outside its page (the
    portfolio overview's cost and plan charts), naming the data the run drew on as the
    run's page does (:func:`run_sources`)."""
    return _with_sources(fig, run_sources(kind, results))


def for_run(kind: str, results: dict[str, Any], charts: dict[str, Any],
            inputs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every figure of a finished run (``inputs``: its stored inputs, which name the
    dispatch prices' time zone), each naming the data it is drawn from: the run's
    (:func:`run_sources`), or the portfolio file for a figure drawn from it alone (a cost
    run's MW split: :func:`_portfolio_figures`)."""
    sources = run_sources(kind, results)
    return [*(_with_sources(fig, sources) for fig in _figures(kind, results, charts, inputs)),
            *_portfolio_figures(kind, charts)]


def _portfolio_figures(kind: str, charts: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures of a run drawn from its portfolio alone, each naming the file as its
    source itself (a cost run's MW split, after its other figure)."""
    if kind == "cost" and charts.get("mw_split"):
        return [mw_split(charts["mw_split"])]
    return []


def _figures(kind: str, results: dict[str, Any], charts: dict[str, Any],
             inputs: dict[str, Any] | None) -> list[dict[str, Any]]:
    """:func:`for_run`'s figures, before their sources are added."""
    if kind == "cost":  # (its MW split: _portfolio_figures)
        return [cost_vs_price(results)]
    if kind == "backtest":
        return [backtest_history(charts)]
    if kind == "pivot":
        pivot = (results.get("strategies") or {}).get(results.get("pivot"), {})
        name = str(results.get("pivot") or "")
        baseline = str(results.get("baseline") or "keep_mining")
        figs = [pivot_npv(charts, results), pivot_cumulative(charts),
                pivot_tornado(charts, pivot.get("npv_vs_baseline_usd"), pivot=name,
                              baseline=baseline, pre_tax=taxed(results))]
        if tornado_changes_with_terminal_value(charts.get("tornado") or []):
            figs.append(pivot_tornado(
                charts, pivot.get("npv_with_terminal_value_vs_baseline_usd"),
                with_terminal_value=True, pivot=name, baseline=baseline,
                pre_tax=taxed(results)))
        flex = dispatch_uplift(results)
        return figs + ([flex] if flex is not None else [])
    if kind == "simulate":
        npv, liquidity = simulate_npv(results, charts), simulate_liquidity(results)
        figs = [f for f in (npv, liquidity, simulate_reverse_margin(results)) if f is not None]
        sample = fan_sample_text(int(results.get("n_paths") or 0),
                                 results.get("inputs") or {}) if results.get("n_paths") else ""
        figs += [fan(charts, "btc_price_usd", "USD", log=True, sample=sample),
                 fan(charts, "hashprice_usd_per_ph_day", "USD/PH/day", sample=sample)]
        # one power fan per index market, each named by its node where there are several
        fans = charts.get("fan", {})
        nodes = power_fan_nodes(results.get("inputs") or {})
        figs += [fan(charts, k, "USD/MWh", sample=sample, node=nodes.get(k)) for k in fans
                 if k == "power_price_usd_per_mwh" or k in nodes]
        figs += [fan(charts, k, "USD", sample=sample) for k in charts.get("fan", {})
                 if k.startswith("cash_usd:")]
        flex = dispatch_uplift(results)
        return figs + ([flex] if flex is not None else [])
    if kind == "dispatch":
        return [dispatch_heatmap(charts, dispatch_timezone(inputs or {}))]
    if kind == "optimize":  # the results hold every value the strategies chart shows
        return [optimize_plan(charts), optimize_strategies(results)]
    return []


__all__ = ["for_run", "run_sources", "with_run_sources"]
