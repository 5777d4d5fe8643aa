"""The simulate run's figures: the NPV distribution, forced sales and breaches, the
probability of reverse margin and the Monte Carlo fans."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from hashpivot.reports.labels import REVERSE_MARGIN_SAME_NOTE, REVERSE_MARGIN_VIEWS_NOTE
from hashpivot.reports.tables.strategies import SIMULATE_TREASURY_ROWS
from hashpivot.web.charts.common import _fig, _num

#: Fan-chart titles of the simulated quantities (a ``cash_usd:<strategy>`` key names the
#: strategy after the title, a ``power_price_usd_per_mwh:<node>`` key its market node).
FAN_TITLES = {
    "btc_price_usd": "BTC price",
    "hashprice_usd_per_ph_day": "Hashprice",
    "power_price_usd_per_mwh": "Power price",
    "cash_usd": "Treasury cash",
}


def fan(charts: dict[str, Any], key: str, unit: str, log: bool = False,
        sample: str = "", node: str | None = None) -> dict[str, Any]:
    """Fan chart of one simulated quantity: 5-95 % and 25-75 % bands and the median
    (``log``: a logarithmic axis, for prices that compound; ``sample``: the paths the
    quantiles are taken over, in the title; ``node``: the market node of a power fan,
    after the title in place of what ``key`` names after its ``:``)."""
    q = charts.get("fan", {}).get(key)
    x = charts.get("periods", [])
    fig = go.Figure()
    if q and len(q) == 5:
        fig.add_trace(go.Scatter(x=x, y=q[4], line={"width": 0}, showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=q[0], fill="tonexty", line={"width": 0},
                                 fillcolor="rgba(31,119,180,0.15)", name="5-95 %"))
        fig.add_trace(go.Scatter(x=x, y=q[3], line={"width": 0}, showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=q[1], fill="tonexty", line={"width": 0},
                                 fillcolor="rgba(31,119,180,0.35)", name="25-75 %"))
        fig.add_trace(go.Scatter(x=x, y=q[2], line={"color": "#1f77b4"}, name="median"))
    quantity, _, name = key.partition(":")
    name = node or name
    title = FAN_TITLES.get(quantity, quantity)
    fig.update_layout(yaxis={"title": f"{title} [{unit}]", **({"type": "log"} if log else {})})
    return _fig(fig, f"{title}{f', {name}' if name else ''}: Monte Carlo fan"
                + (f" over {sample}" if sample else ""))


def simulate_npv(results: dict[str, Any], charts: dict[str, Any]) -> dict[str, Any] | None:
    """NPV distribution per strategy [USD]: whiskers P5-P95, box P25-P75, line at the
    median, dashed line at the mean, a diamond at the deterministic NPV (the pivot
    model's); None when the run stored no NPV quantiles."""
    quantiles: dict[str, list[float]] = charts.get("npv_usd") or {}
    names = [n for n, q in quantiles.items() if len(q) == 5]
    if not names:
        return None
    stats: dict[str, dict[str, Any]] = results.get("strategies") or {}
    fig = go.Figure()
    for n in names:
        p5, p25, p50, p75, p95 = (_num(v) for v in quantiles[n])
        fig.add_trace(go.Box(
            x=[n], lowerfence=[p5], q1=[p25], median=[p50], q3=[p75], upperfence=[p95],
            mean=[_num(stats.get(n, {}).get("npv_mean_usd"))], boxmean=True, name=n,
            marker_color="#1f77b4", showlegend=False,
        ))
    det = [_num(stats.get(n, {}).get("npv_deterministic_usd")) for n in names]
    fig.add_trace(go.Scatter(x=names, y=det, mode="markers", name="deterministic (pivot model)",
                             marker={"symbol": "diamond", "size": 11, "color": "#d62728"}))
    fig.update_layout(yaxis={"title": "NPV [USD]"})
    return _fig(fig, "NPV distribution by strategy<br><sup>whiskers P5-P95, box P25-P75, "
                     "median, dashed mean</sup>")


#: The suffix of a figure's 95 % half-width key (``prob_forced_sale_ci95_half``).
CI95_HALF = "_ci95_half"


#: The liquidity chart's bars: (results key, label), the probability rows of the simulate
#: table, labelled as there; "ex capex" = the treasury run again with the capex paid from
#: outside it (``docs/methodology.md``). Their ± rows (``<key>_ci95_half``) are the bars'
#: error bars, not bars of their own.
LIQUIDITY_BARS: tuple[tuple[str, str], ...] = tuple(
    (key, label) for label, unit, key, _ in SIMULATE_TREASURY_ROWS
    if unit == "%" and not key.endswith(CI95_HALF)
)


def simulate_liquidity(results: dict[str, Any]) -> dict[str, Any] | None:
    """Share of paths [%] with a forced BTC sale and with a liquidity breach per strategy,
    as run and with the capex paid from outside the treasury; ``None`` without a treasury
    (the results then hold no such figures)."""
    strategies: dict[str, dict[str, Any]] = results.get("strategies") or {}
    names = [n for n, s in strategies.items() if s.get("prob_forced_sale") is not None]
    if not names:
        return None
    fig = go.Figure()
    for key, label in LIQUIDITY_BARS:
        half = [100.0 * _num(strategies[n].get(key + CI95_HALF)) for n in names]
        fig.add_trace(go.Bar(
            x=names, y=[100.0 * _num(strategies[n].get(key)) for n in names], name=label,
            # the 95 % interval's farther end (Wilson), as the table's ± row; a run stored
            # before the ± rows has none
            error_y={"type": "data", "array": half, "visible": True}
            if all(math.isfinite(h) for h in half) else None))
    fig.update_layout(barmode="group", yaxis={"title": "% of paths", "rangemode": "tozero"})
    return _fig(fig, f"Forced sales and breaches ({results.get('main_policy', '')})<br>"
                     "<sup>ex capex: the same treasury with its capex paid from outside it; "
                     "error bars: the table's ± (95 %)</sup>")


def simulate_reverse_margin(results: dict[str, Any]) -> dict[str, Any] | None:
    """Share of paths [%] on which keep-mining's cost per BTC is above the BTC price, per
    month: direct (cash) and total cost, one line when they are the same in every month;
    None without keep-mining among the strategies."""
    if "keep_mining" not in (results.get("strategies") or {}):
        return None
    direct: dict[str, float] = results.get("prob_reverse_margin_direct_by_month") or {}
    total: dict[str, float] = results.get("prob_reverse_margin_total_by_month") or {}
    if not direct:
        return None
    months = list(direct)
    same = [direct[m] for m in months] == [total.get(m) for m in months]
    fig = go.Figure()  # named and explained as the --out chart (reports.simulate)
    fig.add_trace(go.Scatter(x=months, y=[100.0 * _num(direct[m]) for m in months],
                             name="direct = total" if same else "direct"))
    if not same:
        fig.add_trace(go.Scatter(x=months, y=[100.0 * _num(total.get(m)) for m in months],
                                 name="total"))
    fig.update_layout(yaxis={"title": "% of paths", "range": [0, 100]})
    sub = REVERSE_MARGIN_SAME_NOTE if same else REVERSE_MARGIN_VIEWS_NOTE
    return _fig(fig, "P(reverse margin), keep_mining: cost per BTC above the BTC price"
                     f"<br><sup>{sub}</sup>")


__all__ = [
    "CI95_HALF",
    "FAN_TITLES",
    "LIQUIDITY_BARS",
    "fan",
    "simulate_liquidity",
    "simulate_npv",
    "simulate_reverse_margin",
]
