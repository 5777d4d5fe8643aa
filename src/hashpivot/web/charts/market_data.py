"""The market data page's figure: BTC price history."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from hashpivot.web.charts.common import _fig


def btc_price(rows: list[dict[str, Any]], sources: list[dict[str, str]]) -> dict[str, Any]:
    """BTC price history [USD], titled with the sources of its days (``sources``:
    :func:`hashpivot.io.btc_daily_sources`' spans; Coin Metrics' with its attribution)."""
    from hashpivot.io import sources_text

    fig = go.Figure(go.Scatter(x=[r["date"] for r in rows],
                               y=[r.get("price_usd") for r in rows], name="BTC [USD]"))
    fig.update_layout(yaxis={"title": "BTC price [USD]", "type": "log"})
    return _fig(fig, f"BTC price<br><sup>Source: {sources_text(sources)}</sup>")


__all__ = ["btc_price"]
