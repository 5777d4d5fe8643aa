"""Plan outputs: the plan, strategy values, NPV samples, rules and shadow prices as CSV, a
Gantt-like plan chart and the NPV distribution of the plan against the alternatives (PNG
and one self-contained interactive HTML page)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.colors import to_hex
from matplotlib.patches import Patch

from hashpivot.reports.charts import (
    new_figure,
    plotly_title,
    save_png,
    set_titles,
    write_page,
)
from hashpivot.reports.labels import sources_text, with_sources
from hashpivot.reports.out_files import OUT_FILES, out_name
from hashpivot.reports.serialize import (
    GZIP_REPRODUCIBLE,
    assumptions_frame,
    dumps,
    jsonable,
    write_csvs,
)

if TYPE_CHECKING:
    from hashpivot.models import Portfolio
    from hashpivot.optimize import PlanResult


#: The files of ``optimize --out`` (:mod:`hashpivot.reports.out_files`).
_FILES = OUT_FILES["optimize"]


def strategies_frame(result: PlanResult) -> pd.DataFrame:
    """One row per plan or strategy: ``name, feasible, expected_npv_usd, cvar95_usd,
    converted_mw, expected_terminal_value_usd`` [USD, MW] (the terminal value is part of
    the expected NPV)."""
    j = result.to_json()
    rows = [{"name": "optimized_plan", "feasible": True,
             "expected_npv_usd": j["expected_npv_usd"], "cvar95_usd": j["cvar95_usd"],
             "converted_mw": float(result.plan["gross_mw"].sum()),
             "expected_terminal_value_usd": j["expected_terminal_value_usd"]}]
    rows += [{"name": n, **s} for n, s in j["strategies"].items()]
    return pd.DataFrame(rows)


def npv_samples_frame(result: PlanResult) -> pd.DataFrame:
    """NPV per in-sample scenario of the plan and every strategy. [USD]"""
    cols = {"optimized_plan_npv_usd": result.npv_usd}
    cols.update({f"{s.name}_npv_usd": s.npv_usd for s in result.strategies})
    return pd.DataFrame(cols)


def plan_chart(result: PlanResult, out_dir: Path) -> tuple[Path, go.Figure]:
    """``plan_gantt.png``: per site, one lane per conversion, a bar from its construction
    start to the horizon end, labelled with its gross MW and quarter; colour = tenant."""
    plan = result.plan
    sites = [s["name"] for s in result.inputs["sites"]]
    end = pd.Period(result.inputs["start"], "M") + result.inputs["horizon_months"]
    fig, (ax,) = new_figure(1, max(2.5, 0.7 * len(sites) + 1.5))
    g = go.Figure()
    tenants = sorted(set(plan["tenant"])) if len(plan) else []
    colors = {t: f"C{i % 10}" for i, t in enumerate(tenants)}
    rows = plan.to_dict("records")
    lanes = {name: [r for r in rows if str(r["site"]) == name] for name in sites}
    for name, site_rows in lanes.items():
        y0 = sites.index(name)
        height = 0.8 / max(1, len(site_rows))
        for i, row in enumerate(site_rows):  # earliest on top, each in its own lane
            y = y0 - 0.4 + height * (i + 0.5)
            x0 = pd.Period(str(row["start_month"]), "M").to_timestamp()
            width = (end.to_timestamp() - x0).days
            mw, tenant = float(row["gross_mw"]), str(row["tenant"])
            ax.barh(y, width, left=x0, height=height * 0.9, color=colors[tenant],
                    alpha=0.8, edgecolor="black", linewidth=0.5)
            ax.text(x0, y, f" {mw:g} MW from {row['quarter']}", va="center",
                    fontsize=7 if len(site_rows) > 2 else 8)
            lane = f"{name} ({i + 1})" if len(site_rows) > 1 else name
            g.add_trace(go.Bar(y=[lane], x=[width * 86_400_000], base=[x0], orientation="h",
                               name=f"{tenant}: {mw:g} MW from {row['quarter']}",
                               marker_color=to_hex(colors[tenant]),
                               hovertext=f"{name}: {mw:g} MW from {row['quarter']}, {tenant}"))
    ax.set_yticks(range(len(sites)))
    ax.set_yticklabels(sites)
    ax.set_ylim(-0.6, len(sites) - 0.4)
    ax.invert_yaxis()
    head = "Conversion plan"
    subtitle = with_sources("Construction start and gross MW per site; colour = tenant; "
                            "chosen on scenarios of the market model",
                            sources_text(result.inputs))
    set_titles(fig, head, subtitle)
    if tenants:
        ax.legend(handles=[Patch(facecolor=c, edgecolor="black", label=t)
                           for t, c in colors.items()], fontsize=8, loc="upper center",
                  bbox_to_anchor=(0.5, -0.08), ncol=min(len(tenants), 4), frameon=False)
    png = save_png(fig, out_dir / out_name(_FILES, "plan_gantt.png"))
    g.update_layout(title=plotly_title(head, subtitle), xaxis_type="date",
                    yaxis={"autorange": "reversed"})
    return png, g


def npv_distribution_chart(result: PlanResult, out_dir: Path) -> tuple[Path, go.Figure]:
    """``npv_distribution.png``: in-sample NPV of the plan and the feasible strategies
    [M USD]."""
    series = {"optimized plan": result.npv_usd}
    series.update({s.name: s.npv_usd for s in result.strategies if s.feasible})
    fig, (ax,) = new_figure(1, 4.5)
    g = go.Figure()
    allv = np.concatenate(list(series.values())) / 1e6
    lo, hi = np.percentile(allv, [0.5, 99.5])
    bins = list(np.linspace(lo, hi if hi > lo else lo + 1, 60))
    for name, v in series.items():
        ax.hist(np.clip(v / 1e6, bins[0], bins[-1]), bins=bins, alpha=0.4, label=name,
                histtype="stepfilled" if name == "optimized plan" else "step", linewidth=1.5)
        g.add_trace(go.Histogram(x=v / 1e6, name=name, opacity=0.5, nbinsx=60))
    ax.set_xlabel("NPV of the portfolio [M USD] (tails clipped at P0.5/P99.5)")
    ax.set_ylabel("scenarios")
    head = "NPV distribution: optimized plan vs simple strategies (same scenarios)"
    subtitle = with_sources(f"In-sample NPV of the portfolio [M USD], {len(result.npv_usd):,} "
                            "scenarios", sources_text(result.inputs))
    set_titles(fig, head, subtitle)
    ax.legend(fontsize=8)
    png = save_png(fig, out_dir / out_name(_FILES, "npv_distribution.png"))
    g.update_layout(barmode="overlay", title=plotly_title(head, subtitle),
                    xaxis_title="NPV [M USD]")
    return png, g


def write_optimize(result: PlanResult, out_dir: Path, portfolio: Portfolio | None = None,
                   source: str | None = None) -> list[Path]:
    """Write every plan output into ``out_dir`` (created if missing).

    Files: ``plan.csv``, ``strategies.csv``, ``rules.csv``, ``shadow_prices.csv``,
    ``assumptions.csv`` (the resolved assumptions with their sources),
    ``npv_samples.csv.gz``, ``result.json`` (the ``--json`` object), ``plan_gantt.png``,
    ``npv_distribution.png`` and ``optimize.html`` (both charts, interactive, offline);
    with ``portfolio``, ``plan_portfolio.toml``: the portfolio with the plan as its
    ``phased`` strategy, for ``pivot`` and ``simulate``
    (:func:`hashpivot.optimize.plan_portfolio.plan_portfolio_toml`; ``source``: the
    portfolio file).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_csvs(out_dir, (
        (result.plan, out_name(_FILES, "plan.csv")),
        (strategies_frame(result), out_name(_FILES, "strategies.csv")),
        (result.rules, out_name(_FILES, "rules.csv")),
        (result.shadow_prices, out_name(_FILES, "shadow_prices.csv")),
        (assumptions_frame(result.resolved_assumptions()), out_name(_FILES, "assumptions.csv")),
    ))
    p = out_dir / out_name(_FILES, "npv_samples.csv.gz")
    npv_samples_frame(result).to_csv(p, index_label="scenario", compression=GZIP_REPRODUCIBLE)
    written.append(p)
    js = out_dir / out_name(_FILES, "result.json")
    js.write_text(dumps(dict(jsonable(json.loads(dumps(result.to_json())))), indent=2),
                  encoding="utf-8")
    written.append(js)
    charts = [plan_chart(result, out_dir), npv_distribution_chart(result, out_dir)]
    written += [png for png, _ in charts]
    written.append(write_page(out_dir / out_name(_FILES, "optimize.html"), "hashpivot optimize",
                              [g for _, g in charts]))
    if portfolio is not None:
        from hashpivot.optimize.plan_portfolio import PLAN_PORTFOLIO_FILE, plan_portfolio_toml

        toml = out_dir / out_name(_FILES, PLAN_PORTFOLIO_FILE)
        toml.write_text(plan_portfolio_toml(portfolio, result.to_json(), source),
                        encoding="utf-8")
        written.append(toml)
    return written
