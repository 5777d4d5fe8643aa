"""The summary table of ``backtest`` built from its summary (``BacktestResult.summary``):
the CLI prints it and the dashboard shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hashpivot.reports.tables.formats import fmt_number


def backtest_title(summary: Mapping[str, Any], start: str, end: str) -> str:
    """``Backtest <start> to <end> (<n> days)``."""
    return f"Backtest {start} to {end} ({int(summary['days'])} days)"


def backtest_rows(summary: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Quantity, value, unit: BTC mined, revenue, and per view (direct, total) the cost per
    BTC, the margin and the days in reverse margin."""
    def musd(x: float | None) -> str:
        return fmt_number(None if x is None else x / 1e6, 1)

    rows = [("BTC mined", fmt_number(summary["btc_mined"], 1), "BTC"),
            ("revenue", musd(summary["revenue_usd"]), "M USD")]
    for view in ("direct", "total"):
        rows += [
            (f"cost per BTC, {view}", fmt_number(summary[f"cost_per_btc_{view}_usd"]),
             "USD/BTC"),
            (f"margin, {view}", musd(summary[f"margin_{view}_usd"]), "M USD"),
            (f"days in reverse margin, {view}",
             fmt_number(summary[f"days_reverse_margin_{view}"]), "day"),
        ]
    return rows


__all__ = ["backtest_rows", "backtest_title"]
