"""Backtest outputs: daily CSV, a PNG chart and an interactive HTML chart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hashpivot.engines.economics import BacktestResult
from hashpivot.reports.charts import (
    new_figure,
    plotly_title,
    save_html,
    save_png,
    set_titles,
    thousands,
)
from hashpivot.reports.labels import with_sources
from hashpivot.reports.out_files import OUT_FILES, out_name
from hashpivot.reports.serialize import assumptions_frame, write_csvs

#: The files of ``backtest --out`` (:mod:`hashpivot.reports.out_files`).
_FILES = OUT_FILES["backtest"]


def halving_days(daily: pd.DataFrame) -> list[pd.Timestamp]:
    """Days on which the block subsidy halves: the first day whose mean subsidy per block
    is more than 1 % below its era's 50 / 2^k BTC (a halving day blends the two eras; the
    daily data's small wobbles within an era are not halvings)."""
    sub = daily["subsidy_btc_per_block"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        era = np.ceil(np.log2(50.0 / sub) - np.log2(1 / 0.99))
    new = np.r_[False, era[1:] > era[:-1]]
    return [pd.Timestamp(t) for t in daily.index[new]]


def reverse_margin_masks(daily: pd.DataFrame) -> dict[str, np.ndarray]:
    """Days in reverse margin (cost per BTC above the BTC price), direct and total."""
    price = daily["btc_price_usd"].to_numpy(float)
    return {
        view: daily[f"cost_per_btc_{view}_usd"].to_numpy(float) > price
        for view in ("direct", "total")
    }


def write_backtest(result: BacktestResult, out_dir: Path, title: str) -> list[Path]:
    """Write ``backtest.csv``, ``assumptions.csv`` (the resolved assumptions, as
    ``pivot`` writes them), ``backtest.png`` and ``backtest.html`` into ``out_dir``.

    The charts mark the halvings (vertical lines) and the days in reverse margin (shaded:
    total cost above the price, and direct cost above it, darker)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    d = result.daily
    written = [out_dir / out_name(_FILES, "backtest.csv")]
    d.to_csv(written[0], float_format="%.6g")
    written += write_csvs(out_dir, [(assumptions_frame(result.resolved_assumptions()),
                                     out_name(_FILES, "assumptions.csv"))])
    halvings = halving_days(d)
    masks = reverse_margin_masks(d)
    subtitle = with_sources(  # the days' own sources (Coin Metrics' with its licence)
        "Daily hashprice [USD/PH/day], BTC price and cost per BTC [USD/BTC] of the portfolio "
        "(log scale), undiscounted; dotted lines: halvings; shaded: days in reverse margin "
        "(total cost above the price; darker: direct cost too)", result.history_source)

    fig, (ax1, ax2) = new_figure(2)
    ax1.plot(d.index, d["hashprice_usd_per_ph_day"], color="tab:orange", lw=1)
    ax1.set_ylabel("hashprice [USD/PH/day]")
    thousands(ax1.yaxis)
    set_titles(fig, title, subtitle)
    ax2.plot(d.index, d["btc_price_usd"], color="black", lw=1.2, label="BTC price")
    ax2.plot(d.index, d["cost_per_btc_direct_usd"], color="tab:blue", lw=1, label="direct cost")
    ax2.plot(d.index, d["cost_per_btc_total_usd"], color="tab:red", lw=1, label="total cost")
    for view, alpha in (("total", 0.12), ("direct", 0.3)):
        if masks[view].any():
            ax2.fill_between(d.index, 0, 1, where=masks[view], transform=ax2.get_xaxis_transform(),
                             color="tab:red", alpha=alpha, lw=0,
                             label=f"reverse margin, {view} cost")
    for ax in (ax1, ax2):
        for k, day in enumerate(halvings):
            ax.axvline(day, color="grey", ls=":", lw=1.2,
                       label="halving" if ax is ax2 and k == 0 else None)
    for day in halvings:
        ax1.annotate(f"halving {day:%Y-%m-%d}", (day, 1.0), xycoords=("data", "axes fraction"),
                     xytext=(3, -10), textcoords="offset points", fontsize=7)
    ax2.set_ylabel("USD per BTC")
    ax2.set_yscale("log")
    ax2.legend(loc="upper left", fontsize=8)
    written.append(save_png(fig, out_dir / out_name(_FILES, "backtest.png")))

    pfig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    pfig.add_trace(
        go.Scatter(x=d.index, y=d["hashprice_usd_per_ph_day"], name="hashprice [USD/PH/day]"),
        row=1,
        col=1,
    )
    for col, name in (
        ("btc_price_usd", "BTC price [USD]"),
        ("cost_per_btc_direct_usd", "direct cost [USD/BTC]"),
        ("cost_per_btc_total_usd", "total cost [USD/BTC]"),
    ):
        pfig.add_trace(go.Scatter(x=d.index, y=d[col], name=name), row=2, col=1)
    for view, opacity in (("total", 0.12), ("direct", 0.3)):
        for start, end in _runs(d.index, masks[view]):
            pfig.add_vrect(x0=start, x1=end, fillcolor="red", opacity=opacity, line_width=0,
                           row=2, col=1)
    for day in halvings:
        pfig.add_vline(x=day, line_dash="dot", line_color="grey")
    pfig.update_yaxes(type="log", row=2, col=1)
    pfig.update_layout(title=plotly_title(title, subtitle), height=750)
    written.append(save_html(pfig, out_dir / out_name(_FILES, "backtest.html")))
    return written


def _runs(index: pd.Index, mask: np.ndarray) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(first day, day after the last) of each run of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    days = pd.DatetimeIndex(index)
    return [
        (days[a], days[b - 1] + pd.Timedelta(days=1))
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
