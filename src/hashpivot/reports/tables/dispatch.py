"""The summary table of ``dispatch`` built from its JSON summary
(``DispatchResult.summary()``): the CLI prints it and the dashboard shows it, so both give
the same numbers the same way (cheap to import: no pandas, no plotting)."""

from __future__ import annotations

import math
from typing import Any

from hashpivot.reports.tables.formats import fmt_num

#: Human label and unit of each summary key, in table order (``--json`` keeps the keys):
#: net margin = mining revenue - power cost (the 4CP charge in it) + resale credits + demand
#: response income; the 4CP charge avoided is part of the gain over always-on.
SUMMARY_LABELS: dict[str, tuple[str, str]] = {
    "mining_revenue_usd": ("mining revenue", "USD"),
    "power_cost_usd": ("power cost, 4CP charge included", "USD"),
    "fourcp_charge_usd": ("  of which 4CP transmission charge", "USD"),
    "resale_credits_usd": ("power resale credits", "USD"),
    "dr_income_usd": ("demand response income", "USD"),
    "net_margin_usd": ("net margin", "USD"),
    "net_margin_always_on_usd": ("net margin, always on", "USD"),
    "net_margin_gain_vs_always_on_usd": ("gain vs always on", "USD"),
    "fourcp_avoided_usd": ("  of which 4CP charge avoided", "USD"),
    "energy_mwh": ("energy used", "MWh"),
    "energy_mining_mwh": ("energy, mining", "MWh"),
    "energy_ai_mwh": ("energy, AI load", "MWh"),
    "effective_power_price_usd_per_mwh": ("effective power price", "USD/MWh"),
    "curtailed_hours": ("mining curtailed", "h"),
    "uptime_fraction": ("mining uptime", "%"),
    "emissions_tco2": ("emissions", "t CO2"),
    "renewable_share": ("renewable share", "%"),
}
#: The summary keys of the table, in order.
SUMMARY_KEYS: tuple[str, ...] = tuple(SUMMARY_LABELS)


def fmt_summary(key: str, value: Any) -> str:
    """A summary value as a cell: fractions and shares in percent, USD whole, other
    floats with two decimals; ``n/a`` for missing or non-finite."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if key.endswith("_fraction") or key.endswith("_share"):
        return fmt_num(100 * float(value), ".2f")
    if key.endswith("_usd"):
        return fmt_num(float(value), ",.0f")
    if isinstance(value, float):
        return fmt_num(value, ",.2f")
    return str(value)


def summary_title(summary: dict[str, Any]) -> str:
    """``Dispatch of <site> (<first day> .. <last day>, <n> intervals)``."""
    return (
        f"Dispatch of {summary.get('site', '')} ({str(summary.get('start', ''))[:10]} .. "
        f"{str(summary.get('end', ''))[:10]}, {summary.get('intervals')} intervals)"
    )


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Item, value, unit for each of :data:`SUMMARY_KEYS`."""
    return [(label, fmt_summary(key, summary.get(key)), unit)
            for key, (label, unit) in SUMMARY_LABELS.items()]


def sources_line(summary: dict[str, Any]) -> str:
    """The solver, its times and gap, and where the hashprice, prices and emissions came
    from."""
    gap = summary.get("mip_gap")
    gap_text = (f"{100 * float(gap):.3g} %" if isinstance(gap, int | float)
                and math.isfinite(gap) else "n/a")
    return (
        f"solver {summary.get('solver')} ({summary.get('status')}), build "
        f"{summary.get('build_seconds', 0):.3f} s, solve {summary.get('solve_seconds', 0):.3f} s,"
        f" MIP gap {gap_text}; hashprice: {summary.get('hashprice_source')}; "
        f"prices: {summary.get('price_source')}; emissions: {summary.get('emissions_source')}"
    )


def thresholds_line(summary: dict[str, Any]) -> str | None:
    """The grid price above which each tranche stops at the period's mean hashprice
    (``breakeven_price_usd_per_mwh``): what the curtailment verdict turns on; None for a
    summary stored before the mean hashprice was."""
    prices = summary.get("breakeven_price_usd_per_mwh") or {}
    hashprice = summary.get("hashprice_mean_usd_per_ph_day")
    if not prices or hashprice is None:
        return None
    each = ", ".join(f"{name} {float(v):,.1f}" for name, v in prices.items())
    return (f"curtailment thresholds at the mean hashprice ({float(hashprice):,.2f} USD/PH/day):"
            f" {each} USD/MWh (the grid price above which a tranche at its rated clock stops, "
            "the contract's adder taken out; each interval uses its own hashprice)")


#: The summary's notes printed as they are, in this order (before the windows' and the
#: prices').
_NOTE_KEYS = ("market_note", "connection_note", "fleet_note", "uptime_note", "ppa_note",
              "ppa_term_note", "fourcp_note", "dr_events_note", "demand_response_note",
              "dr_availability_note", "commitment_note")


def note_lines(summary: dict[str, Any]) -> list[str]:
    """What the dispatch left out of the inputs it was given, as notes: the prices' days
    before the site is connected, fleet entries not run (or not throughout), how the PPA
    settles (and that it is dispatched past its end), listed 4CP peaks outside the
    prices, a DR commitment the machines installed cannot honour (whether it may be
    withdrawn, and how much was), how the MILP switches the fleet (blocks), windows the
    solver did not improve, irregular price steps."""
    notes = [str(summary[key]) for key in _NOTE_KEYS if summary.get(key)]
    if summary.get("dr_unavailable_mwh"):
        notes.append(
            f"demand response withdrawn for {float(summary['dr_unavailable_mwh']):,.1f} MW-h "
            "(mining below the commitment outside events: readiness forfeited there"
            + (f", {float(summary.get('dr_unavailable_usd', 0.0)):,.0f} USD charged"
               if summary.get("dr_unavailable_usd") else "") + ")")
    if summary.get("windows_unimproved"):
        notes.append(
            f"{int(summary['windows_unimproved'])} of {int(summary.get('windows', 0))} "
            "rolling-horizon windows kept their starting schedule: HiGHS found none better "
            "in its share of the time limit (or one better only past the window, in the "
            "look-ahead not kept), so the schedule there is not optimized (raise "
            "[sites.dispatch] time_limit_seconds)")
    if summary.get("price_note"):
        notes.append(str(summary["price_note"]))
    if summary.get("price_gaps"):
        notes.append(f"the price series has {int(summary['price_gaps'])} irregular steps "
                     f"(missing or extra intervals): {_gaps_text(summary)}every interval "
                     "counts the median step, missing ones are not filled")
    return notes


def _gaps_text(summary: dict[str, Any]) -> str:
    """``"4 gaps, 27 h missing in all, the first from <start> to <end>; "`` and the steps
    shorter than the median (extra or off-grid rows); ``""`` for a summary stored before
    the gaps were (``price_missing_gaps``)."""
    if "price_missing_gaps" not in summary:
        return ""
    gaps = int(summary["price_missing_gaps"])
    parts = []
    if gaps:
        parts.append(f"{gaps} gap{'s' if gaps > 1 else ''}, "
                     f"{fmt_num(summary.get('price_missing_hours'), ',.6g')} h missing in all, "
                     f"the first from {summary.get('price_gap_first_start')} to "
                     f"{summary.get('price_gap_first_end')}")
    shorter = int(summary["price_gaps"]) - gaps
    if shorter:
        parts.append(f"{shorter} step{'s' if shorter > 1 else ''} shorter than the median "
                     "(extra or off-grid rows)")
    return ", ".join(parts) + "; "


__all__ = ["SUMMARY_KEYS", "SUMMARY_LABELS", "fmt_summary", "note_lines", "sources_line",
           "summary_rows", "summary_title", "thresholds_line"]
