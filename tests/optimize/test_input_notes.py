"""What the plan cannot use of its inputs, said in a note at the input's path
(optimize/input_notes.py).

An ``equity_budget_usd_per_year`` list longer than the years the plan pays capex in: the
values past them were ignored without a word.
"""

from __future__ import annotations

from hashpivot.optimize import resolve_problem
from hashpivot.optimize.input_notes import budget_notes

from .optimize_inputs import portfolio, site_toml


def test_budget_years_past_the_plan_are_named() -> None:
    tail = "\n[optimize]\nequity_budget_usd_per_year = [1e8, 2e8, 3e8, 4e8, 5e8, 6e8]\n"
    p = resolve_problem(portfolio(site_toml("A"), years=2, tail=tail))
    n_y = len(p.budget_usd_per_year)
    assert n_y < 6
    [note] = budget_notes(p)
    assert note == (
        f"optimize.equity_budget_usd_per_year: values {n_y + 1} to 6 not used: the plan "
        f"pays capex in {n_y} model years (the horizon's, and those a hall started near its "
        "end is still paid in)")
    short = "\n[optimize]\nequity_budget_usd_per_year = [1e8, 2e8]\n"
    assert not budget_notes(resolve_problem(portfolio(site_toml("A"), years=2, tail=short)))
