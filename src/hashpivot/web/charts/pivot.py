"""The pivot run's figures: NPV by strategy, cumulative free cash flow and the
sensitivity tornado."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from hashpivot.reports.labels import format_tornado_input
from hashpivot.web.charts.common import _fig, _num


def pivot_cumulative(charts: dict[str, Any]) -> dict[str, Any]:
    """Cumulative unlevered free cash flow of each strategy [USD]."""
    fig = go.Figure()
    for name, ys in charts.get("cumulative_fcf_usd", {}).items():
        fig.add_trace(go.Scatter(x=charts.get("periods", []), y=ys, name=name))
    fig.update_layout(yaxis={"title": "cumulative free cash flow [USD]"})
    return _fig(fig, "Pivot comparison: cumulative free cash flow")


def pivot_npv(charts: dict[str, Any], results: dict[str, Any] | None = None
              ) -> dict[str, Any]:
    """NPV of each strategy to the horizon, without terminal value [USD] (the stored
    chart's), and beside it the NPV with the terminal value where ``results`` hold it."""
    npv = charts.get("npv_usd", {})
    strategies = (results or {}).get("strategies") or {}
    with_tv = [_num((strategies.get(n) or {}).get("npv_with_terminal_value_usd")) for n in npv]
    fig = go.Figure(go.Bar(x=list(npv), y=list(npv.values()),
                           name="NPV to the horizon, without terminal value [USD]"))
    title = "NPV by strategy: to the horizon, without terminal value"
    if npv and all(math.isfinite(v) for v in with_tv):
        fig.add_trace(go.Bar(x=list(npv), y=with_tv, name="NPV with the terminal value [USD]"))
        title = "NPV by strategy: to the horizon, and with the terminal value"
    fig.update_layout(yaxis={"title": "NPV [USD]"}, barmode="group")
    return _fig(fig, title)


def pivot_tornado(charts: dict[str, Any], base_usd: float | None = None,
                  with_terminal_value: bool = False, pivot: str = "",
                  baseline: str = "keep_mining", pre_tax: bool = False) -> dict[str, Any]:
    """Tornado of NPV(pivot) - NPV(keep mining) [USD]: per input, a bar from the base case
    to the value at the low input and one to the value at the high input, the largest
    swing on top; ``pivot`` and ``baseline`` name the strategies compared (title, axis);
    ``pre_tax``: the run models income tax, so the title says these NPVs are pre-tax.

    ``base_usd`` is the pivot strategy's NPV vs keep mining at every input's base value;
    without it the bars start at zero. ``with_terminal_value``: the NPVs with their
    terminal value (the stored rows' ``npv_with_tv_*`` columns), else to the horizon."""
    prefix, swing = (("npv_with_tv_vs_baseline", "swing_with_tv_usd") if with_terminal_value
                     else ("npv_vs_baseline", "swing_usd"))
    rows = sorted(charts.get("tornado", []), key=lambda r: -_num(r.get(swing, 0.0)))
    labels = [str(r.get("label", r.get("variable", ""))) for r in rows]
    base = _num(base_usd)
    start = base if math.isfinite(base) else 0.0
    fig = go.Figure()
    for key, name, side in ((f"{prefix}_low_usd", "at the low input", "low_input"),
                            (f"{prefix}_high_usd", "at the high input", "high_input")):
        # hover: the input's value and the NPV difference it gives (the bar's end)
        hover = [[format_tornado_input(_num(r.get(side)), str(r.get("unit", ""))),
                  f"{_num(r.get(key)) / 1e6:,.1f}"] for r in rows]
        fig.add_trace(go.Bar(
            y=labels, x=[_num(r.get(key)) - start for r in rows], base=start,
            orientation="h", name=name, opacity=0.85, customdata=hover,
            hovertemplate="%{y}: %{customdata[0]}<br>NPV vs keep mining %{customdata[1]} "
                          "M USD<extra></extra>",
        ))
    if math.isfinite(base):
        # named in the legend with its value, as the --out chart's "base value" (a label
        # above the plot sat on the title's source line)
        fig.add_vline(x=base, line_dash="dot", line_color="black")
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={
            "dash": "dot", "color": "black"}, name=f"base case {base / 1e6:,.1f} M USD"))
    compared = f"{pivot} vs {baseline}" if pivot else f"the pivot vs {baseline}"
    fig.update_layout(barmode="overlay", yaxis={"autorange": "reversed"}, xaxis={
        "title": f"NPV({pivot or 'pivot'}) - NPV({baseline}) [USD]"})
    npv = "NPV with the terminal value" if with_terminal_value else "NPV to the horizon"
    return _fig(fig, f"Sensitivity (tornado): {'pre-tax ' if pre_tax else ''}{npv}, "
                     f"{compared}")


__all__ = ["pivot_cumulative", "pivot_npv", "pivot_tornado"]
