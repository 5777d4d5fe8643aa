"""What ``pivot`` prints around its strategy rows
(:func:`~hashpivot.reports.tables.strategies.pivot_rows`), built from its JSON result
(``PivotResult.to_json_dict``): the strategy table's title and caption, the tornado
tables and the lines under them. The CLI prints them and the dashboard shows them, so
both tell the same story the same way (cheap to import: no pandas, no plotting)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hashpivot.reports.labels import discounting_text, format_tornado_input
from hashpivot.reports.tables.formats import fmt_musd, is_number
from hashpivot.reports.tables.strategies import (
    breakeven_note,
    signing_notes,
    switching_line,
    taxed,
    tornado_changes_with_terminal_value,
)

#: Column headings of :func:`tornado_tables`' rows (a line break before a unit).
TORNADO_HEADER = ("variable", "low / high input", "at low\nM USD", "at high\nM USD",
                  "swing\nM USD")
_TORNADO_CAPTION = ("NPV diff at the low and at the high input, swing = |high - low|; the "
                    "other inputs at their base value")


def pivot_title(inputs: Mapping[str, Any]) -> str:
    """The strategy table's title: the months and the discounting (parts a run stored
    before them lacks are left out).

    Parameters
    ----------
    inputs : mapping
        The result's ``inputs`` (``start``, ``horizon_months``, the rates).
    """
    title = "AI/HPC pivot vs keep mining"
    if inputs.get("start") and inputs.get("horizon_months"):
        title += f", {inputs['start']} + {inputs['horizon_months']} months"
    if inputs.get("discounting") or inputs.get("discount_rate") is not None:
        title += f", {discounting_text(inputs)}"
    return title


def pivot_caption(inputs: Mapping[str, Any], levered_basis: str | None) -> str:
    """What the strategy table's figures are: month-end discounting, pre-tax (or what the
    after-tax rows take off), the terminal-value method and the price centre, and what the
    levered rows count.

    Parameters
    ----------
    inputs : mapping
        The result's ``inputs`` (``tax``, ``terminal_value``, ``price_center``).
    levered_basis : str or None
        The result's ``levered_basis``; None without ``[financing]``.
    """
    caption = (
        "NPV of unlevered free cash flow (month-end, monthly compounding), "
        + ("pre-tax (rows 'after tax': minus the income tax), " if inputs.get("tax")
           else "pre-tax, ")
        + "without and with terminal value (TV); vs keep = minus keep_mining's; IRR and "
        "payback (undiscounted, months from the construction start) of the flows minus "
        "the baseline's; "
        + str(inputs.get("terminal_value", ""))
        + "; "
        + str(inputs.get("price_center", ""))
    )
    return caption + (f"; {levered_basis}" if levered_basis else "")


@dataclass(frozen=True)
class TornadoTable:
    """One tornado table of ``pivot``.

    Attributes
    ----------
    title : str
        Heading.
    rows : list of tuple of str
        Per variable: its label, its low and high input, and the NPV difference at each
        and the swing. [M USD]
    caption : str
        What the columns are, with the difference at the base.
    """

    title: str
    rows: list[tuple[str, str, str, str, str]]
    caption: str


def _num(x: Any) -> float | None:
    return float(x) if is_number(x) else None


def _tornado_rows(records: Sequence[Mapping[str, Any]], prefix: str, swing: str
                  ) -> list[tuple[str, str, str, str, str]]:
    def side(x: Any, unit: str) -> str:
        return format_tornado_input(float(x) if is_number(x) else float("nan"), unit)

    return [(str(r["label"]),
             f"{side(r['low_input'], str(r['unit']))} / {side(r['high_input'], str(r['unit']))}",
             fmt_musd(_num(r.get(f"{prefix}_low_usd"))),
             fmt_musd(_num(r.get(f"{prefix}_high_usd"))),
             fmt_musd(_num(r.get(swing))))
            for r in records]


def tornado_tables(results: Mapping[str, Any]) -> list[TornadoTable]:
    """The tornado of NPV(pivot) - NPV(keep_mining) to the horizon, then, when the
    terminal value changes a difference, the same with both NPVs with their TV (widest
    first); none without a tornado.

    Parameters
    ----------
    results : mapping
        ``PivotResult.to_json_dict()``.
    """
    records: list[Mapping[str, Any]] = list(results.get("tornado") or [])
    if not records:
        return []
    name = str(results.get("pivot"))
    pivot: Mapping[str, Any] = (results.get("strategies") or {}).get(name) or {}
    to_horizon = fmt_musd(_num(pivot.get("npv_vs_baseline_usd")))
    with_tv = fmt_musd(_num(pivot.get("npv_with_terminal_value_vs_baseline_usd")))
    # with [pivot.tax] the strategy table's headline rows are after tax; the tornado's
    # NPVs are not (nor its base): say so
    pre_tax = "pre-tax " if taxed(results) else ""
    tables = [TornadoTable(
        f"Sensitivity of NPV({name}) - NPV(keep_mining)",
        _tornado_rows(records, "npv_vs_baseline", "swing_usd"),
        f"{_TORNADO_CAPTION}; {pre_tax}NPVs to the horizon (at the base: {to_horizon} M "
        f"USD; with the terminal value: {with_tv})",
    )]
    if tornado_changes_with_terminal_value(records):
        def widest(r: Mapping[str, Any]) -> tuple[bool, float]:
            x = _num(r.get("swing_with_tv_usd"))
            return x is None, -x if x is not None else 0.0

        tables.append(TornadoTable(
            "The same with the terminal value (both NPVs with TV)",
            _tornado_rows(sorted(records, key=widest), "npv_with_tv_vs_baseline",
                          "swing_with_tv_usd"),
            f"{_TORNADO_CAPTION} ({pre_tax}at the base: {with_tv} M USD)",
        ))
    return tables


def verdict_lines(results: Mapping[str, Any]) -> list[str]:
    """The lines under the tornado: the switching values (with the terminal value too
    when it changes a difference), the break-even lease and the expected values over the
    tenants' signings.

    Parameters
    ----------
    results : mapping
        ``PivotResult.to_json_dict()``.
    """
    name = str(results.get("pivot"))
    tornado = results.get("tornado") or []
    lines = []
    for with_tv in (False, True) if tornado_changes_with_terminal_value(tornado) else (False,):
        line = switching_line(tornado, name, with_tv, pre_tax=taxed(results))
        lines += [line] if line else []
    be = breakeven_note(name, results.get("breakeven_lease_usd_per_kw_month"),
                        results.get("breakeven_lease_with_terminal_value_usd_per_kw_month"),
                        pre_tax=taxed(results))
    lines += [be] if be else []
    return lines + signing_notes(results.get("strategies") or {})


def market_line(inputs: Mapping[str, Any]) -> str | None:
    """Where the market of the first month comes from (None for a run stored without
    it)."""
    source = inputs.get("market_source")
    return f"market start: {source}" if source else None


__all__ = ["TORNADO_HEADER", "TornadoTable", "market_line", "pivot_caption", "pivot_title",
           "tornado_tables", "verdict_lines"]
