"""Tables of a finished run's page, from its stored results: the strategy rows that the
CLI prints (:mod:`hashpivot.reports.summary_rows`), with their notes, and the resolved
assumptions that can flip the verdict, each with its source."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hashpivot.reports.summary_rows import Row, fmt_assumption, pivot_rows, simulate_rows


@dataclass(frozen=True)
class HtmlTable:
    """One table of a run page.

    Attributes
    ----------
    title : str
        Heading.
    header : tuple of str
        Column headings.
    rows : list of tuple of str
        Formatted cells.
    notes : tuple of str
        Sentences printed under the table (what labels mean, warnings).
    numeric_from : int
        Columns from this index on hold numbers (right-aligned).
    """

    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    notes: tuple[str, ...] = field(default=())
    numeric_from: int = 2


def strategy_table(title: str, names: list[str], rows: list[Row],
                   notes: list[str]) -> HtmlTable:
    """Quantities down, strategies across, as the CLI prints them."""
    return HtmlTable(
        title=title,
        header=("quantity", "unit", *names),
        rows=[(q, unit, *cells) for q, unit, cells in rows],
        notes=tuple(notes),
    )


def assumptions_table(results: dict[str, Any]) -> HtmlTable | None:
    """The resolved assumptions (``results["resolved_assumptions"]``), or None."""
    rows = results.get("resolved_assumptions") or []
    if not rows:
        return None
    return HtmlTable(
        title="Resolved assumptions (default = not in the file)",
        header=("input", "value", "unit", "source"),
        rows=[(str(r.get("name", "")), fmt_assumption(r.get("value")), str(r.get("unit", "")),
               str(r.get("source", ""))) for r in rows],
        numeric_from=4,  # none: values mix numbers and words
    )


def _pivot(results: dict[str, Any]) -> HtmlTable:
    strategies: dict[str, dict[str, Any]] = results.get("strategies") or {}
    inputs: dict[str, Any] = results.get("inputs") or {}
    rows = pivot_rows(list(strategies.values()), taxed=bool(inputs.get("tax")),
                      levered=results.get("levered_note") is None)
    notes = []
    be = results.get("breakeven_lease_usd_per_kw_month")
    if isinstance(be, float | int) and math.isfinite(be):
        notes.append(f"break-even lease ({results.get('pivot')}): {be:,.1f} USD/kW-month "
                     "(first-year rate at which pivoting equals mining)")
    notes += [str(n) for n in (results.get("levered_note"),) if n]
    notes += [f"note: {w}" for w in results.get("warnings") or []]
    title = "AI/HPC pivot vs keep mining"
    if inputs.get("start") and inputs.get("horizon_months"):
        title += f", {inputs['start']} + {inputs['horizon_months']} months"
    return strategy_table(title, list(strategies), rows, notes)


def _simulate(results: dict[str, Any]) -> HtmlTable:
    strategies: dict[str, dict[str, Any]] = results.get("strategies") or {}
    treasury_note = results.get("treasury_note")
    rows, notes = simulate_rows(list(strategies.values()), treasury_given=treasury_note is None)
    notes = [*notes, *([str(treasury_note)] if treasury_note else [])]
    notes += [f"note: {w}" for w in results.get("warnings") or []]
    n = results.get("n_paths")
    title = "Monte Carlo" + (f": {n:,} paths" if isinstance(n, int) else "")
    if treasury_note is None and results.get("main_policy"):
        title += f", treasury policy {results['main_policy']}"
    return strategy_table(title, list(strategies), rows, notes)


def for_run(kind: str, results: dict[str, Any]) -> list[HtmlTable]:
    """Every table of a finished run (``pivot`` and ``simulate``: strategies and
    assumptions; other kinds: none yet)."""
    build = {"pivot": _pivot, "simulate": _simulate}.get(kind)
    if build is None or not results.get("strategies"):
        return []
    tables = [build(results)]
    assumptions = assumptions_table(results)
    return tables if assumptions is None else [*tables, assumptions]


__all__ = ["HtmlTable", "assumptions_table", "for_run", "strategy_table"]
