"""Pivot outputs: monthly and annual cash flows per strategy, summary and tornado CSVs, and
the cumulative cash flow and tornado charts (PNG and self-contained HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hashpivot.reports.charts import (
    new_figure,
    plotly_title,
    save_html,
    save_png,
    set_titles,
    thousands,
)
from hashpivot.reports.dispatch_uplift import write_dispatch_uplift
from hashpivot.reports.labels import (
    discounting_text,
    format_tornado_input,
    sources_text,
    with_sources,
)
from hashpivot.reports.out_files import OUT_FILES, out_name
from hashpivot.reports.serialize import assumptions_frame, write_csvs
from hashpivot.reports.tables.strategies import taxed, tornado_changes_with_terminal_value

if TYPE_CHECKING:
    from hashpivot.engines.pivot import PivotResult
    from hashpivot.engines.pivot.results import StrategyResult


#: The files of ``pivot --out`` (:mod:`hashpivot.reports.out_files`).
_FILES = OUT_FILES["pivot"]


def monthly_frame(s: StrategyResult) -> pd.DataFrame:
    """One strategy's monthly cash flows (first path), one row per month (``month`` as
    ``YYYY-MM``); money columns [USD] (``site_supply_usd``, the contracted supply's
    stream, only where a site has one; ``hosting_in_service_usd``, the net flow of the
    halls already in service, only where a site has some), ``btc_mined`` [BTC],
    ``energy_mwh`` [MWh], ``mining_mw`` and ``it_mw_in_service`` [MW]."""
    cf = s.cash_flows
    return pd.DataFrame(
        {
            "month": cf.periods.astype(str),
            "mining_revenue_usd": cf.mining_revenue_usd[0],
            "hosting_revenue_usd": cf.hosting_revenue_usd[0],
            "power_cost_usd": cf.power_cost_usd[0],
            # the sites' contracted supply stream, a line of its own, where there is one
            **({"site_supply_usd": cf.site_supply_usd[0]}
               if cf.site_supply_usd is not None else {}),
            # the sites' halls already in service (net), a line of its own, where any
            **({"hosting_in_service_usd": cf.hosting_in_service_usd[0]}
               if cf.hosting_in_service_usd is not None else {}),
            "opex_usd": cf.opex_usd[0],
            "ebitda_usd": cf.ebitda_usd[0],
            "capex_usd": cf.capex_usd[0],
            "asic_resale_usd": cf.asic_resale_usd[0],
            "prepayment_usd": cf.prepayment_usd[0],
            "unlevered_fcf_usd": cf.unlevered_fcf_usd[0],
            "debt_draw_usd": cf.debt_draw_usd[0],
            "debt_service_usd": cf.debt_service_usd[0],
            "levered_fcf_usd": cf.levered_fcf_usd[0],
            "btc_mined": cf.btc_mined[0],
            "energy_mwh": cf.energy_mwh[0],
            "contracted_revenue_usd": cf.contracted_revenue_usd[0],
            "mining_mw": cf.mining_mw[0],
            "it_mw_in_service": cf.it_mw_in_service[0],
        }
    )


#: The after-tax columns of :func:`summary_frame` (a run with ``[pivot.tax]``). [USD]
_AFTER_TAX = ("income_tax_pv_usd", "npv_after_tax_usd", "npv_after_tax_vs_baseline_usd",
              "npv_after_tax_with_terminal_value_usd")


def summary_frame(result: PivotResult) -> pd.DataFrame:
    """One row per strategy: converted MW, NPVs [USD] (pre-tax, to the horizon and with
    the terminal value; with ``[pivot.tax]`` also the income tax's PV and the NPVs after
    tax, the table's headline rows, the levered one included), IRRs [fraction/year]
    (with whether each is a financing's cost, not a return), payback [months] and
    contracted backlog [USD]."""
    is_taxed = taxed({"inputs": result.inputs})
    after_tax = _AFTER_TAX if is_taxed else ()
    return pd.DataFrame(
        [
            {
                "strategy": s.name,
                "converted_gross_mw": s.strategy.converted_gross_mw,
                "npv_usd": s.npv_usd,
                "npv_vs_baseline_usd": s.npv_vs_baseline_usd,
                "terminal_value_usd": s.terminal_value_usd,
                "npv_with_terminal_value_usd": s.npv_with_terminal_value_usd,
                "npv_with_terminal_value_vs_baseline_usd":
                    s.npv_with_terminal_value_vs_baseline_usd,
                **{k: getattr(s, k) for k in after_tax},
                "irr_fraction": s.irr_fraction,
                "npv_levered_usd": s.npv_levered_usd,
                # the table's "NPV levered after tax" row
                **({"npv_levered_after_tax_usd": s.npv_levered_after_tax_usd}
                   if is_taxed else {}),
                "irr_levered_fraction": s.irr_levered_fraction,
                "irr_is_financing": s.irr_is_financing,
                "irr_levered_is_financing": s.irr_levered_is_financing,
                "payback_months": s.payback_months,
                "contracted_backlog_usd": s.contracted_backlog_usd,
            }
            for s in result.strategies
        ]
    )


def _horizon(result: PivotResult) -> str:
    inp = result.inputs
    return f"{inp['start']} + {inp['horizon_months']} months"


def cumulative_cash_flow_charts(result: PivotResult, out_dir: Path) -> list[Path]:
    """``cumulative_cash_flow.png`` and ``.html``: cumulative unlevered free cash flow per
    strategy [M USD], undiscounted (the subtitle says so)."""
    cum = {s.name: np.cumsum(s.cash_flows.unlevered_fcf_usd[0]) for s in result.strategies}
    x = result.strategies[0].cash_flows.periods.to_timestamp()
    title = "Cumulative free cash flow per strategy"
    subtitle = (
        f"Undiscounted sum of monthly unlevered free cash flow [M USD], pre-tax, without "
        f"terminal value; {_horizon(result)}; deterministic market path "
        f"({result.inputs.get('market_source', '')})"
    )
    subtitle = with_sources(subtitle, sources_text(result.inputs))
    fig, (ax,) = new_figure(1, 5.0, width_in=9.0)
    for name, y in cum.items():
        ax.plot(x, y / 1e6, label=name)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("cumulative FCF, undiscounted [M USD]")
    thousands(ax.yaxis)
    set_titles(fig, title, subtitle)
    ax.legend()
    written = [save_png(fig, out_dir / out_name(_FILES, "cumulative_cash_flow.png"), dpi=120)]
    pfig = go.Figure()
    for name, y in cum.items():
        pfig.add_trace(go.Scatter(x=x, y=y / 1e6, name=name, mode="lines"))
    pfig.update_layout(
        title=plotly_title(title, subtitle),
        yaxis_title="cumulative FCF, undiscounted [M USD]",
        yaxis_tickformat=",.0f",
    )
    written.append(save_html(pfig, out_dir / out_name(_FILES, "cumulative_cash_flow.html")))
    return written


def tornado_charts(result: PivotResult, out_dir: Path, with_terminal_value: bool = False
                   ) -> list[Path]:
    """``tornado.png`` and ``.html``: NPV(pivot) - NPV(keep_mining) [M USD] at the low and
    high input of each variable, as two bars side by side per variable (neither can hide
    the other) from the labelled base value; nothing when the tornado is empty. With
    ``with_terminal_value``, ``tornado_with_tv.png`` and ``.html``: the same for the NPVs
    with their terminal value."""
    if result.tornado.empty:
        return []
    prefix, swing, tv_text, name = (
        ("npv_with_tv_vs_baseline", "swing_with_tv_usd", "with terminal value",
         "tornado_with_tv") if with_terminal_value
        else ("npv_vs_baseline", "swing_usd", "without terminal value", "tornado")
    )
    t = result.tornado.sort_values(swing, ascending=False, kind="stable").iloc[::-1]
    pivot = result.strategy(result.pivot_name)
    base = (pivot.npv_with_terminal_value_vs_baseline_usd if with_terminal_value
            else pivot.npv_vs_baseline_usd) / 1e6
    lo = t[f"{prefix}_low_usd"].to_numpy(float) / 1e6
    hi = t[f"{prefix}_high_usd"].to_numpy(float) / 1e6
    labels = [
        f"{v} ({format_tornado_input(float(a), u)} / {format_tornado_input(float(b), u)})"
        for v, a, b, u in zip(t["label"], t["low_input"], t["high_input"], t["unit"], strict=True)
    ]
    xlabel = f"NPV({result.pivot_name}) - NPV(keep_mining) [M USD]"
    title = "Sensitivity (tornado)" + (", with the terminal value" if with_terminal_value
                                        else "")
    subtitle = (
        f"NPV({result.pivot_name}) - NPV(keep_mining) [M USD] with one input at its low "
        f"or high value, the others at base; base value {base:,.1f} M USD; NPV of "
        f"unlevered FCF, {discounting_text(result.inputs)}, pre-tax, "
        f"{tv_text}; {_horizon(result)}"
    )
    subtitle = with_sources(subtitle, sources_text(result.inputs))
    fig, (ax,) = new_figure(1, 5.0, width_in=9.0)
    ypos = np.arange(len(t))
    h = 0.38
    ax.barh(ypos - h / 2, lo - base, height=h, left=base, color="tab:red", label="low input")
    ax.barh(ypos + h / 2, hi - base, height=h, left=base, color="tab:blue", label="high input")
    ax.axvline(base, color="black", lw=0.9, label=f"base value: {base:,.1f} M USD")
    ax.annotate(
        f"base {base:,.1f}",
        (base, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -10),
        textcoords="offset points",
        fontsize=8,
    )
    ax.set_yticks(ypos, labels)
    ax.set_xlabel(xlabel)
    thousands(ax.xaxis)
    set_titles(fig, title, subtitle, width_chars=100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8)
    written = [save_png(fig, out_dir / out_name(_FILES, f"{name}.png"), dpi=120)]
    pfig = go.Figure()
    pfig.add_trace(go.Bar(y=labels, x=lo - base, base=base, orientation="h", name="low input"))
    pfig.add_trace(go.Bar(y=labels, x=hi - base, base=base, orientation="h", name="high input"))
    pfig.add_vline(x=base, line_color="black", annotation_text=f"base {base:,.1f} M USD")
    pfig.update_layout(
        barmode="group", title=plotly_title(title, subtitle), xaxis_title=xlabel,
        xaxis_tickformat=",.0f",
    )
    written.append(save_html(pfig, out_dir / out_name(_FILES, f"{name}.html")))
    return written


def write_pivot(result: PivotResult, out_dir: Path) -> list[Path]:
    """Write every pivot output into ``out_dir``.

    Files: ``cash_flows_<strategy>.csv`` (monthly) and ``annual_<strategy>.csv`` per
    strategy, ``summary.csv``, ``tornado.csv``, ``assumptions.csv`` (the resolved
    assumptions with their sources), ``cumulative_cash_flow.png/.html`` and
    (when there is a pivot strategy) ``tornado.png/.html``, ``tornado_with_tv.png/.html``
    when the terminal value changes its differences, and ``dispatch_uplift.csv/.png/.html``
    when a site dispatches (:mod:`hashpivot.reports.dispatch_uplift`).

    Parameters
    ----------
    result : PivotResult
        A :func:`hashpivot.engines.pivot.run_pivot` result.
    out_dir : pathlib.Path
        Directory, created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for s in result.strategies:
        p = out_dir / out_name(_FILES, "cash_flows_<strategy>.csv", strategy=s.name)
        monthly_frame(s).to_csv(p, index=False)
        written.append(p)
        p = out_dir / out_name(_FILES, "annual_<strategy>.csv", strategy=s.name)
        s.annual.to_csv(p)
        written.append(p)
    written += write_csvs(out_dir, ((summary_frame(result), out_name(_FILES, "summary.csv")),
                                    (result.tornado, out_name(_FILES, "tornado.csv")),
                                    (assumptions_frame(result.resolved_assumptions()),
                                     out_name(_FILES, "assumptions.csv"))))
    written += cumulative_cash_flow_charts(result, out_dir)
    written += tornado_charts(result, out_dir)
    if tornado_changes_with_terminal_value(result.tornado.to_dict("records")):
        written += tornado_charts(result, out_dir, with_terminal_value=True)
    written += write_dispatch_uplift(
        result.inputs.get("site_assumptions", []), out_dir,
        f"{_horizon(result)}, {result.inputs.get('market_source', '')}",
        sources_text(result.inputs))
    return written
