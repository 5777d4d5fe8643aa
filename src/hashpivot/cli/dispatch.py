"""``hashpivot dispatch``: interval-by-interval dispatch of a hybrid site against prices."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hashpivot.cli.errors import fail_input, handle_errors
from hashpivot.cli.output import jsonable

_HELP = (
    "Dispatch a hybrid site (mining tranches + firm/flexible AI load) interval by interval "
    "against power prices: curtail mining when power \\[USD/MWh] costs more than its hash "
    "earns (hashprice \\[USD/PH/s/day]), serve the AI load always, use and resell a PPA, "
    "renewables, demand response and 4CP. Reports energy \\[MWh], money \\[USD], emissions "
    "\\[t CO2] and the comparison with always-on mining. The site is the first of the "
    "portfolio TOML (or --site); its \\[sites.dispatch] table sets the options."
)

SUMMARY_KEYS = (
    "mining_revenue_usd", "power_cost_usd", "resale_credits_usd", "dr_income_usd",
    "fourcp_charge_usd", "fourcp_avoided_usd", "net_margin_usd", "net_margin_always_on_usd",
    "net_margin_gain_vs_always_on_usd", "energy_mwh", "energy_mining_mwh", "energy_ai_mwh",
    "effective_power_price_usd_per_mwh", "curtailed_hours", "uptime_fraction",
    "emissions_tco2", "renewable_share",
)




def _fmt(key: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if key.endswith("_fraction") or key.endswith("_share"):
        return f"{100 * float(value):.2f} %"
    if key.endswith("_usd"):
        return f"{float(value):,.0f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def write_outputs(result: Any, out: Path) -> list[Path]:
    """Write charts (PNG + one interactive HTML) and CSVs of a dispatch result to ``out``.

    Files: ``dispatch_heatmap.png`` (mining MW, day x hour), ``dispatch_price_duration.png``
    (price-duration curve with the curtailment thresholds), ``dispatch_monthly.png``
    (energy by source and emissions per month), ``dispatch.html`` (the three, interactive),
    ``dispatch_schedule.csv``, ``dispatch_monthly.csv``, ``dispatch_summary.json``.

    Parameters
    ----------
    result : DispatchResult
    out : pathlib.Path

    Returns
    -------
    list of pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sched = result.schedule_frame()
    monthly = result.monthly_frame()
    summary = jsonable(result.to_dict())
    naive = sched.index.tz_localize(None)
    sched.to_csv(out / "dispatch_schedule.csv", index_label="interval_start")
    monthly.to_csv(out / "dispatch_monthly.csv")
    (out / "dispatch_summary.json").write_text(json.dumps(summary, indent=2))
    written += [out / "dispatch_schedule.csv", out / "dispatch_monthly.csv",
                out / "dispatch_summary.json"]

    # heatmap: day x hour of the mining load (mean MW within each local clock hour)
    heat = (
        sched.assign(day=naive.normalize(), hour=naive.hour)
        .pivot_table(index="day", columns="hour", values="mining_mw", aggfunc="mean")
        .reindex(columns=range(24))
    )
    fig, ax = plt.subplots(figsize=(10, 6))
    im = ax.imshow(heat.to_numpy().T, aspect="auto", origin="lower", cmap="viridis",
                   interpolation="nearest")
    ax.set_xlabel("day")
    ax.set_ylabel("hour of day (local)")
    ticks = np.linspace(0, len(heat) - 1, min(12, len(heat))).astype(int)
    ax.set_xticks(ticks)
    ax.set_xticklabels([heat.index[i].strftime("%Y-%m-%d") for i in ticks], rotation=45,
                       ha="right", fontsize=7)
    fig.colorbar(im, ax=ax, label="mining load [MW]")
    ax.set_title(f"Mining load, {summary.get('site', '')}: uptime "
                 f"{100 * (summary.get('uptime_fraction') or 0):.1f} %")
    fig.tight_layout()
    fig.savefig(out / "dispatch_heatmap.png", dpi=110)
    plt.close(fig)
    written.append(out / "dispatch_heatmap.png")

    # price-duration curve with curtailment thresholds
    prices = np.sort(sched["price_usd_per_mwh"].to_numpy())[::-1]
    share = np.arange(1, len(prices) + 1) / len(prices) * 100
    thresholds = result.breakeven_prices_usd_per_mwh()
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.plot(share, prices, lw=1.2, label="index price")
    for i, (name, thr) in enumerate(thresholds.items()):
        above = float((prices > thr).mean() * 100)
        ax.axhline(thr, ls="--", lw=0.9, color=f"C{(i + 1) % 10}",
                   label=f"{name}: {thr:,.0f} USD/MWh ({above:.1f} % above)")
    ax.set_yscale("symlog", linthresh=100)
    ax.set_xlabel("share of intervals with a higher price [%]")
    ax.set_ylabel("price [USD/MWh]")
    ax.set_title("Price-duration curve and curtailment thresholds (mean hashprice)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "dispatch_price_duration.png", dpi=110)
    plt.close(fig)
    written.append(out / "dispatch_price_duration.png")

    # monthly energy by source and emissions
    labels = [str(p) for p in monthly.index]
    sources = [("energy_grid_mwh", "grid"), ("energy_ppa_mwh", "PPA"),
               ("energy_renewable_mwh", "renewable")]
    fig, ax = plt.subplots(figsize=(9, 5))
    bottom = np.zeros(len(monthly))
    for col, lab in sources:
        ax.bar(labels, monthly[col], bottom=bottom, label=lab)
        bottom += monthly[col].to_numpy()
    ax.plot(labels, monthly["energy_mining_mwh"], "k.-", label="mining use")
    ax.plot(labels, monthly["energy_ai_mwh"], "r.-", label="AI use")
    ax.set_ylabel("energy [MWh]")
    ax2 = ax.twinx()
    ax2.plot(labels, monthly["emissions_tco2"], "g--", label="emissions")
    ax2.set_ylabel("emissions [t CO2]")
    ax2.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=7)
    ax2.legend(loc="upper right", fontsize=7)
    ax.tick_params(axis="x", rotation=45)
    ax.set_title("Monthly energy by source and use, and emissions")
    fig.tight_layout()
    fig.savefig(out / "dispatch_monthly.png", dpi=110)
    plt.close(fig)
    written.append(out / "dispatch_monthly.png")

    # interactive HTML: the three charts, plotly.js embedded once (works offline)
    figs = []
    f1 = go.Figure(go.Heatmap(z=heat.to_numpy().T, x=[d.strftime("%Y-%m-%d") for d in heat.index],
                              y=list(range(24)), colorbar={"title": "MW"}))
    f1.update_layout(title="Mining load [MW], day x hour", yaxis_title="hour (local)")
    figs.append(f1)
    step = max(1, len(prices) // 5000)
    f2 = go.Figure(go.Scatter(x=share[::step], y=prices[::step], name="index price"))
    for name, thr in thresholds.items():
        f2.add_hline(y=thr, line_dash="dash", annotation_text=f"{name} {thr:,.0f}")
    f2.update_layout(title="Price-duration curve [USD/MWh]", xaxis_title="% of intervals",
                     yaxis_type="log" if prices.min() > 0 else "linear")
    figs.append(f2)
    f3 = make_subplots(specs=[[{"secondary_y": True}]])
    for col, lab in sources:
        f3.add_bar(x=labels, y=monthly[col], name=lab)
    f3.add_scatter(x=labels, y=monthly["emissions_tco2"], name="emissions [t CO2]",
                   secondary_y=True)
    f3.update_layout(barmode="stack", title="Monthly energy [MWh] and emissions [t CO2]")
    figs.append(f3)
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    html = "<html><head><meta charset='utf-8'><title>hashpivot dispatch</title></head><body>"
    html += "".join(parts) + "</body></html>"
    (out / "dispatch.html").write_text(html, encoding="utf-8")
    written.append(out / "dispatch.html")
    return written


@handle_errors
def dispatch_command(
    portfolio_file: Annotated[
        Path, typer.Argument(help="Portfolio TOML; its first site (or --site) is dispatched.")
    ],
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            help="Price file \\[USD/MWh]: ERCOT RTMLZHBSPP / SCED LMP / DAM SPP, NYISO "
            "he01..he24, or any CSV/Parquet with a timestamp and a price column.",
        ),
    ] = None,
    market: Annotated[
        str | None,
        typer.Option(
            "--market",
            help="Bundled prices, e.g. ercot:HB_WEST:2024 (15-min) or ercot:LZ_WEST:2023 "
            "(hourly); ercot:HB_WEST:2024:da for day-ahead.",
        ),
    ] = None,
    solver: Annotated[
        str | None,
        typer.Option(
            "--solver",
            help="auto (fast path unless ramps, min up/down or flexible AI need HiGHS), "
            "fast, or lp; default: the site's dispatch.solver (auto).",
        ),
    ] = None,
    hashprice: Annotated[
        float | None,
        typer.Option(
            "--hashprice-usd-per-ph-day",
            help="Constant hashprice \\[USD per PH/s per day]; default from the site's "
            "dispatch table or the bundled network data.",
            min=0.0,
        ),
    ] = None,
    site: Annotated[str | None, typer.Option("--site", help="Site name.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write charts (PNG, HTML) and CSVs here.")
    ] = None,
) -> None:
    """Dispatch a hybrid site against power prices."""
    from hashpivot.engines.dispatch import run_dispatch_file

    if solver is not None and solver not in ("auto", "fast", "lp"):
        fail_input(f"{solver!r} is not one of auto, fast, lp", "--solver")
    if not portfolio_file.exists():
        fail_input(f"file not found: {portfolio_file}", "SITE.toml")
    result = run_dispatch_file(
        portfolio_file, prices_file=prices, market=market, site_name=site, solver=solver,
        hashprice=hashprice,
    )
    written = write_outputs(result, out) if out is not None else []
    summary = jsonable(result.summary())
    if json_out:
        if written:
            summary["files"] = [str(p) for p in written]
        typer.echo(json.dumps(summary))
        return
    console = Console()
    table = Table(title=f"Dispatch of {summary.get('site', '')} "
                        f"({summary.get('start', '')[:10]} .. {summary.get('end', '')[:10]}, "
                        f"{summary.get('intervals')} intervals)")
    table.add_column("item")
    table.add_column("value", justify="right")
    for key in SUMMARY_KEYS:
        table.add_row(key, _fmt(key, summary.get(key)))
    console.print(table)
    console.print(
        f"solver {summary.get('solver')} ({summary.get('status')}), build "
        f"{summary.get('build_seconds', 0):.3f} s, solve {summary.get('solve_seconds', 0):.3f} s,"
        f" MIP gap {summary.get('mip_gap')}; hashprice: {summary.get('hashprice_source')}; "
        f"prices: {summary.get('price_source')}; emissions: {summary.get('emissions_source')}",
        highlight=False,
    )
    for p in written:
        console.print(f"wrote {p}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``dispatch`` to the ``hashpivot`` app."""
    app.command("dispatch", help=_HELP)(dispatch_command)
