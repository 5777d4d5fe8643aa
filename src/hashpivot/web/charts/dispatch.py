"""Dispatch figures: the dispatch run's mining load by day and local hour (and the time
zone of its hours), and a dispatching site's flexibility (pivot and simulate runs)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from hashpivot.web.charts.common import _fig


def dispatch_heatmap(charts: dict[str, Any], timezone: str = "") -> dict[str, Any]:
    """Mean mining load [MW] by day and local hour (``timezone``: the market's IANA zone,
    the clock the hours are on)."""
    fig = go.Figure(
        go.Heatmap(
            x=charts.get("hours", []),
            y=charts.get("days", []),
            z=charts.get("mining_mw", []),
            colorscale="Viridis",
            colorbar={"title": "MW"},
        )
    )
    hour = f"hour of day ({timezone}, local)" if timezone else "hour of day (local)"
    fig.update_layout(xaxis={"title": hour}, yaxis={"title": "day"}, height=560)
    return _fig(fig, "Dispatch: mining load [MW]")


def dispatch_uplift(results: dict[str, Any]) -> dict[str, Any] | None:
    """A dispatching site's flexibility on the central path by month (as ``--out`` draws
    it, :mod:`hashpivot.reports.dispatch_uplift`); None when no site dispatches."""
    from hashpivot.reports.dispatch_uplift import dispatch_uplift_frame, uplift_figure

    frame = dispatch_uplift_frame((results.get("inputs") or {}).get("site_assumptions") or [])
    if frame.empty:
        return None
    return _fig(uplift_figure(frame), "Dispatch flexibility counted per MW still mining"
                "<br><sup>uplift = max(0, margin + gain) - max(0, margin) [USD/MW/month], "
                "central path, keep-mining's fleet</sup>")


def dispatch_timezone(inputs: dict[str, Any]) -> str:
    """The IANA zone of the prices a stored dispatch run dispatched against (the clock of
    its hours): its ``market`` parameter's, else its site's contract market's; "" when
    the inputs name none."""
    from hashpivot.exceptions import InputError
    from hashpivot.io.bundled_markets import market_timezone

    params = inputs.get("params") or {}
    market = params.get("market")
    if not market:
        sites = (inputs.get("portfolio") or {}).get("sites") or []
        site: dict[str, Any] = next(
            (x for x in sites if x.get("name") == params.get("site")), {})
        market = (site.get("power_contract") or {}).get("market")
    try:
        return market_timezone(str(market)) if market else ""
    except InputError:
        return ""


__all__ = ["dispatch_heatmap", "dispatch_timezone", "dispatch_uplift"]
