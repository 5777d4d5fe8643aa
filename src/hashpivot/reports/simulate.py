"""Monte Carlo outputs: summary, fan quantiles, reverse margin, forced sales and NPV samples
as CSV, a PNG per chart and one self-contained interactive HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hashpivot.reports.charts import (
    new_figure,
    plotly_title,
    save_png,
    set_titles,
    thousands,
    write_page,
)
from hashpivot.reports.dispatch_uplift import write_dispatch_uplift
from hashpivot.reports.labels import (
    REVERSE_MARGIN_SAME_NOTE,
    REVERSE_MARGIN_VIEWS_NOTE,
    discounting_text,
    fan_sample_text,
    power_fan_nodes,
    sources_text,
    with_sources,
)
from hashpivot.reports.out_files import OUT_FILES, out_name
from hashpivot.reports.serialize import GZIP_REPRODUCIBLE, assumptions_frame, write_csvs

if TYPE_CHECKING:
    from hashpivot.engines.simulate import SimulationResult

QUANTILE_LABELS: tuple[str, ...] = ("p5", "p25", "p50", "p75", "p95")
"""Column names of the fan quantiles, in the order of ``SimulationResult.fan`` rows."""


#: The files of ``simulate --out`` (:mod:`hashpivot.reports.out_files`).
_FILES = OUT_FILES["simulate"]


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------

def summary_frame(result: SimulationResult) -> pd.DataFrame:
    """One row per strategy: ``strategy`` then every ``strategy_stats`` figure."""
    return pd.DataFrame(
        [{"strategy": n, **result.strategy_stats(n)} for n in result.strategy_names]
    )


def fan_frame(result: SimulationResult) -> pd.DataFrame:
    """Long table of the fan quantiles: ``series, month, p5, p25, p50, p75, p95`` (each in
    the series' unit) and ``paths``, the number of paths they are taken over
    (:func:`~hashpivot.reports.labels.fan_sample_text`); where the index sites are on
    several market nodes, ``node`` after ``series``: each power fan's node (``iso:point``,
    :func:`~hashpivot.reports.labels.power_fan_nodes`), empty for the other series."""
    months = [str(p) for p in result.periods]
    n = int(result.inputs.get("fan_paths", result.n_paths))
    nodes = power_fan_nodes(result.inputs)
    rows = []
    for key, q in result.fan.items():
        node = {"node": nodes.get(key, "")} if nodes else {}
        for t, m in enumerate(months):
            qs = {lab: q[i, t] for i, lab in enumerate(QUANTILE_LABELS)}
            rows.append({"series": key, **node, "month": m, **qs, "paths": n})
    return pd.DataFrame(rows)


def reverse_margin_frame(result: SimulationResult) -> pd.DataFrame:
    """Per month, the share of paths where keep_mining's direct and total cost per BTC
    exceed the BTC price. [fraction]"""
    return pd.DataFrame(
        {
            "month": [str(p) for p in result.periods],
            "prob_reverse_margin_direct": result.prob_reverse_margin_direct,
            "prob_reverse_margin_total": result.prob_reverse_margin_total,
        }
    )


def forced_sales_frame(
    result: SimulationResult, by: dict[str, dict[str, float]]
) -> pd.DataFrame:
    """Per strategy and treasury policy: expected BTC sold under duress [BTC] (``by``, from
    ``result.forced_sales_by_policy()``) and the probability of a liquidity breach
    [fraction]; then the probability of a forced sale [fraction], and the three figures
    again with the capex paid from outside the treasury (``_without_capex``)."""
    rows = []
    for n in result.strategy_names:
        for pol in result.policies:
            m = result.treasury[(n, pol)].metrics()
            rows.append({
                "strategy": n,
                "policy": pol,
                "expected_forced_sale_btc": by[n][pol],
                "prob_liquidity_breach": m["prob_liquidity_breach"],
                "prob_forced_sale": m["prob_forced_sale"],
                "expected_forced_sale_without_capex_btc": (
                    m["expected_forced_sale_without_capex_btc"]
                ),
                "prob_liquidity_breach_without_capex": m["prob_liquidity_breach_without_capex"],
                "prob_forced_sale_without_capex": m["prob_forced_sale_without_capex"],
            })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# charts: each saves its PNG and returns the matching plotly figure for the HTML page
# --------------------------------------------------------------------------------------
def _fan_png(ax: Any, x: Any, q: np.ndarray, label: str, color: str | None = None) -> None:
    """Median line and the P25-P75 and P5-P95 bands, each with its own legend entry."""
    line = ax.plot(x, q[2], label=f"{label} P50", color=color)[0]
    c = line.get_color()
    ax.fill_between(x, q[1], q[3], color=c, alpha=0.35, label=f"{label} P25-P75")
    ax.fill_between(x, q[0], q[4], color=c, alpha=0.15, label=f"{label} P5-P95")


def _fan_plotly(g: go.Figure, x: Any, q: np.ndarray, name: str, row: int | None = None) -> None:
    where = {} if row is None else {"row": row, "col": 1}
    for lo, hi, band, opacity in ((0, 4, "P5-P95", 0.2), (1, 3, "P25-P75", 0.4)):
        g.add_trace(go.Scatter(x=x, y=q[hi], line={"width": 0}, showlegend=False,
                               name=f"{name} {band} top"), **where)
        g.add_trace(go.Scatter(x=x, y=q[lo], fill="tonexty", line={"width": 0},
                               name=f"{name} {band}", opacity=opacity), **where)
    g.add_trace(go.Scatter(x=x, y=q[2], name=f"{name} P50"), **where)


def _run_text(result: SimulationResult) -> str:
    inp = result.inputs
    return (
        f"{result.n_paths:,} paths, {inp['start']} + {inp['horizon_months']} months, "
        f"seed {inp.get('seed')}"
    )


def _sourced(result: SimulationResult, subtitle: str) -> str:
    """``subtitle`` ending with the data the run drew on, with their attributions (Coin
    Metrics' with its CC BY-NC 4.0 licence), as the run recorded them
    (:func:`~hashpivot.reports.labels.sources_text`)."""
    return with_sources(subtitle, sources_text(result.inputs))


def _model_text(result: SimulationResult) -> str:
    """Where the paths' model comes from: the window of the daily history it was
    calibrated on (its sources end the subtitle, :func:`_sourced`), or the file's
    ``[scenario]`` where it sets every parameter of the spread (``inputs.calibration``
    null: no calibration ran)."""
    cal = result.inputs.get("calibration") or {}
    if not cal.get("window_start"):
        return "model as the file's [scenario] sets it"
    return f"model calibrated on the daily history {cal['window_start']} to {cal['window_end']}"


def market_fan_chart(
    result: SimulationResult, key: str, title: str, unit: str, out_dir: Path, log: bool = True
) -> tuple[Path, go.Figure]:
    """``fan_<key>.png``: median, 50 % and 90 % bands of the market series ``key`` [unit]."""
    x = result.periods.to_timestamp()
    q = result.fan[key]
    fig, (ax,) = new_figure(1, 4.5)
    _fan_png(ax, x, q, title)
    ax.set_yscale("log" if log else "linear")
    ax.set_ylabel(f"{title} [{unit}]")
    head = f"{title}: median, 50 % and 90 % bands"
    subtitle = (
        f"Simulated monthly {title} [{unit}] across "
        f"{fan_sample_text(result.n_paths, result.inputs)} ({_run_text(result)}); "
        f"{_model_text(result)}" + ("; log scale" if log else "")
    )
    subtitle = _sourced(result, subtitle)
    set_titles(fig, head, subtitle)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    png = save_png(fig, out_dir / out_name(_FILES, "fan_<series>.png", series=key))
    g = go.Figure()
    _fan_plotly(g, x, q, title)
    g.update_layout(title=plotly_title(head, subtitle), yaxis_title=f"{title} [{unit}]",
                    yaxis_type="log" if log else "linear")
    return png, g


def cash_fan_chart(result: SimulationResult, out_dir: Path) -> tuple[Path, go.Figure]:
    """``fan_cash_usd.png``: treasury cash per strategy under the first policy [M USD], one
    panel per strategy, each with the P50 line and the P25-P75 and P5-P95 bands in its
    legend."""
    names = result.strategy_names
    x = result.periods.to_timestamp()
    fig, axes = new_figure(len(names), 2.6, sharex=True)
    g = make_subplots(rows=len(names), cols=1, shared_xaxes=True, subplot_titles=names)
    for k, (ax, n) in enumerate(zip(axes, names, strict=True)):
        q = result.fan[f"cash_usd:{n}"] / 1e6
        _fan_png(ax, x, q, n, color=f"C{k % 10}")
        _fan_plotly(g, x, q, n, row=k + 1)
        ax.set_ylabel("cash [M USD]")
        thousands(ax.yaxis)
        ax.legend(loc="upper left", fontsize=7)
        ax.grid(alpha=0.3)
    head = f"Treasury cash by strategy (policy {result.policies[0]})"
    subtitle = (
        f"Month-end cash [M USD], not discounted, after the treasury policy "
        f"{result.policies[0]}; P50 line, P25-P75 and P5-P95 bands across "
        f"{fan_sample_text(result.n_paths, result.inputs)} ({_run_text(result)}); each panel "
        "has its own scale"
    )
    subtitle = _sourced(result, subtitle)
    set_titles(fig, head, subtitle)
    png = save_png(fig, out_dir / out_name(_FILES, "fan_cash_usd.png"))
    g.update_layout(title=plotly_title(head, subtitle), height=260 * len(names) + 120)
    return png, g


#: Share of each strategy's paths the NPV histogram panel spans: P0.5 to P99.5. The paths
#: outside are counted in the panel, not piled into its edge bins.
NPV_RANGE_PERCENTILES: tuple[float, float] = (0.5, 99.5)


def npv_histogram_chart(result: SimulationResult, out_dir: Path) -> tuple[Path, go.Figure]:
    """``npv_histogram.png``: NPV distribution [M USD], one panel per strategy on its own
    x range (P0.5-P99.5 of its paths), the number of paths outside it stated in the panel;
    a strategy whose NPV is the same on every path is drawn as one bar and says so."""
    names = result.strategy_names
    fig, axes = new_figure(len(names), 2.4, width_in=10.0, sharex=False)
    g = make_subplots(rows=len(names), cols=1, subplot_titles=names)
    for k, (ax, n) in enumerate(zip(axes, names, strict=True)):
        v = result.npv_usd[n] / 1e6
        lo, hi = np.percentile(v, NPV_RANGE_PERCENTILES)
        color = f"C{k % 10}"
        if hi - lo <= 1e-9 * max(1.0, abs(hi)):
            mid = float(np.median(v))
            span = max(1.0, 0.05 * abs(mid))
            ax.bar([mid], [len(v)], width=span / 25, color=color)
            ax.set_xlim(mid - span, mid + span)
            outside = int(((v < lo) | (v > hi)).sum())
            note = f"all {len(v):,} paths at {float(np.median(v)):,.1f} M USD"
            if outside:
                note = f"{len(v) - outside:,} of {len(v):,} paths at {float(np.median(v)):,.1f}"
                note += f" M USD, {outside:,} elsewhere (min {v.min():,.1f}, max {v.max():,.1f})"
        else:
            inside = v[(v >= lo) & (v <= hi)]
            below, above = int((v < lo).sum()), int((v > hi).sum())
            ax.hist(inside, bins=60, range=(lo, hi), color=color, alpha=0.8)
            note = (
                f"shown {len(inside):,} of {len(v):,} paths; outside the range: {below:,} "
                f"below {lo:,.1f}, {above:,} above {hi:,.1f} (min {v.min():,.1f}, max "
                f"{v.max():,.1f})"
            )
        ax.axvline(float(np.mean(v)), color="black", lw=0.9, ls="--")
        ax.set_title(f"{n}: mean {float(np.mean(v)):,.1f} M USD (dashed)", fontsize=9,
                     loc="left")
        ax.text(0.99, 0.95, note, transform=ax.transAxes, ha="right", va="top", fontsize=7)
        ax.set_ylabel("paths")
        thousands(ax.xaxis)
        g.add_trace(go.Histogram(x=v, name=n, nbinsx=80), row=k + 1, col=1)
    axes[-1].set_xlabel("NPV [M USD]")
    inp = result.inputs
    head = "NPV distribution per strategy"
    subtitle = (
        f"NPV of unlevered free cash flow [M USD], {discounting_text(inp)}, "
        f"pre-tax, without terminal value ({_run_text(result)}); each panel on its own x "
        "range, P0.5-P99.5 of its paths, with the paths outside counted"
    )
    subtitle = _sourced(result, subtitle)
    set_titles(fig, head, subtitle)
    png = save_png(fig, out_dir / out_name(_FILES, "npv_histogram.png"))
    g.update_layout(title=plotly_title(head, subtitle), height=240 * len(names) + 120,
                    showlegend=False)
    return png, g


def forced_sales_chart(
    result: SimulationResult, by: dict[str, dict[str, float]], out_dir: Path
) -> tuple[Path, go.Figure]:
    """``forced_sales_by_policy.png``: expected BTC sold under duress [BTC] per strategy and
    treasury policy (``by``, from ``result.forced_sales_by_policy()``)."""
    names = result.strategy_names
    fig, (ax,) = new_figure(1, 4.5)
    g = go.Figure()
    width = 0.8 / max(len(result.policies), 1)
    for j, pol in enumerate(result.policies):
        vals = [by[n][pol] for n in names]
        ax.bar(np.arange(len(names)) + j * width, vals, width, label=pol)
        g.add_trace(go.Bar(x=names, y=vals, name=pol))
    ax.set_xticks(np.arange(len(names)) + width * (len(result.policies) - 1) / 2, names)
    ax.set_ylabel("expected BTC sold under duress [BTC]")
    thousands(ax.yaxis)
    head = "Forced BTC sales by treasury policy"
    subtitle = (
        "Expected BTC sold under duress [BTC] (to keep cash above the minimum) per strategy "
        f"and policy, mean over paths ({_run_text(result)})"
    )
    subtitle = _sourced(result, subtitle)
    set_titles(fig, head, subtitle)
    ax.legend()
    png = save_png(fig, out_dir / out_name(_FILES, "forced_sales_by_policy.png"))
    g.update_layout(barmode="group", title=plotly_title(head, subtitle))
    return png, g


def reverse_margin_chart(
    result: SimulationResult, out_dir: Path
) -> tuple[Path, go.Figure] | None:
    """``reverse_margin.png``: keep_mining's probability of reverse margin per month [%]:
    direct and total as two lines, or one line when they are identical (the subtitle says
    why); ``None`` when there is no baseline."""
    if result.baseline is None:
        return None
    x = result.periods.to_timestamp()
    direct = 100 * result.prob_reverse_margin_direct
    total = 100 * result.prob_reverse_margin_total
    same = bool(np.array_equal(direct, total))
    fig, (ax,) = new_figure(1, 4.0)
    g = go.Figure()
    if same:
        ax.plot(x, direct, label="direct = total cost")
        g.add_trace(go.Scatter(x=x, y=direct, name="direct = total"))
    else:
        ax.plot(x, direct, label="direct (cash) cost")
        ax.plot(x, total, label="total cost (+ depreciation, SBC)", ls="--")
        g.add_trace(go.Scatter(x=x, y=direct, name="direct"))
        g.add_trace(go.Scatter(x=x, y=total, name="total"))
    ax.set_ylabel("paths in reverse margin [%]")
    ax.set_ylim(0, 100)
    head = "keep_mining: probability that cost per BTC exceeds the BTC price"
    subtitle = f"Share of paths [%] per month ({_run_text(result)})" + (
        f"; {REVERSE_MARGIN_SAME_NOTE}" if same else
        f"; {REVERSE_MARGIN_VIEWS_NOTE}"
    )
    subtitle = _sourced(result, subtitle)
    set_titles(fig, head, subtitle)
    ax.legend()
    ax.grid(alpha=0.3)
    png = save_png(fig, out_dir / out_name(_FILES, "reverse_margin.png"))
    g.update_layout(title=plotly_title(head, subtitle), yaxis_title="paths [%]")
    return png, g


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------
def write_simulate(result: SimulationResult, out_dir: Path) -> list[Path]:
    """Write every Monte Carlo output into ``out_dir``.

    Files: ``summary.csv``, ``fan_quantiles.csv``, ``reverse_margin.csv``,
    ``forced_sales_by_policy.csv``, ``assumptions.csv`` (the resolved assumptions with
    their sources), ``npv_samples.csv.gz`` (one NPV [USD] column per
    strategy, one row per path), the PNGs ``fan_btc_price_usd``,
    ``fan_hashprice_usd_per_ph_day``, ``fan_cash_usd``, ``npv_histogram``,
    ``forced_sales_by_policy``, ``reverse_margin`` (with a baseline),
    ``simulate.html`` (every chart, interactive, works offline) and, when a site
    dispatches, ``dispatch_uplift.csv/.png/.html`` (the central path's).

    Parameters
    ----------
    result : SimulationResult
        A :func:`hashpivot.engines.simulate.simulate` result.
    out_dir : pathlib.Path
        Directory, created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    names = result.strategy_names
    by = result.forced_sales_by_policy()
    written = write_csvs(out_dir, (
        (summary_frame(result), out_name(_FILES, "summary.csv")),
        (fan_frame(result), out_name(_FILES, "fan_quantiles.csv")),
        (reverse_margin_frame(result), out_name(_FILES, "reverse_margin.csv")),
        (forced_sales_frame(result, by), out_name(_FILES, "forced_sales_by_policy.csv")),
        (assumptions_frame(result.resolved_assumptions()), out_name(_FILES, "assumptions.csv")),
    ))
    p = out_dir / out_name(_FILES, "npv_samples.csv.gz")
    pd.DataFrame({f"{n}_npv_usd": result.npv_usd[n] for n in names}).to_csv(
        p, index_label="path", compression=GZIP_REPRODUCIBLE
    )
    written.append(p)

    charts = [
        market_fan_chart(result, "btc_price_usd", "BTC price", "USD", out_dir),
        market_fan_chart(result, "hashprice_usd_per_ph_day", "Hashprice", "USD/PH/day", out_dir),
        cash_fan_chart(result, out_dir),
        npv_histogram_chart(result, out_dir),
        forced_sales_chart(result, by, out_dir),
    ]
    rm = reverse_margin_chart(result, out_dir)
    if rm is not None:
        charts.append(rm)
    written += [png for png, _ in charts]

    written.append(write_page(out_dir / out_name(_FILES, "simulate.html"), "hashpivot simulate",
                              [g for _, g in charts]))
    written += write_dispatch_uplift(
        result.inputs.get("site_assumptions", []), out_dir,
        f"{result.inputs.get('start', '')} + {result.inputs.get('horizon_months', '')} months",
        sources_text(result.inputs))
    return written
