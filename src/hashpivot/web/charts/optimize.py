"""The optimize run's figures: the plan by quarter and site, and the plan beside the
simple strategies."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from hashpivot.reports.tables.optimize import PLAN_LABEL
from hashpivot.web.charts.common import _fig, _num


def optimize_plan(charts: dict[str, Any]) -> dict[str, Any]:
    """The plan: gross MW converted per quarter, one bar per site (stacked), on every
    quarter from the first start to the last (the quarters without a start are empty, so
    the axis is time: only the quarters with starts were drawn, evenly spaced)."""
    import pandas as pd

    plan = charts.get("plan", [])
    started = sorted({str(r.get("quarter")) for r in plan})
    try:
        quarters = [str(q) for q in pd.period_range(started[0], started[-1], freq="Q")]
    except (IndexError, ValueError):  # no start, or a quarter that is no quarter
        quarters = started
    fig = go.Figure()
    for site in sorted({str(r.get("site")) for r in plan}):
        mw = dict.fromkeys(quarters, 0.0)
        for r in plan:
            if str(r.get("site")) == site:
                mw[str(r.get("quarter"))] += _num(r.get("gross_mw"))
        fig.add_trace(go.Bar(x=quarters, y=[mw[q] for q in quarters], name=site))
    fig.update_layout(barmode="stack",
                      xaxis={"title": "construction start (quarter)", "type": "category"},
                      yaxis={"title": "gross MW converted [MW]"})
    return _fig(fig, "The plan: MW converted to AI/HPC by quarter and site")


def optimize_strategies(results: dict[str, Any]) -> dict[str, Any]:
    """Expected NPV, the terminal value in it, and CVaR95 of the plan beside the simple
    strategies [USD], named as in the value table, from a stored run's results."""
    names = [PLAN_LABEL]
    npv = [results.get("expected_npv_usd")]
    tv = [results.get("expected_terminal_value_usd")]
    cvar = [results.get("cvar95_usd")]
    left_out = []
    for name, s in (results.get("strategies") or {}).items():
        if s.get("feasible"):
            names.append(name)
            npv.append(s.get("expected_npv_usd"))
            tv.append(s.get("expected_terminal_value_usd"))
            cvar.append(s.get("cvar95_usd"))
        else:
            left_out.append(name)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=npv, name="expected NPV [USD]"))
    if any(v is not None for v in tv):  # (a plan stored before terminal values has none)
        fig.add_trace(go.Bar(x=names, y=tv, name="of which terminal value [USD]"))
    fig.add_trace(go.Bar(x=names, y=cvar, name="CVaR95 [USD]"))
    fig.update_layout(barmode="group", yaxis={"title": "USD"},
                      xaxis={"tickangle": -20, "automargin": True})
    # the strategies' names are long: the chart is taller (the legend goes below them)
    title = "Plan vs simple strategies (same scenarios)"
    if left_out:
        title += f"<br><sup>not shown, infeasible: {', '.join(left_out)}</sup>"
    return _fig(fig, title, height=430, margin={"l": 60, "r": 20, "t": 50, "b": 40})


__all__ = ["optimize_plan", "optimize_strategies"]
