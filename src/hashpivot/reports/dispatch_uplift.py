"""A dispatching site's flexibility uplift on the central path, month by month
(``dispatch_uplift.csv`` and a chart), for ``pivot --out``, ``simulate --out`` and the
dashboard's run pages (:func:`uplift_figure`).

The figures are those the run counted (:mod:`hashpivot.engines.pivot.uplift.curve`),
recorded with the resolved assumptions (``dispatch_uplift_central_usd_per_mw_month``
of each site's facts, :mod:`hashpivot.engines.pivot.site_assumptions`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.colors
import plotly.graph_objects as go

from hashpivot.reports import charts
from hashpivot.reports.labels import with_sources
from hashpivot.reports.out_files import DISPATCH_UPLIFT_FILES, out_name
from hashpivot.reports.serialize import write_csvs

__all__ = ["dispatch_uplift_frame", "uplift_figure", "write_dispatch_uplift"]

#: Its files, among those of ``pivot --out`` and ``simulate --out``.
_FILES = DISPATCH_UPLIFT_FILES

#: Columns of ``dispatch_uplift.csv`` after ``site``, ``fleet_entry`` and ``month``.
COLUMNS = (
    "hashprice_multiplier", "price_level", "gain_usd_per_mw_month",
    "whole_month_saving_usd_per_mw_month", "uplift_usd_per_mw_month", "revenue_share",
    "energy_share", "running_share", "supply_settlement_usd_per_mw_month",
)


def dispatch_uplift_frame(site_facts: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per dispatching site, fleet entry and month of the central path: ``site,
    fleet_entry`` (each ``[[sites.fleet]]`` entry is a tranche at its own margin; empty in
    results stored before entries were), ``month, hashprice_multiplier`` (``k`` [-]),
    ``price_level`` (``lambda``, the month's index price level [-]),
    ``gain_usd_per_mw_month`` (``lambda (G(k) - D(k)) + D(k)``, ``D`` the set-rate part,
    plus the grid adder's term,
    :meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.breakdown`),
    ``whole_month_saving_usd_per_mw_month`` (what the monthly model's curtailment already
    saves) and ``uplift_usd_per_mw_month``
    (what the run counted per MW still mining) [USD/MW/month], ``revenue_share`` and
    ``energy_share`` (of a full month's revenue and BTC, and energy, in a month the site
    mines some intervals [-]) and ``running_share`` (the energy share in those months, 0 in
    the others: the share of the variable site costs paid [-]; empty in results stored
    before it was recorded) and ``supply_settlement_usd_per_mw_month`` (what a
    ``[sites.dispatch.ppa]`` block and a ``[sites.dispatch.renewable]`` plant count in
    the month per MW of the fleet: their worth with no miners the site's, the rest part of
    the uplift [USD/MW/month]; empty for a site without either); empty when no site dispatches."""
    frames = []
    for site in site_facts:
        central = site.get("dispatch_uplift_central_usd_per_mw_month")
        if not central or "by_month" not in central:
            continue
        by = central["by_month"]
        missing = [None] * len(by["month"])  # (a column older results do not have)
        frames.append(pd.DataFrame({"site": site["name"],
                                    "fleet_entry": by.get("fleet_entry", [""] * len(missing)),
                                    "month": by["month"],
                                    **{c: by.get(c, missing) for c in COLUMNS}}))
    if not frames:
        return pd.DataFrame(columns=["site", "fleet_entry", "month", *COLUMNS])
    return pd.concat(frames, ignore_index=True)


def write_dispatch_uplift(site_facts: list[dict[str, Any]], out_dir: Path,
                          context: str, sources: str = "") -> list[Path]:
    """``dispatch_uplift.csv``, ``dispatch_uplift.png`` and ``.html`` when a site
    dispatches (nothing otherwise).

    Parameters
    ----------
    site_facts : list of dict
        The run's ``inputs["site_assumptions"]``.
    out_dir : pathlib.Path
        Existing directory.
    context : str
        The horizon and market path, for the chart's subtitle.
    sources : str
        The data the run drew on, with their attributions
        (:func:`hashpivot.reports.labels.sources_text`), ending the subtitle.
    """
    frame = dispatch_uplift_frame(site_facts)
    if frame.empty:
        return []
    written = write_csvs(out_dir, ((frame, out_name(_FILES, "dispatch_uplift.csv")),))
    title = "Dispatch flexibility counted per MW still mining"
    subtitle = (
        f"uplift [USD/MW/month] = max(0, margin + gain) - max(0, margin): the dispatch "
        f"engine's gain over always-on at the month's margin, less the whole-month saving "
        f"(what curtailing a month that loses money always on already saves); central "
        f"path, keep-mining's fleet; {context}"
    )
    subtitle = with_sources(subtitle, sources)
    fig, (ax,) = charts.new_figure(1, 4.5, width_in=9.0)
    for name, rows in _by_line(frame):
        x = pd.PeriodIndex(rows["month"], freq="M").to_timestamp()
        (line,) = ax.plot(x, rows["uplift_usd_per_mw_month"], label=f"{name}: uplift")
        ax.plot(x, rows["gain_usd_per_mw_month"], ls="--", lw=0.9, color=line.get_color(),
                label=f"{name}: gain")  # one colour a site or fleet entry
    ax.set_ylabel("[USD/MW/month]")
    charts.thousands(ax.yaxis)
    charts.set_titles(fig, title, subtitle)
    ax.legend(fontsize=8)
    written.append(charts.save_png(fig, out_dir / out_name(_FILES, "dispatch_uplift.png"), dpi=120))
    pfig = uplift_figure(frame)
    pfig.update_layout(title=charts.plotly_title(title, subtitle))
    written.append(charts.save_html(pfig, out_dir / out_name(_FILES, "dispatch_uplift.html")))
    return written


def uplift_figure(frame: pd.DataFrame) -> go.Figure:
    """The plotly figure of :func:`dispatch_uplift_frame` (``--out`` and the dashboard):
    per site and fleet entry, the uplift, the gain and the whole-month saving by month.
    [USD/MW/month]"""
    fig = go.Figure()
    palette = plotly.colors.qualitative.Plotly
    for i, (site, rows) in enumerate(_by_line(frame)):
        x = list(rows["month"])
        color = palette[i % len(palette)]  # one colour a site or fleet entry
        fig.add_trace(go.Scatter(x=x, y=list(rows["uplift_usd_per_mw_month"]), mode="lines",
                                 line={"color": color}, name=f"{site}: uplift"))
        fig.add_trace(go.Scatter(x=x, y=list(rows["gain_usd_per_mw_month"]), mode="lines",
                                 line={"dash": "dash", "color": color}, name=f"{site}: gain"))
        fig.add_trace(go.Scatter(x=x, y=list(rows["whole_month_saving_usd_per_mw_month"]),
                                 mode="lines", line={"dash": "dot", "color": color},
                                 name=f"{site}: whole-month saving"))
    fig.update_layout(yaxis_title="[USD/MW/month]", yaxis_tickformat=",.0f")
    return fig


def _by_line(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The frame's rows by site and fleet entry, each with its legend name: the site's
    name, and the entry's where the site has several."""
    out: list[tuple[str, pd.DataFrame]] = []
    for site, rows in frame.groupby("site", sort=False):
        if rows["fleet_entry"].nunique() > 1:
            out += [(f"{site} {entry}", part)
                    for entry, part in rows.groupby("fleet_entry", sort=False)]
        else:
            out.append((str(site), rows))
    return out
