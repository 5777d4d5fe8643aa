"""The rows of the strategy tables of ``pivot`` and ``simulate``, built from their JSON
results (``PivotResult.to_json_dict``, ``SimulationResult.to_json``): the CLI prints them
and the dashboard shows them, so both give the same numbers the same way (cheap to
import: no pandas, no plotting).

A row is ``(quantity, unit, cells)``, one cell per strategy; a missing or non-finite
value is ``-``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: A table row: quantity, unit, one formatted cell per strategy.
Row = tuple[str, str, list[str]]

#: Below this expected BTC sold under duress [BTC] the table shows "—" for the average
#: forced-sale price: an average over a few paths' crumbs (0.006 BTC sold at a 2.46 M USD
#: average, issue 11) says nothing about the price a treasury would get.
MATERIAL_FORCED_SALE_BTC = 1.0
#: Label suffix of the treasury rows run again with the capex paid from outside the treasury.
EX_CAPEX = "ex capex"
EX_CAPEX_NOTE = (
    f"{EX_CAPEX} = the same treasury with the capex (fleet replacement; halls net of "
    "project-debt draws) paid from outside it: what operations and the treasury's debt "
    "cause on their own"
)


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def fmt_musd(x: float | None) -> str:
    """USD shown in millions with one decimal; ``-`` for missing or NaN. [M USD]"""
    return f"{x / 1e6:,.1f}" if _finite(x) else "-"  # type: ignore[operator]


def fmt_pct(x: float | None) -> str:
    """A fraction shown in percent with one decimal; ``-`` for missing or NaN. [%]"""
    return f"{100 * x:.1f}" if _finite(x) else "-"  # type: ignore[operator]


def fmt_num(x: float | None, fmt: str = ",.1f") -> str:
    """A number with a format spec; ``-`` for missing or NaN."""
    return format(x, fmt) if _finite(x) else "-"


def fmt_assumption(value: Any) -> str:
    """A resolved assumption's value as a cell: floats with 4 significant digits below
    10,000, else whole with thousands separators; anything else as its text."""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def forced_sale_price_cell(expected_sold_btc: float | None, avg_price_usd: float | None) -> str:
    """The average forced-sale price [USD/BTC] as a table cell: ``—`` unless the expected
    BTC sold under duress is material (>= :data:`MATERIAL_FORCED_SALE_BTC`)."""
    if expected_sold_btc is None or not expected_sold_btc >= MATERIAL_FORCED_SALE_BTC:
        return "—"
    return fmt_num(avg_price_usd, ",.0f")


def _musd(label: str, strategies: Sequence[Mapping[str, Any]], key: str) -> Row:
    return (label, "M USD", [fmt_musd(s.get(key)) for s in strategies])


def pivot_rows(strategies: Sequence[Mapping[str, Any]], *, taxed: bool, levered: bool
               ) -> list[Row]:
    """The strategy rows of ``pivot``: MW converted, NPVs, IRRs, payback, backlog.

    Parameters
    ----------
    strategies : sequence of mapping
        ``PivotResult.to_json_dict()["strategies"]`` values, in column order.
    taxed : bool
        The run has a ``[pivot.tax]`` table (else the after-tax rows are left out).
    levered : bool
        The portfolio has ``[financing]`` (else the levered rows are left out).
    """
    rows: list[Row] = [
        ("MW converted (gross)", "MW",
         [fmt_num(s.get("converted_gross_mw"), ",.0f") for s in strategies]),
        _musd("NPV", strategies, "npv_usd"),
        _musd("NPV vs keep", strategies, "npv_vs_baseline_usd"),
        _musd("TV, present value", strategies, "terminal_value_usd"),
        _musd("NPV with TV", strategies, "npv_with_terminal_value_usd"),
        _musd("NPV with TV vs keep", strategies, "npv_with_terminal_value_vs_baseline_usd"),
        _musd("income tax, PV", strategies, "income_tax_pv_usd"),
        _musd("NPV after tax", strategies, "npv_after_tax_usd"),
        _musd("after tax vs keep", strategies, "npv_after_tax_vs_baseline_usd"),
        _musd("after tax with TV", strategies, "npv_after_tax_with_terminal_value_usd"),
        ("IRR (incremental)", "%/yr", [fmt_pct(s.get("irr_fraction")) for s in strategies]),
        _musd("NPV levered", strategies, "npv_levered_usd"),
        _musd("NPV levered after tax", strategies, "npv_levered_after_tax_usd"),
        ("IRR levered (incr.)", "%/yr",
         [fmt_pct(s.get("irr_levered_fraction")) for s in strategies]),
        ("payback (incr.)", "months", [fmt_num(s.get("payback_months")) for s in strategies]),
        _musd("backlog, contracted", strategies, "contracted_backlog_usd"),
    ]
    if not taxed:
        rows = [r for r in rows if "tax" not in r[0]]
    if not levered:
        rows = [r for r in rows if "levered" not in r[0]]
    return rows


def simulate_rows(stats: Sequence[Mapping[str, Any]], *, treasury_given: bool
                  ) -> tuple[list[Row], list[str]]:
    """The strategy rows of ``simulate`` and the notes their caption needs.

    Parameters
    ----------
    stats : sequence of mapping
        ``SimulationResult.to_json()["strategies"]`` values (or ``strategy_stats``), in
        column order; after-tax rows appear when they hold after-tax keys.
    treasury_given : bool
        The portfolio has a ``[treasury]`` (else one row says none was given).

    Returns
    -------
    rows : list of Row
    notes : list of str
        What the treasury rows' labels mean (``ex capex``, the ``—`` price cells).
    """
    taxed = any("npv_after_tax_mean_usd" in s for s in stats)
    rows: list[Row] = [
        _musd("NPV mean", stats, "npv_mean_usd"),
        _musd("NPV P5", stats, "npv_p5_usd"),
        _musd("NPV P50", stats, "npv_p50_usd"),
        _musd("NPV P95", stats, "npv_p95_usd"),
        _musd("CVaR95", stats, "cvar95_usd"),
        _musd("NPV deterministic", stats, "npv_deterministic_usd"),
        ("P(beats keep)", "%", [fmt_pct(s.get("prob_beats_baseline")) for s in stats]),
        _musd("NPV with TV, mean", stats, "npv_with_tv_mean_usd"),
        _musd("NPV with TV, P5", stats, "npv_with_tv_p5_usd"),
        ("P(beats keep), TV", "%",
         [fmt_pct(s.get("prob_beats_baseline_with_tv")) for s in stats]),
    ]
    if taxed:
        rows += [
            _musd("NPV after tax, mean", stats, "npv_after_tax_mean_usd"),
            _musd("NPV after tax, P5", stats, "npv_after_tax_p5_usd"),
            ("P(beats keep), tax", "%",
             [fmt_pct(s.get("prob_beats_baseline_after_tax")) for s in stats]),
        ]
    rows.append(_musd("NPV vs keep, mean", stats, "npv_vs_baseline_mean_usd"))
    if not treasury_given:
        rows.append(("treasury", "", ["none given" for _ in stats]))
        return rows, []
    sold = [s.get("expected_forced_sale_btc") for s in stats]
    rows += [
        ("P(forced sale)", "%", [fmt_pct(s.get("prob_forced_sale")) for s in stats]),
        (f"P(forced sale), {EX_CAPEX}", "%",
         [fmt_pct(s.get("prob_forced_sale_without_capex")) for s in stats]),
        ("P(liquidity breach)", "%", [fmt_pct(s.get("prob_liquidity_breach")) for s in stats]),
        (f"P(breach), {EX_CAPEX}", "%",
         [fmt_pct(s.get("prob_liquidity_breach_without_capex")) for s in stats]),
        ("E[BTC sold, duress]", "BTC", [fmt_num(b, ",.1f") for b in sold]),
        (f"E[BTC sold], {EX_CAPEX}", "BTC",
         [fmt_num(s.get("expected_forced_sale_without_capex_btc"), ",.1f") for s in stats]),
        ("avg forced-sale price", "USD/BTC",
         [forced_sale_price_cell(b, s.get("forced_sale_avg_price_usd"))
          for b, s in zip(sold, stats, strict=True)]),
        _musd("min cash, P5", stats, "min_cash_p5_usd"),
        ("BTC held at end, mean", "BTC", [fmt_num(s.get("end_btc_mean"), ",.0f") for s in stats]),
    ]
    notes = [EX_CAPEX_NOTE]
    if any(b is None or b < MATERIAL_FORCED_SALE_BTC for b in sold):
        notes.append(
            f"avg forced-sale price: '—' where E[BTC sold] < {MATERIAL_FORCED_SALE_BTC:g} BTC "
            "(an average over a few paths' small sales means little)"
        )
    return rows, notes


__all__ = [
    "EX_CAPEX",
    "EX_CAPEX_NOTE",
    "MATERIAL_FORCED_SALE_BTC",
    "Row",
    "fmt_assumption",
    "fmt_musd",
    "fmt_num",
    "fmt_pct",
    "forced_sale_price_cell",
    "pivot_rows",
    "simulate_rows",
]
