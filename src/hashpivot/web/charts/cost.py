"""The cost run's figures: cost per BTC against the BTC price and the MW split by site
(also the portfolio overview's)."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from hashpivot.reports.labels import MW_SPLIT_SOURCE
from hashpivot.web.charts.common import _fig, _num, _with_sources


def cost_vs_price(results: dict[str, Any]) -> dict[str, Any]:
    """Cost per BTC (direct, total) and revenue per BTC against the BTC price, with the
    reverse-margin zone (price below total cost per BTC); hashprice on a panel below.

    Cost per BTC does not depend on the price [USD/BTC]; revenue per BTC is the price;
    hashprice [USD/PH/day] scales with the price at the run's difficulty and fees. (On a
    second axis of the same panel the hashprice line lay exactly over the revenue line:
    both are proportional to the price.)
    """
    from plotly.subplots import make_subplots

    price = _num(results.get("btc_price_usd"))
    hp = _num(results.get("hashprice_usd_per_ph_day"))
    direct = _num(results.get("cost_per_btc_direct_usd"))
    total = _num(results.get("cost_per_btc_total_usd"))
    finite = [v for v in (price, direct, total) if math.isfinite(v)]
    top = 1.6 * max(finite) if finite else 200_000.0
    xs = [top * i / 60 for i in range(1, 61)]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32],
                        vertical_spacing=0.06)
    fig.add_trace(go.Scatter(x=xs, y=xs, name="revenue per BTC = price [USD/BTC]",
                             line={"color": "#333", "dash": "dot"}), row=1, col=1)
    fig.add_trace(go.Scatter(x=xs, y=[direct] * len(xs), name="cost per BTC, direct [USD/BTC]",
                             line={"color": "#1f77b4"}), row=1, col=1)
    fig.add_trace(go.Scatter(x=xs, y=[total] * len(xs), name="cost per BTC, total [USD/BTC]",
                             line={"color": "#ff7f0e"}), row=1, col=1)
    hashprice = math.isfinite(hp) and math.isfinite(price) and price > 0
    if hashprice:
        fig.add_trace(go.Scatter(x=xs, y=[hp * x / price for x in xs],
                                 name="hashprice [USD/PH/day]", line={"color": "#2ca02c"}),
                      row=2, col=1)
    # (shapes after the traces: plotly leaves them out of a panel that has no trace yet)
    if math.isfinite(total):
        fig.add_vrect(
            x0=0, x1=min(total, top), fillcolor="#d62728", opacity=0.08, line_width=0,
            annotation_text="reverse margin (total)", annotation_position="top left",
            row=1, col=1,
        )
    if math.isfinite(direct):
        fig.add_vrect(x0=0, x1=min(direct, top), fillcolor="#d62728", opacity=0.10,
                      line_width=0, row=1, col=1)
    if math.isfinite(price):
        # its label at the foot of the line: at the top it sat on "reverse margin (total)"
        # where the panel is narrow (a phone)
        fig.add_vline(x=price, line_dash="dash", line_color="#555",
                      annotation_text=f"BTC {price:,.0f}", annotation_position="bottom right",
                      row=1, col=1)
        if hashprice:
            fig.add_vline(x=price, line_dash="dash", line_color="#555", row=2, col=1)
    fig.update_xaxes(title_text="BTC price [USD]", row=2, col=1)
    fig.update_yaxes(title_text="USD per BTC", row=1, col=1)
    fig.update_yaxes(title_text="hashprice<br>[USD/PH/day]", rangemode="tozero", row=2, col=1)
    return _fig(fig, "Cost per BTC against the BTC price", height=520)


def mw_split(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked MW per site once the planned phases are built: mining (fleet with overhead,
    less what the halls displace), the AI load a dispatching site serves, the halls in
    service, AI/HPC (planned phases) and capacity left unused; a
    marker at today's mining MW where the plan changes it. (Rows stored before
    ``mining_after_plan_mw`` show today's mining.) Its source line names the portfolio
    file (:data:`~hashpivot.reports.labels.MW_SPLIT_SOURCE`): no network data is in it."""
    sites = [r["site"] for r in rows]
    after = [float(r.get("mining_after_plan_mw", r["mining_mw"])) for r in rows]
    ai = [float(r["ai_mw"]) for r in rows]
    served = [float(r.get("ai_load_mw", 0.0)) for r in rows]
    halls = [float(r.get("in_service_mw", 0.0)) for r in rows]
    unused = [max(0.0, float(r["capacity_mw"]) - m - a - f - h) if r.get("capacity_mw")
              else 0.0 for r, m, a, f, h in zip(rows, after, ai, served, halls, strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=sites, y=after, name="mining [MW]"))
    if any(served):
        fig.add_trace(go.Bar(x=sites, y=served, name="AI load served today [MW]"))
    if any(halls):
        fig.add_trace(go.Bar(x=sites, y=halls, name="AI/HPC in service [MW]"))
    fig.add_trace(go.Bar(x=sites, y=ai, name="AI/HPC planned [MW]"))
    if any(unused):
        fig.add_trace(go.Bar(x=sites, y=unused, name="unused capacity [MW]",
                             marker_color="#d9d9d9"))
    changed = [i for i, r in enumerate(rows) if abs(after[i] - float(r["mining_mw"])) > 1e-9]
    if changed:
        fig.add_trace(go.Scatter(
            x=[sites[i] for i in changed], y=[rows[i]["mining_mw"] for i in changed],
            mode="markers", marker={"symbol": "line-ew-open", "size": 40, "color": "black"},
            name="mining today [MW]",
        ))
    fig.update_layout(barmode="stack", yaxis={"title": "MW"})
    return _with_sources(_fig(fig, "MW split: mining vs AI/HPC once the planned halls are "
                                   "built"), MW_SPLIT_SOURCE)


__all__ = ["cost_vs_price", "mw_split"]
