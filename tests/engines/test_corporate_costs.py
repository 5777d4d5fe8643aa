"""The portfolio's own ``[[cost_items]]`` (corporate) in the resolved assumptions: in no
strategy's NPV of ``pivot`` or ``optimize`` (the same in every strategy), paid by
``simulate``'s treasury; until 2026-12-07 no row said so (``pivot`` and ``optimize`` had a
note on the cash ones alone, ``simulate`` nothing), and a reader of the NPVs would take
them for counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashpivot.engines.corporate_costs import ROW, corporate_cost_facts, corporate_cost_rows
from hashpivot.engines.pivot import run_pivot
from hashpivot.models import parse_portfolio

EXAMPLE = (Path(__file__).parents[2] / "examples" / "pivot-200mw.toml").read_text()
CORPORATE = """
[[cost_items]]
name = "corporate SG&A"
category = "sga_cash"
usd_per_year = 40e6

[[cost_items]]
name = "stock-based compensation"
category = "stock_based_compensation"
usd_per_year = 20e6

[[cost_items]]
name = "revolver interest"
category = "interest"
usd_per_year = 5e6
"""


def test_the_facts_group_the_items_as_the_engines_treat_them() -> None:
    pf = parse_portfolio(EXAMPLE + CORPORATE, "corp.toml")
    assert corporate_cost_facts(pf.cost_items) == {
        "cash_usd_per_year": 40e6, "cash_items": 1,
        "not_cash_usd_per_year": 20e6, "not_cash_items": 1,
        "interest_usd_per_year": 5e6, "interest_items": 1, "dated": []}
    assert corporate_cost_facts([]) is None
    # an item paid between dates says them (they move simulate's treasury)
    dated = parse_portfolio(EXAMPLE + CORPORATE.replace(
        'usd_per_year = 40e6', 'usd_per_year = 40e6\nstart = "2026-06-01"'), "corp.toml")
    facts = corporate_cost_facts(dated.cost_items)
    assert facts is not None and facts["dated"] == ["corporate SG&A from 2026-06-01"]
    (row,) = corporate_cost_rows(facts, "simulate")
    assert row["value"].startswith("cash 40.0 (1 item), not cash 20.0 (1), interest 5.0 (1); "
                                   "corporate SG&A from 2026-06-01: paid by the treasury")


def test_pivot_says_its_npvs_leave_them_out() -> None:
    """40 M USD/year of corporate SG&A move no NPV of pivot (exactly: they are in no cash
    flow), and its row says so and where they are counted."""
    bare = run_pivot(parse_portfolio(EXAMPLE, "pivot-200mw.toml"), deals=None)
    corp = run_pivot(parse_portfolio(EXAMPLE + CORPORATE, "corp.toml"), deals=None)
    for a, b in zip(bare.strategies, corp.strategies, strict=True):
        assert a.npv_usd == b.npv_usd and a.npv_levered_usd == b.npv_levered_usd
    assert ROW not in {r["name"] for r in bare.resolved_assumptions()}
    row = next(r for r in corp.resolved_assumptions() if r["name"] == ROW)
    assert row["value"] == ("not in the NPVs: cash 40.0 (1 item), not cash 20.0 (1), "
                            "interest 5.0 (1)")
    assert row["unit"] == "M USD/year"
    assert row["source"].startswith("file; the same in every strategy")
    assert "simulate's treasury pays the cash ones" in row["source"]


@pytest.mark.parametrize("engine", ["simulate"])
def test_simulate_says_its_treasury_pays_the_cash_ones(engine: str) -> None:
    (row,) = corporate_cost_rows({"cash_usd_per_year": 4e7, "cash_items": 2,
                                  "not_cash_usd_per_year": 0.0, "not_cash_items": 0,
                                  "interest_usd_per_year": 0.0, "interest_items": 0,
                                  "dated": []}, engine)
    assert row["value"] == "cash 40.0 (2 items): paid by the treasury, not in the NPVs"
    assert "[treasury]" in row["source"]
