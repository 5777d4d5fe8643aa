"""The rows of the strategy tables of ``pivot`` and ``simulate``, built from their JSON
results (``PivotResult.to_json_dict``, ``SimulationResult.to_json``): the CLI prints them
and the dashboard shows them, so both give the same numbers the same way (cheap to
import: no pandas, no plotting).

A row is ``(quantity, unit, cells)``, one cell per strategy; a missing or non-finite
value is ``-``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hashpivot.reports.labels import format_tornado_input
from hashpivot.reports.tables.formats import fmt_musd, fmt_num, fmt_pct, is_number
from hashpivot.reports.tables.treasury import (
    EX_CAPEX,
    EX_CAPEX_NOTE,
    FORCED_SALE_NOTE,
    MATERIAL_FORCED_SALE_BTC,
    capex_sale_notes,
    forced_sale_price_cell,
)
from hashpivot.sampling_error import FEW_TAIL_PATHS, max_share_ci95_half, tail_size

#: A table row: quantity, unit, one formatted cell per strategy.
Row = tuple[str, str, list[str]]

def _whole(x: float | None) -> str:
    return fmt_num(x, ",.0f")


def _tenth(x: float | None) -> str:
    return fmt_num(x, ",.1f")


#: A row's spec: quantity, unit, the key of each strategy's JSON figures, the format.
RowSpec = tuple[str, str, str, Callable[[Any], str]]

#: ``pivot``'s strategy rows, in order (after-tax rows: those whose quantity says "tax";
#: levered rows: "levered").
PIVOT_ROWS: tuple[RowSpec, ...] = (
    ("MW converted (gross)", "MW", "converted_gross_mw", _whole),
    ("NPV", "M USD", "npv_usd", fmt_musd),
    ("NPV vs keep", "M USD", "npv_vs_baseline_usd", fmt_musd),
    ("TV, present value", "M USD", "terminal_value_usd", fmt_musd),
    ("NPV with TV", "M USD", "npv_with_terminal_value_usd", fmt_musd),
    ("NPV with TV vs keep", "M USD", "npv_with_terminal_value_vs_baseline_usd", fmt_musd),
    ("income tax, PV", "M USD", "income_tax_pv_usd", fmt_musd),
    ("NPV after tax", "M USD", "npv_after_tax_usd", fmt_musd),
    ("after tax vs keep", "M USD", "npv_after_tax_vs_baseline_usd", fmt_musd),
    ("after tax with TV", "M USD", "npv_after_tax_with_terminal_value_usd", fmt_musd),
    ("IRR (incremental)", "%/yr", "irr_fraction", fmt_pct),
    ("NPV levered", "M USD", "npv_levered_usd", fmt_musd),
    ("NPV levered after tax", "M USD", "npv_levered_after_tax_usd", fmt_musd),
    ("IRR levered (incr.)", "%/yr", "irr_levered_fraction", fmt_pct),
    ("payback (incr.)", "months", "payback_months", _tenth),
    ("backlog, contracted", "M USD", "contracted_backlog_usd", fmt_musd),
    ("energy used", "GWh", "energy_mwh", lambda x: fmt_num(None if x is None else x / 1e3,
                                                             ",.0f")),
    ("CO2, horizon", "kt", "emissions_tco2", lambda x: fmt_num(None if x is None else x / 1e3,
                                                                ",.0f")),
)

#: ``pivot``'s last rows: each strategy's sums over the horizon, undiscounted
#: (``horizon_totals`` of :mod:`hashpivot.engines.pivot.results`); a run stored before
#: them has none, and its table leaves them out.
PIVOT_TOTAL_ROWS: tuple[RowSpec, ...] = (
    ("revenue, horizon", "M USD", "revenue_usd", fmt_musd),
    ("mining share of rev.", "%", "mining_share_of_revenue", fmt_pct),
    ("EBITDA, horizon", "M USD", "ebitda_usd", fmt_musd),
    ("FCF, horizon", "M USD", "unlevered_fcf_usd", fmt_musd),
    ("BTC mined", "BTC", "btc_mined", _whole),
)

#: ``simulate``'s NPV rows, in order; the after-tax ones only when the results have them.
SIMULATE_NPV_ROWS: tuple[RowSpec, ...] = (
    ("NPV mean", "M USD", "npv_mean_usd", fmt_musd),
    ("NPV mean ±", "M USD", "npv_mean_ci95_half_usd", fmt_musd),
    ("NPV P5", "M USD", "npv_p5_usd", fmt_musd),
    ("NPV P5 ±", "M USD", "npv_p5_ci95_half_usd", fmt_musd),
    ("NPV P50", "M USD", "npv_p50_usd", fmt_musd),
    ("NPV P95", "M USD", "npv_p95_usd", fmt_musd),
    ("CVaR95", "M USD", "cvar95_usd", fmt_musd),
    ("CVaR95 ±", "M USD", "cvar95_ci95_half_usd", fmt_musd),
    ("NPV deterministic", "M USD", "npv_deterministic_usd", fmt_musd),
    ("P(beats keep)", "%", "prob_beats_baseline", fmt_pct),
    ("P(beats keep) ±", "%", "prob_beats_baseline_ci95_half", fmt_pct),
    ("NPV with TV, mean", "M USD", "npv_with_tv_mean_usd", fmt_musd),
    ("NPV with TV, mean ±", "M USD", "npv_with_tv_mean_ci95_half_usd", fmt_musd),
    ("NPV with TV, P5", "M USD", "npv_with_tv_p5_usd", fmt_musd),
    ("NPV with TV, P5 ±", "M USD", "npv_with_tv_p5_ci95_half_usd", fmt_musd),
    ("P(beats keep), TV", "%", "prob_beats_baseline_with_tv", fmt_pct),
    ("P(beats keep), TV ±", "%", "prob_beats_baseline_with_tv_ci95_half", fmt_pct),
    ("NPV with TV vs keep, mean", "M USD", "npv_with_tv_vs_baseline_mean_usd", fmt_musd),
    ("NPV with TV vs keep ±", "M USD", "npv_with_tv_vs_baseline_mean_ci95_half_usd",
     fmt_musd),
    ("NPV after tax, mean", "M USD", "npv_after_tax_mean_usd", fmt_musd),
    ("NPV after tax, mean ±", "M USD", "npv_after_tax_mean_ci95_half_usd", fmt_musd),
    ("NPV after tax, P5", "M USD", "npv_after_tax_p5_usd", fmt_musd),
    ("NPV after tax, P5 ±", "M USD", "npv_after_tax_p5_ci95_half_usd", fmt_musd),
    ("P(beats keep), tax", "%", "prob_beats_baseline_after_tax", fmt_pct),
    ("P(beats keep), tax ±", "%", "prob_beats_baseline_after_tax_ci95_half", fmt_pct),
    ("NPV vs keep, mean", "M USD", "npv_vs_baseline_mean_usd", fmt_musd),
    ("NPV vs keep ±", "M USD", "npv_vs_baseline_mean_ci95_half_usd", fmt_musd),
)
#: What a ``±`` row of ``simulate`` means.
MC_ERROR_NOTE = (
    "± = half-width of the 95 % Monte Carlo interval of the figure above it: of a mean, "
    "1.96 standard errors over the paths; of a P(...), the farther end of the Wilson "
    "score interval (not 0 when no path or every path counts); of P5, the "
    "distribution-free interval between "
    "two order statistics; of CVaR95, 1.96 asymptotic standard errors of the mean of the "
    "worst 5 %; four times the paths halve each"
)

#: ``simulate``'s treasury rows but the average forced-sale price (its own rule), in order.
SIMULATE_TREASURY_ROWS: tuple[RowSpec, ...] = (
    ("P(forced sale)", "%", "prob_forced_sale", fmt_pct),
    ("P(forced sale) ±", "%", "prob_forced_sale_ci95_half", fmt_pct),
    (f"P(forced sale), {EX_CAPEX}", "%", "prob_forced_sale_without_capex", fmt_pct),
    (f"P(forced sale), {EX_CAPEX} ±", "%", "prob_forced_sale_without_capex_ci95_half",
     fmt_pct),
    ("P(liquidity breach)", "%", "prob_liquidity_breach", fmt_pct),
    ("P(liquidity breach) ±", "%", "prob_liquidity_breach_ci95_half", fmt_pct),
    (f"P(breach), {EX_CAPEX}", "%", "prob_liquidity_breach_without_capex", fmt_pct),
    (f"P(breach), {EX_CAPEX} ±", "%", "prob_liquidity_breach_without_capex_ci95_half",
     fmt_pct),
    ("E[BTC sold, duress]", "BTC", "expected_forced_sale_btc", _tenth),
    ("E[BTC sold, duress] ±", "BTC", "expected_forced_sale_btc_ci95_half", _tenth),
    (f"E[BTC sold], {EX_CAPEX}", "BTC", "expected_forced_sale_without_capex_btc", _tenth),
    (f"E[BTC sold], {EX_CAPEX} ±", "BTC", "expected_forced_sale_without_capex_btc_ci95_half",
     _tenth),
    ("lowest cash, P5", "M USD", "lowest_cash_p5_usd", fmt_musd),
    ("lowest cash, P5 ±", "M USD", "lowest_cash_p5_ci95_half_usd", fmt_musd),
    ("BTC held at end, mean", "BTC", "end_btc_mean", _whole),
)


def taxed(results: Mapping[str, Any]) -> bool:
    """Whether a pivot run models income tax (``[pivot.tax]``): its headline rows are
    then after tax, its tornado and break-even lease pre-tax (the table, the CLI and the
    web chart say so)."""
    return bool((results.get("inputs") or {}).get("tax"))


def breakeven_note(pivot_name: str, to_horizon: Any, with_terminal_value: Any = None,
                   pre_tax: bool = False) -> str | None:
    """The break-even lease line of the strategy ``pivot_name``: the first-year rent at
    which its NPV equals keep-mining's, to the horizon and with the terminal value
    [USD/kW/month]; None when there is none. ``pre_tax``: the run models income tax, so
    the line says its NPVs are the pre-tax ones."""
    if not is_number(to_horizon):
        return None
    line = (f"break-even lease ({pivot_name}): {fmt_num(to_horizon, ',.1f')} USD/kW/month "
            "(first-year rent of every hall at which pivoting equals mining"
            + (", pre-tax NPVs)" if pre_tax else ")"))
    if is_number(with_terminal_value):
        line += f"; with the terminal value: {fmt_num(with_terminal_value, ',.1f')}"
    return line


def signing_notes(strategies: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """A line per strategy whose halls' tenants may not sign: its expected NPVs vs keep-
    mining over the signings (``signing`` of ``PivotResult.to_json_dict``'s strategies),
    beside the table's, which builds every hall. [M USD]"""
    out = []
    for name, s in strategies.items():
        sig = s.get("signing")
        if not sig:
            continue
        who = ", ".join(f"{t['tenant']} {fmt_pct(t['probability'])} %"
                        for t in sig.get("tenants", []))
        parts = [f"{label} {fmt_musd(sig.get(f'expected_{key}_vs_baseline'))} M USD"
                 for label, key in (("to the horizon", "npv_usd"),
                                    ("with TV", "npv_with_terminal_value_usd"),
                                    ("after tax", "npv_after_tax_usd"))
                 if is_number(sig.get(f"expected_{key}_vs_baseline"))]
        out.append(
            f"{name} if each tenant signs as likely as the file says ({who}; "
            f"{sig.get('outcomes')} outcomes, all sign with "
            f"{fmt_pct(sig.get('probability_all_sign'))} %): expected NPV vs keep "
            + ", ".join(parts)
            + "; the table, tornado and break-even build every hall"
        )
    return out


def tornado_changes_with_terminal_value(rows: Sequence[Mapping[Any, Any]]) -> bool:
    """Whether the terminal value changes any difference of a pivot tornado (its rows as
    records; a tornado stored before it, or with every ``[pivot.terminal_value]`` method
    ``none``, has none to show)."""
    return any(
        r.get(f"npv_with_tv_vs_baseline_{side}_usd") != r.get(f"npv_vs_baseline_{side}_usd")
        for r in rows if "npv_with_tv_vs_baseline_low_usd" in r for side in ("low", "high")
    )


def switching_line(rows: Sequence[Mapping[Any, Any]], pivot_name: str,
                   with_terminal_value: bool = False, pre_tax: bool = False) -> str | None:
    """What the tornado says of the verdict: the switching value of each variable whose
    range turns NPV(pivot) - NPV(keep_mining) (``switching_input`` or
    ``switching_with_tv_input`` of the tornado's records, in its order), or that the
    verdict holds over every range; None for a tornado stored before switching values.
    ``pre_tax``: the run models income tax, so the line says the NPVs are pre-tax (as
    the tornado's)."""
    key = "switching_with_tv_input" if with_terminal_value else "switching_input"
    if not rows or any(key not in r for r in rows):
        return None
    prefix = "npv_with_tv_vs_baseline" if with_terminal_value else "npv_vs_baseline"

    def ahead(r: Mapping[Any, Any]) -> str:
        """Which side of the switching value the pivot is ahead on (its low input's
        difference is positive: below it)."""
        low: Any = r.get(f"{prefix}_low_usd")
        if not is_number(low):
            return ""
        return " (the pivot ahead below it)" if low > 0 else " (the pivot ahead above it)"

    flips = [f"{r['label']} at {format_tornado_input(float(r[key]), str(r['unit']))}"
             f"{ahead(r)}" for r in rows if is_number(r[key])]
    what = (("pre-tax " if pre_tax else "") + f"NPV({pivot_name}) - NPV(keep_mining)"
            + (" with TV" if with_terminal_value else ""))
    empty = _empty_cells(rows, prefix)
    if flips:
        return (f"switching values ({what} = 0, the other inputs at base): "
                + "; ".join(flips) + "; every other range keeps its sign" + empty)
    ends = [float(r[f"{prefix}_{side}_usd"]) for r in rows for side in ("low", "high")
            if is_number(r.get(f"{prefix}_{side}_usd"))]
    sign = "positive" if ends and all(v > 0 for v in ends) else (
        "negative" if ends and all(v < 0 for v in ends) else None)
    if sign is None:
        return None
    return (f"{what} stays {sign} at every tornado variable's low and high input: no "
            "switching value" + empty)


def _empty_cells(rows: Sequence[Mapping[Any, Any]], prefix: str) -> str:
    """``"; no value at the <label>'s low input ..."`` for each tornado end without a
    difference (NaN: a discount rate at or below a Gordon growth), with why when it is the
    discount rate's; ``""`` when every end has one."""
    missing = [(r, side) for r in rows for side in ("low", "high")
               if not is_number(r.get(f"{prefix}_{side}_usd"))]
    if not missing:
        return ""
    why = (" (a terminal value by Gordon growth has none at a rate at or below its growth)"
           if any(r.get("variable") == "discount_rate" for r, _ in missing) else "")
    return "; no value at " + ", ".join(f"the {r['label']}'s {side} input"
                                        for r, side in missing) + why


#: The IRR keys of ``pivot``'s rows and the flag that makes each a financing's cost.
IRR_FINANCING_FLAGS: dict[str, str] = {
    "irr_fraction": "irr_is_financing",
    "irr_levered_fraction": "irr_levered_is_financing",
}
#: The IRR cell of flows that bring cash in before they pay it out (a note gives the rate).
NOT_MEANINGFUL = "n/m"


def rows_of(specs: Sequence[RowSpec], stats: Sequence[Mapping[str, Any]]) -> list[Row]:
    """One row per spec, one cell per strategy (a key a strategy lacks is ``-``; an IRR
    that is a financing's cost, :data:`IRR_FINANCING_FLAGS`, is ``n/m``)."""
    return [(q, unit, [NOT_MEANINGFUL if s.get(IRR_FINANCING_FLAGS.get(key, ""))
                       else fmt(s.get(key)) for s in stats])
            for q, unit, key, fmt in specs]


def pivot_rows(strategies: Sequence[Mapping[str, Any]], *, taxed: bool, levered: bool
               ) -> list[Row]:
    """The strategy rows of ``pivot``: MW converted, NPVs, IRRs, payback, backlog, energy,
    CO2, then the sums over the horizon (:data:`PIVOT_TOTAL_ROWS`: revenue, mining's share
    of it, EBITDA, FCF, BTC mined; those no strategy has are left out).

    Parameters
    ----------
    strategies : sequence of mapping
        ``PivotResult.to_json_dict()["strategies"]`` values, in column order.
    taxed : bool
        The run has a ``[pivot.tax]`` table (else the after-tax rows are left out).
    levered : bool
        The portfolio has ``[financing]`` (else the levered rows are left out).
    """
    specs = [r for r in PIVOT_ROWS
             if (taxed or "tax" not in r[0]) and (levered or "levered" not in r[0])]
    specs += [r for r in PIVOT_TOTAL_ROWS if any(r[2] in s for s in strategies)]
    return rows_of(specs, strategies)


def share_error_note(n_paths: int) -> str:
    """The largest Monte Carlo error of a share (a ``P(...)`` row) over ``n_paths`` paths:
    the Wald half-width ``1.96 sqrt(p (1 - p) / n)`` at ``p = 0.5``. [percentage points]"""
    half = 100.0 * max_share_ci95_half(n_paths)
    return (f"every P(...) over {n_paths:,} paths is within ± {half:.1f} points of the "
            "model's probability (95 %; the most, at 50 %)")


def _has_error(spec: RowSpec, stats: Sequence[Mapping[str, Any]]) -> bool:
    """False for a ``±`` row whose key no strategy has (results stored before it)."""
    return not spec[0].endswith("±") or any(spec[2] in s for s in stats)


def _within_error(s: Mapping[str, Any], key: str) -> bool:
    """Whether the mean gain ``{key}_usd`` is within its Monte Carlo error
    ``{key}_ci95_half_usd`` (a positive one)."""
    mean, half = s.get(f"{key}_usd"), s.get(f"{key}_ci95_half_usd")
    if mean is None or half is None or not (is_number(mean) and is_number(half)):
        return False
    return bool(half > 0.0 and abs(mean) <= half)


#: Keys of ``strategy_stats`` renamed since runs were stored: old name -> current name.
_RENAMED_KEYS = {
    "min_cash_usd": "lowest_cash_usd",
    "min_cash_p5_usd": "lowest_cash_p5_usd",
    "min_cash_p5_ci95_half_usd": "lowest_cash_p5_ci95_half_usd",
    "min_cash_mean_usd": "lowest_cash_mean_usd",
}


def _current_keys(stats: Mapping[str, Any]) -> Mapping[str, Any]:
    """``stats`` with the keys of a run stored before a rename under their current names
    (the lowest cash a path reaches was ``min_cash_*`` until 2026-12-05)."""
    old = [k for k in _RENAMED_KEYS if k in stats and _RENAMED_KEYS[k] not in stats]
    if not old:
        return stats
    return {**stats, **{_RENAMED_KEYS[k]: stats[k] for k in old}}


def simulate_rows(stats: Sequence[Mapping[str, Any]], *, treasury_given: bool,
                  n_paths: int | None = None, names: Sequence[str] | None = None
                  ) -> tuple[list[Row], list[str]]:
    """The strategy rows of ``simulate`` and the notes their caption needs.

    Parameters
    ----------
    stats : sequence of mapping
        ``SimulationResult.to_json()["strategies"]`` values (or ``strategy_stats``), in
        column order; after-tax rows appear when they hold after-tax keys.
    treasury_given : bool
        The portfolio has a ``[treasury]`` (else one row says none was given).
    n_paths : int, optional
        The run's paths: a note bounds the Monte Carlo error of every share
        (:func:`share_error_note`); none when not given.
    names : sequence of str, optional
        The strategies, in column order: a note names each whose forced sales pay its
        capex (:func:`capex_sale_notes`); none when not given.

    Returns
    -------
    rows : list of Row
    notes : list of str
        What the ``±`` rows and the treasury rows' labels mean (``ex capex``, the ``—``
        price cells), and whether a mean gain over keep-mining is within its Monte Carlo
        error.
    """
    stats = [_current_keys(s) for s in stats]
    taxed = any("npv_after_tax_mean_usd" in s for s in stats)
    errors = any("npv_mean_ci95_half_usd" in s for s in stats)  # not in older results
    rows = rows_of([r for r in SIMULATE_NPV_ROWS if (taxed or "tax" not in r[0])
                    and _has_error(r, stats)], stats)
    error_notes = [MC_ERROR_NOTE] if errors else []
    if errors and n_paths:
        error_notes.append(share_error_note(n_paths))
        tail = tail_size(n_paths, 0.05)
        if tail < FEW_TAIL_PATHS and any("cvar95_ci95_half_usd" in s for s in stats):
            enough = math.ceil(FEW_TAIL_PATHS / 0.05)  # paths with that many in the tail
            error_notes.append(
                f"CVaR95 ± over {n_paths:,} paths rests on the worst {tail}: too few for its "
                f"interval (asymptotic), which is too narrow; run {enough:,} paths or more")
    unsettled = [label for label, key in (("NPV vs keep ±", "npv_vs_baseline_mean"),
                                          ("NPV with TV vs keep ±",
                                           "npv_with_tv_vs_baseline_mean"))
                 if any(_within_error(s, key) for s in stats)]
    if unsettled:
        error_notes.append(f"where '{' / '.join(unsettled)}' is as large as the mean, these "
                           "paths do not settle whether the strategy beats keep-mining on "
                           "average: run more")
    if not treasury_given:
        return [*rows, ("treasury", "", ["none given" for _ in stats])], error_notes
    rows += rows_of([r for r in SIMULATE_TREASURY_ROWS if _has_error(r, stats)], stats)
    sold = [s.get("expected_forced_sale_btc") for s in stats]
    price = ("avg forced-sale price", "USD/BTC",
             [forced_sale_price_cell(b, s.get("forced_sale_avg_price_usd"))
              for b, s in zip(sold, stats, strict=True)])
    # before lowest cash and BTC held, as always
    rows.insert(next(i for i, r in enumerate(rows) if r[0] == "lowest cash, P5"), price)
    notes = [*error_notes, FORCED_SALE_NOTE, EX_CAPEX_NOTE,
             *(capex_sale_notes(names, stats) if names is not None else [])]
    if any(b is None or b < MATERIAL_FORCED_SALE_BTC for b in sold):
        notes.append(
            f"avg forced-sale price: '—' where E[BTC sold] < {MATERIAL_FORCED_SALE_BTC:g} BTC "
            "(an average over a few paths' small sales means little)"
        )
    return rows, notes


__all__ = [
    "MC_ERROR_NOTE",
    "PIVOT_ROWS",
    "PIVOT_TOTAL_ROWS",
    "SIMULATE_NPV_ROWS",
    "SIMULATE_TREASURY_ROWS",
    "Row",
    "RowSpec",
    "pivot_rows",
    "rows_of",
    "share_error_note",
    "simulate_rows",
    "switching_line",
]
