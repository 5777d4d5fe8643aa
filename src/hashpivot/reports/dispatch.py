"""Dispatch outputs: schedule and monthly CSVs, the summary JSON, three PNG charts (mining
load heatmap, price-duration curve, monthly energy and emissions) and one interactive HTML
page with the three."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hashpivot.reports.charts import (
    html_fragments,
    new_figure,
    plotly_title,
    save_png,
    set_titles,
    thousands,
)
from hashpivot.reports.out_files import OUT_FILES, out_name
from hashpivot.reports.serialize import assumptions_frame, jsonable, write_csvs

if TYPE_CHECKING:
    from hashpivot.power.results import DispatchResult

ENERGY_SOURCES: tuple[tuple[str, str], ...] = (
    ("energy_grid_mwh", "grid"),
    ("energy_ppa_mwh", "PPA"),
    ("energy_renewable_mwh", "renewable"),
)
"""Monthly-frame columns of the energy bought, by source [MWh], and their chart labels."""

#: The files of ``dispatch --out`` (:mod:`hashpivot.reports.out_files`).
_FILES = OUT_FILES["dispatch"]


def mining_heatmap_frame(sched: pd.DataFrame) -> pd.DataFrame:
    """Mean mining load [MW] within each local clock hour: one row per day, columns 0..23.

    Parameters
    ----------
    sched : pandas.DataFrame
        ``DispatchResult.schedule_frame()`` (tz-aware index, ``mining_mw`` column).
    """
    naive = cast(pd.DatetimeIndex, sched.index).tz_localize(None)
    return (
        sched.assign(day=naive.normalize(), hour=naive.hour)
        .pivot_table(index="day", columns="hour", values="mining_mw", aggfunc="mean")
        .reindex(columns=range(24))
    )


def heatmap_chart(
    heat: pd.DataFrame, summary: dict[str, Any], out_dir: Path
) -> tuple[Path, go.Figure]:
    """``dispatch_heatmap.png``: mining load [MW], day x hour; the title quotes the site and
    uptime of ``summary`` (the JSON-safe ``to_dict()``)."""
    fig, (ax,) = new_figure(1, 6.0, width_in=10.0)
    im = ax.imshow(heat.to_numpy().T, aspect="auto", origin="lower", cmap="viridis",
                   interpolation="nearest")
    ax.set_xlabel("day")
    ax.set_ylabel("hour of day (local)")
    ticks = np.linspace(0, len(heat) - 1, min(12, len(heat))).astype(int)
    ax.set_xticks(ticks)
    ax.set_xticklabels([heat.index[i].strftime("%Y-%m-%d") for i in ticks], rotation=45,
                       ha="right", fontsize=7)
    fig.colorbar(im, ax=ax, label="mining load [MW]")
    head = (f"Mining load, {summary.get('site', '')}: uptime "
            f"{100 * (summary.get('uptime_fraction') or 0):.1f} %")
    subtitle = _subtitle(summary, "Mean mining load [MW] per local clock hour and day")
    set_titles(fig, head, subtitle, width_chars=100)
    png = save_png(fig, out_dir / out_name(_FILES, "dispatch_heatmap.png"))
    g = go.Figure(go.Heatmap(z=heat.to_numpy().T, x=[d.strftime("%Y-%m-%d") for d in heat.index],
                             y=list(range(24)), colorbar={"title": "MW"}))
    g.update_layout(title=plotly_title(head, subtitle), yaxis_title="hour (local)")
    return png, g


#: The price-duration chart's linear y axis spans the P0.5..P99.5 prices (and every
#: threshold); the intervals outside are counted in an annotation, not drawn off-scale.
PRICE_RANGE_PERCENTILES: tuple[float, float] = (0.5, 99.5)


def price_duration_chart(
    prices_usd_per_mwh: np.ndarray, thresholds_usd_per_mwh: dict[str, float], out_dir: Path,
    summary: dict[str, Any] | None = None,
) -> tuple[Path, go.Figure]:
    """``dispatch_price_duration.png``: interval prices sorted high to low [USD/MWh] with
    each tranche's curtailment threshold [USD/MWh] and the share of intervals above it, on
    a linear axis clipped to the P0.5..P99.5 prices; the clipped extremes are annotated
    with their count and their most extreme price."""
    prices = np.sort(prices_usd_per_mwh)[::-1]
    share = np.arange(1, len(prices) + 1) / len(prices) * 100
    lo, hi = (float(x) for x in np.percentile(prices, PRICE_RANGE_PERCENTILES))
    thr = list(thresholds_usd_per_mwh.values())
    lo, hi = min([lo, *thr]), max([hi, *thr])
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    lo, hi = lo - pad, hi + pad
    n_above, n_below = int((prices > hi).sum()), int((prices < lo).sum())
    fig, (ax,) = new_figure(1, 5.0, width_in=9.0)
    ax.plot(share, prices, lw=1.2, label="index price")
    for i, (name, t) in enumerate(thresholds_usd_per_mwh.items()):
        above = float((prices > t).mean() * 100)
        ax.axhline(t, ls="--", lw=0.9, color=f"C{(i + 1) % 10}",
                   label=f"{name}: {t:,.0f} USD/MWh ({above:.1f} % above)")
    ax.set_ylim(lo, hi)
    clipped = []
    if n_above:
        clipped.append(f"{n_above:,} intervals above {hi:,.0f} (max {prices[0]:,.0f})")
        ax.annotate(f"{n_above:,} intervals above, up to {prices[0]:,.0f} USD/MWh",
                    (0, hi), xytext=(4, -12), textcoords="offset points", fontsize=7)
    if n_below:
        clipped.append(f"{n_below:,} below {lo:,.0f} (min {prices[-1]:,.0f})")
        ax.annotate(f"{n_below:,} intervals below, down to {prices[-1]:,.0f} USD/MWh",
                    (100, lo), xytext=(-4, 6), textcoords="offset points", fontsize=7,
                    ha="right")
    ax.set_xlabel("share of intervals with a higher price [%]")
    ax.set_ylabel("price [USD/MWh]")
    thousands(ax.yaxis)
    head = "Price-duration curve and curtailment thresholds (mean hashprice)"
    subtitle = _subtitle(
        summary or {},
        f"{len(prices):,} interval prices [USD/MWh], high to low, linear axis"
        + (" clipped: " + "; ".join(clipped) + " not drawn" if clipped else ""),
    )
    set_titles(fig, head, subtitle, width_chars=100)
    ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    png = save_png(fig, out_dir / out_name(_FILES, "dispatch_price_duration.png"))
    step = max(1, len(prices) // 5000)
    g = go.Figure(go.Scatter(x=share[::step], y=prices[::step], name="index price"))
    for name, t in thresholds_usd_per_mwh.items():
        g.add_hline(y=t, line_dash="dash", annotation_text=f"{name} {t:,.0f}")
    g.update_layout(title=plotly_title(head, subtitle), xaxis_title="% of intervals",
                    yaxis_title="price [USD/MWh]", yaxis_range=[lo, hi],
                    yaxis_tickformat=",.0f")
    return png, g


#: The sources a dispatch chart names, by its summary's key, with their labels.
_SOURCES: tuple[tuple[str, str], ...] = (("price_source", "prices"),
                                         ("hashprice_source", "hashprice"))


def _subtitle(summary: dict[str, Any], what: str,
              sources: tuple[tuple[str, str], ...] = _SOURCES) -> str:
    """``what``, then the period and the sources (by default the price source and the
    hashprice source) of a dispatch summary (the JSON-safe ``to_dict()``)."""
    parts = [what]
    if summary.get("start"):
        parts.append(f"{str(summary['start'])[:10]} .. {str(summary.get('end', ''))[:10]}")
    for key, label in sources:
        if summary.get(key):
            parts.append(f"{label}: {summary[key]}")
    return "; ".join(parts)


def monthly_chart(
    monthly: pd.DataFrame, out_dir: Path, summary: dict[str, Any] | None = None
) -> tuple[Path, go.Figure]:
    """``dispatch_monthly.png``: energy bought by source and used by mining and AI [MWh]
    per month, with emissions [t CO2] on a second axis."""
    labels = [str(p) for p in monthly.index]
    fig, (ax,) = new_figure(1, 5.0, width_in=9.0)
    bottom = np.zeros(len(monthly))
    for col, lab in ENERGY_SOURCES:
        ax.bar(labels, monthly[col], bottom=bottom, label=lab)
        bottom += monthly[col].to_numpy()
    ax.plot(labels, monthly["energy_mining_mwh"], "k.-", label="mining use")
    ax.plot(labels, monthly["energy_ai_mwh"], "r.-", label="AI use")
    ax.set_ylabel("energy [MWh]")
    ax2 = ax.twinx()
    ax2.plot(labels, monthly["emissions_tco2"], "g--", label="emissions")
    ax2.set_ylabel("emissions [t CO2]")
    ax2.set_ylim(bottom=0)
    thousands(ax.yaxis)
    thousands(ax2.yaxis)
    handles, names = ax.get_legend_handles_labels()
    handles2, names2 = ax2.get_legend_handles_labels()
    # one legend under the axes, never over the bars
    ax.legend(handles + handles2, names + names2, loc="upper center",
              bbox_to_anchor=(0.5, -0.22), ncol=6, fontsize=7, frameon=False)
    ax.tick_params(axis="x", rotation=45)
    head = "Monthly energy by source and use, and emissions"
    subtitle = _subtitle(summary or {}, "Energy [MWh] bought by source (bars) and used "
                         "(lines); emissions [t CO2] on the right axis",
                         (*_SOURCES, ("emissions_source", "emissions factor")))
    set_titles(fig, head, subtitle, width_chars=100)
    png = save_png(fig, out_dir / out_name(_FILES, "dispatch_monthly.png"))
    g = make_subplots(specs=[[{"secondary_y": True}]])
    for col, lab in ENERGY_SOURCES:
        g.add_bar(x=labels, y=monthly[col], name=lab)
    g.add_scatter(x=labels, y=monthly["emissions_tco2"], name="emissions [t CO2]",
                  secondary_y=True)
    g.update_layout(barmode="stack", title=plotly_title(head, subtitle),
                    yaxis_tickformat=",.0f", legend={"orientation": "h", "y": -0.25})
    return png, g


def write_dispatch(result: DispatchResult, out_dir: Path) -> list[Path]:
    """Write charts (PNG + one interactive HTML) and CSVs of a dispatch result.

    Files: ``dispatch_schedule.csv``, ``dispatch_monthly.csv``, ``dispatch_summary.json``,
    ``assumptions.csv`` (the resolved assumptions),
    ``dispatch_heatmap.png`` (mining MW, day x hour), ``dispatch_price_duration.png``
    (price-duration curve with the curtailment thresholds), ``dispatch_monthly.png``
    (energy by source and emissions per month), ``dispatch.html`` (the three, interactive,
    plotly.js embedded once so it works offline).

    Parameters
    ----------
    result : DispatchResult
        A :func:`hashpivot.engines.dispatch.run_dispatch_file` result.
    out_dir : pathlib.Path
        Directory, created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    sched = result.schedule_frame()
    monthly = result.monthly_frame()
    summary = jsonable(result.to_dict())
    written = [out_dir / out_name(_FILES, name) for name in (
        "dispatch_schedule.csv", "dispatch_monthly.csv", "dispatch_summary.json")]
    sched.to_csv(written[0], index_label="interval_start")
    monthly.to_csv(written[1])
    written[2].write_text(json.dumps(summary, indent=2))
    written += write_csvs(out_dir, [(assumptions_frame(result.resolved_assumptions()),
                                     out_name(_FILES, "assumptions.csv"))])

    charts = [
        heatmap_chart(mining_heatmap_frame(sched), summary, out_dir),
        price_duration_chart(sched["price_usd_per_mwh"].to_numpy(),
                             result.breakeven_prices_usd_per_mwh(), out_dir, summary),
        monthly_chart(monthly, out_dir, summary),
    ]
    written += [png for png, _ in charts]
    html = "<html><head><meta charset='utf-8'><title>hashpivot dispatch</title></head><body>"
    html += "".join(html_fragments([g for _, g in charts])) + "</body></html>"
    page = out_dir / out_name(_FILES, "dispatch.html")
    page.write_text(html, encoding="utf-8")
    written.append(page)
    return written
