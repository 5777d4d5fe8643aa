"""The words around ``simulate``'s treasury rows, built from its JSON result: what the
rows count (:data:`FORCED_SALE_NOTE`, :data:`EX_CAPEX_NOTE`), the forced sales that pay
the capex (:func:`capex_sale_notes`), the average forced-sale price cell and the table of
BTC sold under duress by treasury policy (cheap to import: no pandas, no plotting). The
rows themselves are :data:`hashpivot.reports.tables.strategies.SIMULATE_TREASURY_ROWS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hashpivot.reports.tables.formats import fmt_musd, fmt_num, fmt_pct, is_number
from hashpivot.reports.tables.simulate import BASELINE

#: Below this expected BTC sold under duress [BTC] the table shows "—" for the average
#: forced-sale price: an average over a few paths' crumbs (0.006 BTC sold at a 2.46 M USD
#: average, issue 11) says nothing about the price a treasury would get.
MATERIAL_FORCED_SALE_BTC = 1.0
#: What the treasury rows count (the table's policy: the run's first).
FORCED_SALE_NOTE = (
    "P(forced sale) = share of paths with at least one month in which BTC is sold because "
    "cash would otherwise fall below [treasury] min_cash_usd; P(liquidity breach) = share "
    "of paths with a month in which selling every BTC held leaves cash below it; "
    "E[BTC sold, duress] = BTC so sold over the horizon, mean over every path (those "
    "without a sale count 0)"
)
#: Label suffix of the treasury rows run again with the capex paid from outside the treasury.
EX_CAPEX = "ex capex"
EX_CAPEX_NOTE = (
    f"{EX_CAPEX} = the same treasury with the capex (fleet replacement; halls net of "
    "project-debt draws) paid from outside it: what operations and the treasury's debt "
    "cause on their own"
)


def capex_sale_notes(names: Sequence[str], stats: Sequence[Mapping[str, Any]]
                     ) -> list[str]:
    """A line per strategy whose forced sales the capex paid from the treasury causes,
    beside the treasury rows: ``P(forced sale)`` read alone (100 % for a pivot that builds
    its halls from the treasury's cash, examples/pivot-200mw.toml) alarms, while the
    ``ex capex`` row's 0 % says the sales fund that capex. The line says so, with the BTC
    and USD sold under duress on average (``expected_forced_sale_usd``: none for a run
    stored before it, nor where the capex changes no share and no sale).

    Parameters
    ----------
    names : sequence of str
        The strategies, in the order of ``stats``; keep-mining builds no hall (its capex is
        fleet replacement).
    stats : sequence of mapping
        ``SimulationResult.to_json()["strategies"]`` values.
    """
    out = []
    for name, s in zip(names, stats, strict=True):
        figures = [s.get(k) for k in ("prob_forced_sale", "prob_forced_sale_without_capex",
                                      "expected_forced_sale_btc",
                                      "expected_forced_sale_without_capex_btc",
                                      "expected_forced_sale_usd")]
        if not all(is_number(v) for v in figures):
            continue
        p, p_ex, btc, btc_ex, usd = (float(v) for v in figures if v is not None)
        if p <= p_ex and btc <= btc_ex:  # the capex causes none of them
            continue
        capex = ("fleet replacement" if name == BASELINE else
                 "the halls' construction net of project-debt draws, and fleet replacement")
        sold = f"{fmt_num(btc, ',.1f')} BTC ({fmt_musd(usd)} M USD) sold on average"
        if p_ex == 0.0 and btc_ex == 0.0:
            out.append(f"{name}: every forced sale ({fmt_pct(p)} % of paths) pays its capex "
                       f"({capex}) from the treasury: {sold}; none with the capex paid from "
                       "outside it (the ex capex rows)")
        else:
            out.append(f"{name}: paying its capex ({capex}) from the treasury raises "
                       f"P(forced sale) from {fmt_pct(p_ex)} % to {fmt_pct(p)} % and the BTC "
                       f"sold under duress from {fmt_num(btc_ex, ',.1f')} to {sold}")
    return out


def forced_sale_price_cell(expected_sold_btc: float | None, avg_price_usd: float | None) -> str:
    """The average forced-sale price [USD/BTC] as a table cell: ``—`` unless the expected
    BTC sold under duress is material (>= :data:`MATERIAL_FORCED_SALE_BTC`)."""
    if expected_sold_btc is None or not expected_sold_btc >= MATERIAL_FORCED_SALE_BTC:
        return "—"
    return fmt_num(avg_price_usd, ",.0f")


#: Title of :func:`policy_rows`' table.
POLICY_TITLE = "E[BTC sold under duress] by treasury policy [BTC]"


def policy_rows(by_policy: Mapping[str, Mapping[str, float | None]], policies: Sequence[str]
                ) -> list[tuple[str, ...]]:
    """Expected BTC sold under duress per strategy (rows) and treasury policy (columns,
    in ``policies`` order), from ``forced_sale_btc_by_policy``. [BTC]"""
    return [(name, *[fmt_num(by[p], ",.1f") for p in policies])
            for name, by in by_policy.items()]


__all__ = [
    "EX_CAPEX",
    "EX_CAPEX_NOTE",
    "FORCED_SALE_NOTE",
    "MATERIAL_FORCED_SALE_BTC",
    "POLICY_TITLE",
    "capex_sale_notes",
    "forced_sale_price_cell",
    "policy_rows",
]
