"""Monte Carlo outputs: summary, fan quantiles, reverse margin, forced sales and NPV samples
as CSV, a PNG per chart and one self-contained interactive HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hashpivot.reports.charts import html_fragments, new_figure, save_png

if TYPE_CHECKING:
    from hashpivot.engines.simulate import SimulationResult

QUANTILE_LABELS: tuple[str, ...] = ("p5", "p25", "p50", "p75", "p95")
"""Column names of the fan quantiles, in the order of ``SimulationResult.fan`` rows."""


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
    the series' unit)."""
    months = [str(p) for p in result.periods]
    rows = []
    for key, q in result.fan.items():
        for t, m in enumerate(months):
            qs = {lab: q[i, t] for i, lab in enumerate(QUANTILE_LABELS)}
            rows.append({"series": key, "month": m, **qs})
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
    [fraction]."""
    return pd.DataFrame(
        [
            {
                "strategy": n,
                "policy": pol,
                "expected_forced_sale_btc": by[n][pol],
                "prob_liquidity_breach": float(result.treasury[(n, pol)].breach.mean()),
            }
            for n in result.strategy_names
            for pol in result.policies
        ]
    )


# --------------------------------------------------------------------------------------
# charts: each saves its PNG and returns the matching plotly figure for the HTML page
# --------------------------------------------------------------------------------------
def _fan_png(ax: Any, x: Any, q: np.ndarray, label: str, color: str | None = None) -> None:
    line = ax.plot(x, q[2], label=f"{label} P50", color=color)[0]
    c = line.get_color()
    ax.fill_between(x, q[0], q[4], color=c, alpha=0.15, label=f"{label} P5-P95")
    ax.fill_between(x, q[1], q[3], color=c, alpha=0.3)


def _fan_plotly(g: go.Figure, x: Any, q: np.ndarray, name: str) -> None:
    g.add_trace(go.Scatter(x=x, y=q[4], line={"width": 0}, showlegend=False, name=f"{name} P95"))
    g.add_trace(
        go.Scatter(x=x, y=q[0], fill="tonexty", line={"width": 0}, name=f"{name} P5-P95",
                   opacity=0.3)
    )
    g.add_trace(go.Scatter(x=x, y=q[2], name=f"{name} P50"))


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
    ax.set_title(f"{title}: median, 50 % and 90 % bands ({result.n_paths:,} paths)")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    png = save_png(fig, out_dir / f"fan_{key}.png")
    g = go.Figure()
    _fan_plotly(g, x, q, title)
    g.update_layout(title=f"{title} [{unit}]", yaxis_type="log" if log else "linear")
    return png, g


def cash_fan_chart(result: SimulationResult, out_dir: Path) -> tuple[Path, go.Figure]:
    """``fan_cash_usd.png``: treasury cash per strategy under the first policy [M USD]."""
    x = result.periods.to_timestamp()
    fig, (ax,) = new_figure(1, 4.5)
    g = go.Figure()
    for n in result.strategy_names:
        q = result.fan[f"cash_usd:{n}"] / 1e6
        _fan_png(ax, x, q, n)
        _fan_plotly(g, x, q, n)
    ax.set_ylabel("cash [M USD]")
    ax.set_title(f"Treasury cash by strategy (policy {result.policies[0]}): P50, P25-P75, P5-P95")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    png = save_png(fig, out_dir / "fan_cash_usd.png")
    g.update_layout(title=f"Treasury cash [M USD], policy {result.policies[0]}")
    return png, g


def npv_histogram_chart(result: SimulationResult, out_dir: Path) -> tuple[Path, go.Figure]:
    """``npv_histogram.png``: NPV distribution per strategy [M USD], tails clipped at
    P0.5/P99.5 in the PNG."""
    names = result.strategy_names
    fig, (ax,) = new_figure(1, 4.5)
    g = go.Figure()
    all_npv = np.concatenate([result.npv_usd[n] for n in names]) / 1e6
    lo, hi = np.percentile(all_npv, [0.5, 99.5])
    bins = list(np.linspace(lo, hi if hi > lo else lo + 1, 80))
    for n in names:
        v = result.npv_usd[n] / 1e6
        ax.hist(np.clip(v, bins[0], bins[-1]), bins=bins, alpha=0.45, label=n)
        g.add_trace(go.Histogram(x=v, name=n, opacity=0.5, nbinsx=80))
    ax.set_xlabel("NPV [M USD] (tails clipped at P0.5/P99.5)")
    ax.set_ylabel("paths")
    ax.set_title("NPV distribution per strategy")
    ax.legend()
    png = save_png(fig, out_dir / "npv_histogram.png")
    g.update_layout(barmode="overlay", title="NPV per strategy [M USD]")
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
    ax.set_title("Forced BTC sales by treasury policy")
    ax.legend()
    png = save_png(fig, out_dir / "forced_sales_by_policy.png")
    g.update_layout(barmode="group", title="Expected BTC sold under duress [BTC] by policy")
    return png, g


def reverse_margin_chart(
    result: SimulationResult, out_dir: Path
) -> tuple[Path, go.Figure] | None:
    """``reverse_margin.png``: keep_mining's probability of reverse margin per month [%];
    ``None`` when there is no baseline."""
    if result.baseline is None:
        return None
    x = result.periods.to_timestamp()
    fig, (ax,) = new_figure(1, 4.0)
    ax.plot(x, 100 * result.prob_reverse_margin_direct, label="direct (cash) cost")
    ax.plot(x, 100 * result.prob_reverse_margin_total, label="total cost", ls="--")
    ax.set_ylabel("paths in reverse margin [%]")
    ax.set_title("keep_mining: probability that cost per BTC exceeds the BTC price")
    ax.legend()
    ax.grid(alpha=0.3)
    png = save_png(fig, out_dir / "reverse_margin.png")
    g = go.Figure()
    g.add_trace(go.Scatter(x=x, y=100 * result.prob_reverse_margin_direct, name="direct"))
    g.add_trace(go.Scatter(x=x, y=100 * result.prob_reverse_margin_total, name="total"))
    g.update_layout(title="P(reverse margin) [%], keep_mining")
    return png, g


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------
def write_simulate(result: SimulationResult, out_dir: Path) -> list[Path]:
    """Write every Monte Carlo output into ``out_dir``.

    Files: ``summary.csv``, ``fan_quantiles.csv``, ``reverse_margin.csv``,
    ``forced_sales_by_policy.csv``, ``npv_samples.csv.gz`` (one NPV [USD] column per
    strategy, one row per path), the PNGs ``fan_btc_price_usd``,
    ``fan_hashprice_usd_per_ph_day``, ``fan_cash_usd``, ``npv_histogram``,
    ``forced_sales_by_policy``, ``reverse_margin`` (with a baseline), and
    ``simulate.html`` (every chart, interactive, works offline).

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
    written: list[Path] = []
    for frame, name in (
        (summary_frame(result), "summary.csv"),
        (fan_frame(result), "fan_quantiles.csv"),
        (reverse_margin_frame(result), "reverse_margin.csv"),
        (forced_sales_frame(result, by), "forced_sales_by_policy.csv"),
    ):
        frame.to_csv(out_dir / name, index=False)
        written.append(out_dir / name)
    p = out_dir / "npv_samples.csv.gz"
    pd.DataFrame({f"{n}_npv_usd": result.npv_usd[n] for n in names}).to_csv(
        p, index_label="path", compression="gzip"
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

    html = out_dir / "simulate.html"
    parts = html_fragments([g for _, g in charts])
    html.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>hashpivot simulate</title>"
        "</head><body>" + "\n".join(parts) + "</body></html>",
        encoding="utf-8",
    )
    written.append(html)
    return written
