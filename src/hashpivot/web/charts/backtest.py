"""The backtest run's figure: daily BTC price against cost per BTC."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from hashpivot.web.charts.common import _fig


def backtest_history(charts: dict[str, Any]) -> dict[str, Any]:
    """Daily BTC price against cost per BTC (direct, total) over the backtest window."""
    dates = charts.get("dates", [])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=dates, y=charts.get("btc_price_usd", []),
                             name="BTC price [USD]", line={"color": "#333"}))
    fig.add_trace(go.Scatter(x=dates, y=charts.get("cost_per_btc_direct_usd", []),
                             name="cost per BTC, direct [USD/BTC]"))
    fig.add_trace(go.Scatter(x=dates, y=charts.get("cost_per_btc_total_usd", []),
                             name="cost per BTC, total [USD/BTC]"))
    fig.add_trace(go.Scatter(x=dates, y=charts.get("hashprice_usd_per_ph_day", []), yaxis="y2",
                             name="hashprice [USD/PH/day]", line={"color": "#2ca02c"}))
    fig.update_layout(
        yaxis={"title": "USD per BTC"},
        # its own round ticks (plotly.js puts an overlaying axis's at the left axis's
        # gridlines: 41.93, 46.53 ...), without a second grid
        yaxis2={"title": "hashprice [USD/PH/day]", "overlaying": "y", "side": "right",
                "tickmode": "auto", "showgrid": False},
    )
    source = charts.get("history_source")  # (none in a run stored before it)
    return _fig(fig, "BTC price and cost per BTC (backtest)"
                + (f"<br><sup>Source: {source}</sup>" if source else ""))


__all__ = ["backtest_history"]
