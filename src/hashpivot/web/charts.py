"""Plotly figures of the dashboard, built from stored run results (JSON for plotly.js)."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from hashpivot.reports.labels import (
    REVERSE_MARGIN_SAME_NOTE,
    REVERSE_MARGIN_VIEWS_NOTE,
    fan_sample_text,
    format_tornado_input,
)
from hashpivot.reports.tables.optimize import PLAN_LABEL
from hashpivot.reports.tables.strategies import (
    SIMULATE_TREASURY_ROWS,
    taxed,
    tornado_changes_with_terminal_value,
)

_LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "height": 380,
    "legend": {"orientation": "h", "y": -0.2},
}


def _fig(fig: go.Figure, title: str, **layout: Any) -> dict[str, Any]:
    """The figure as plotly JSON with the dashboard's layout (``layout`` overrides it)."""
    fig.update_layout(title=title, **{**_LAYOUT, **layout})
    out: dict[str, Any] = fig.to_plotly_json()
    return out


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


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
        fig.add_vline(x=price, line_dash="dash", line_color="#555",
                      annotation_text=f"BTC {price:,.0f}", row=1, col=1)
        if hashprice:
            fig.add_vline(x=price, line_dash="dash", line_color="#555", row=2, col=1)
    fig.update_xaxes(title_text="BTC price [USD]", row=2, col=1)
    fig.update_yaxes(title_text="USD per BTC", row=1, col=1)
    fig.update_yaxes(title_text="hashprice<br>[USD/PH/day]", rangemode="tozero", row=2, col=1)
    return _fig(fig, "Cost per BTC against the BTC price", height=520)


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
        yaxis2={"title": "hashprice [USD/PH/day]", "overlaying": "y", "side": "right"},
    )
    source = charts.get("history_source")  # (none in a run stored before it)
    return _fig(fig, "BTC price and cost per BTC (backtest)"
                + (f"<br><sup>Source: {source}</sup>" if source else ""))


def mw_split(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked MW per site once the planned phases are built: mining (fleet with overhead,
    less what the halls displace), the AI load a dispatching site serves, AI/HPC (planned
    phases) and capacity left unused; a
    marker at today's mining MW where the plan changes it. (Rows stored before
    ``mining_after_plan_mw`` show today's mining.)"""
    sites = [r["site"] for r in rows]
    after = [float(r.get("mining_after_plan_mw", r["mining_mw"])) for r in rows]
    ai = [float(r["ai_mw"]) for r in rows]
    served = [float(r.get("ai_load_mw", 0.0)) for r in rows]
    unused = [max(0.0, float(r["capacity_mw"]) - m - a - f) if r.get("capacity_mw") else 0.0
              for r, m, a, f in zip(rows, after, ai, served, strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=sites, y=after, name="mining [MW]"))
    if any(served):
        fig.add_trace(go.Bar(x=sites, y=served, name="AI load served today [MW]"))
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
    return _fig(fig, "MW split: mining vs AI/HPC once the planned halls are built")


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
        fig.add_vline(x=base, line_dash="dot", annotation_text="base case",
                      annotation_position="top")
    compared = f"{pivot} vs {baseline}" if pivot else f"the pivot vs {baseline}"
    fig.update_layout(barmode="overlay", yaxis={"autorange": "reversed"}, xaxis={
        "title": f"NPV({pivot or 'pivot'}) - NPV({baseline}) [USD]"})
    npv = "NPV with the terminal value" if with_terminal_value else "NPV to the horizon"
    return _fig(fig, f"Sensitivity (tornado): {'pre-tax ' if pre_tax else ''}{npv}, "
                     f"{compared}")


#: Fan-chart titles of the simulated quantities (a ``cash_usd:<strategy>`` key names the
#: strategy after the title).
FAN_TITLES = {
    "btc_price_usd": "BTC price",
    "hashprice_usd_per_ph_day": "Hashprice",
    "power_price_usd_per_mwh": "Power price",
    "cash_usd": "Treasury cash",
}


def fan(charts: dict[str, Any], key: str, unit: str, log: bool = False,
        sample: str = "") -> dict[str, Any]:
    """Fan chart of one simulated quantity: 5-95 % and 25-75 % bands and the median
    (``log``: a logarithmic axis, for prices that compound; ``sample``: the paths the
    quantiles are taken over, in the title)."""
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
    quantity, _, strategy = key.partition(":")
    title = FAN_TITLES.get(quantity, quantity)
    fig.update_layout(yaxis={"title": f"{title} [{unit}]", **({"type": "log"} if log else {})})
    return _fig(fig, f"{title}{f', {strategy}' if strategy else ''}: Monte Carlo fan"
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
    # the strategies' names are long: the legend goes below them, not over them
    title = "Plan vs simple strategies (same scenarios)"
    if left_out:
        title += f"<br><sup>not shown, infeasible: {', '.join(left_out)}</sup>"
    return _fig(fig, title, height=430,
                margin={"l": 60, "r": 20, "t": 50, "b": 40},
                legend={"orientation": "h", "y": -0.45})


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


def btc_price(rows: list[dict[str, Any]], sources: list[dict[str, str]]) -> dict[str, Any]:
    """BTC price history [USD], titled with the sources of its days (``sources``:
    :func:`hashpivot.io.btc_daily_sources`' spans; Coin Metrics' with its attribution)."""
    from hashpivot.io import sources_text

    fig = go.Figure(go.Scatter(x=[r["date"] for r in rows],
                               y=[r.get("price_usd") for r in rows], name="BTC [USD]"))
    fig.update_layout(yaxis={"title": "BTC price [USD]", "type": "log"})
    return _fig(fig, f"BTC price<br><sup>Source: {sources_text(sources)}</sup>")


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


def for_run(kind: str, results: dict[str, Any], charts: dict[str, Any],
            inputs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every figure of a finished run (``inputs``: its stored inputs, which name the
    dispatch prices' time zone)."""
    if kind == "cost":
        figs = [cost_vs_price(results)]
        if charts.get("mw_split"):
            figs.append(mw_split(charts["mw_split"]))
        return figs
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
        if "power_price_usd_per_mwh" in charts.get("fan", {}):
            figs.append(fan(charts, "power_price_usd_per_mwh", "USD/MWh", sample=sample))
        figs += [fan(charts, k, "USD", sample=sample) for k in charts.get("fan", {})
                 if k.startswith("cash_usd:")]
        flex = dispatch_uplift(results)
        return figs + ([flex] if flex is not None else [])
    if kind == "dispatch":
        return [dispatch_heatmap(charts, dispatch_timezone(inputs or {}))]
    if kind == "optimize":  # the results hold every value the strategies chart shows
        return [optimize_plan(charts), optimize_strategies(results)]
    return []
