"""The table of reference AI/HPC hosting deals that ``hashpivot deals`` prints and the
market page shows (:func:`deals_table`): one builder, so that both say the rent is a term
average, mark the reported figures and give the colocation range."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hashpivot.reports.tables.formats import fmt_num
from hashpivot.reports.tables.runs import RunTable

if TYPE_CHECKING:
    import pandas as pd

    from hashpivot.hosting.deals import DealRange

#: What the columns hold, with their units (printed under the table).
DEALS_CAPTION = (
    "$/kW/mo = contract value / (term x 12) / critical IT kW [USD/kW/month], a term average "
    "(escalators included), x 0.012 for M USD/MW-year; capex [M USD/MW]; kind: colo(cation) "
    "or GPU cloud; mostly secondary sources (announced, source, confidence: --json)"
)


def _f(value: Any) -> float:
    """A cell as float (NaN for missing or non-numeric)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def deals_table(table: pd.DataFrame, rng: DealRange) -> RunTable:
    """The deals with their implied rent, its caption, the colocation range and the deals
    left out of it.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`hashpivot.hosting.deals.deals_table` of the bundled deals.
    rng : DealRange
        :func:`hashpivot.hosting.deals.deal_range` of ``table``.

    Returns
    -------
    RunTable
        Rent [USD/kW/month] with ``*`` where it is the reported figure (no contract value
        published), contract value [B USD], capex [M USD/MW]; notes: the caption, the
        colocation range (min-max, median, count) [USD/kW/month], one line per excluded
        deal.
    """
    rows = []
    for rec in table.to_dict("records"):
        computed = _f(rec["implied_usd_per_kw_month_computed"])
        rows.append((
            str(rec["deal"]),
            fmt_num(_f(rec["critical_it_mw"]), ",.0f"),
            fmt_num(_f(rec["term_years"]), "g"),
            fmt_num(_f(rec["contract_value_usd"]) / 1e9, ",.2f"),
            fmt_num(_f(rec["rate_usd_per_kw_month"])) + ("" if math.isfinite(computed) else "*"),
            fmt_num(_f(rec["capex_usd_per_mw"]) / 1e6, ",.1f"),
            "GPU" if rec["kind"] == "gpu_cloud" else "colo",
        ))
    span = (f"colocation range: {rng.rate_min_usd_per_kw_month:,.1f}-"
            f"{rng.rate_max_usd_per_kw_month:,.1f} USD/kW/month (median "
            f"{rng.rate_median_usd_per_kw_month:,.1f}, {rng.n_deals} deals); * = reported "
            "figure (no contract value published)")
    return RunTable(
        title=f"AI/HPC hosting deals signed by miners ({len(table)})",
        header=("deal", "IT MW", "yrs", "B USD", "$/kW/mo", "capex", "kind"),
        rows=rows,
        notes=(DEALS_CAPTION, span, *(f"excluded: {e}" for e in rng.excluded)),
        right=frozenset(range(1, 6)),
    )
