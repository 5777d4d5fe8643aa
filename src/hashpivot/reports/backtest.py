"""Backtest outputs: daily CSV, a PNG chart and an interactive HTML chart."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hashpivot.engines.backtest import BacktestResult
from hashpivot.io import COINMETRICS_ATTRIBUTION
from hashpivot.reports.charts import new_figure, save_html, save_png


def write_backtest(result: BacktestResult, out_dir: Path, title: str) -> list[Path]:
    """Write ``backtest.csv``, ``backtest.png`` and ``backtest.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    d = result.daily
    written = [out_dir / "backtest.csv"]
    d.to_csv(written[0], float_format="%.6g")

    fig, (ax1, ax2) = new_figure(2)
    ax1.plot(d.index, d["hashprice_usd_per_ph_day"], color="tab:orange", lw=1)
    ax1.set_ylabel("hashprice [USD/PH/day]")
    ax1.set_title(title)
    ax2.plot(d.index, d["btc_price_usd"], color="black", lw=1.2, label="BTC price")
    ax2.plot(d.index, d["cost_per_btc_direct_usd"], color="tab:blue", lw=1, label="direct cost")
    ax2.plot(d.index, d["cost_per_btc_total_usd"], color="tab:red", lw=1, label="total cost")
    ax2.set_ylabel("USD per BTC")
    ax2.set_yscale("log")
    ax2.legend(loc="upper left")
    ax2.annotate(COINMETRICS_ATTRIBUTION, (0.0, -0.12), xycoords="axes fraction", fontsize=7)
    written.append(save_png(fig, out_dir / "backtest.png"))

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
    pfig.update_yaxes(type="log", row=2, col=1)
    pfig.update_layout(title=f"{title}<br><sup>{COINMETRICS_ATTRIBUTION}</sup>", height=750)
    written.append(save_html(pfig, out_dir / "backtest.html"))
    return written
