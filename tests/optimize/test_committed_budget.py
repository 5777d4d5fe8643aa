"""Committed conversions fixed by a rolling plan that together break a year's equity
budget or the debt capacity: the problem names the model year, the entries (site,
quarter, MW, tenant) and the limit's field. Before, the plan model was built on every
scenario and HiGHS answered "infeasible: committed conversions may exceed the equity
budget or the debt capacity", naming neither year nor entry."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio
from hashpivot.optimize import OptimizeConfig, optimize_plan, resolve_problem

from .optimize_inputs import portfolio, site_toml

#: Alpha commits 25 MW in 2026Q4 (9 months of construction: its capex is paid from
#: 2026-10 to 2027-06, model years 1 and 2 of a plan from 2026-01), Beta 25 MW in 2027Q1
#: (2027-01 to 2027-09: year 2 alone)
ENTRIES = """
  [[optimize.committed]]
  site = "Alpha"
  quarter = "2026Q4"
  gross_mw = 25.0
  [[optimize.committed]]
  site = "Beta"
  quarter = "2027Q1"
  gross_mw = 25.0
"""


def _portfolio(budgets: str = "1e12", debt: float = 1e12) -> Portfolio:
    tail = ("\n[financing]\nloan_to_cost_fraction = 0.6\n\n[optimize]\nblock_mw = 25.0\n"
            f"equity_budget_usd_per_year = {budgets}\ndebt_capacity_usd = {debt!r}\n"
            + ENTRIES)
    return portfolio(site_toml("Alpha", lease=220.0), site_toml("Beta", lease=220.0),
                     years=4, tail=tail)


def _equity_by_year_usd() -> np.ndarray:
    """The two entries' equity capex per model year, from the decision model's own
    coefficients (no limit binding). [USD], shape (2, Y)"""
    p = resolve_problem(_portfolio(), fixed_through="2027Q1")
    out = []
    for site, quarter in (("Alpha", "2026Q4"), ("Beta", "2027Q1")):
        o = next(i for i in range(p.n_offers) if p.sites[p.offer_site[i]].name == site)
        q = p.quarters.index(quarter)
        out.append(p.capex_usd_per_mw_by_year[o, q] * (1 - 0.6) * 25.0)
    return np.array(out)


def test_the_year_whose_budget_the_committed_conversions_break_is_named() -> None:
    equity = _equity_by_year_usd()
    assert equity[0, 0] > 0 and equity[0, 1] > 0 and equity[1, 0] == 0  # as said above
    year2 = float(equity[:, 1].sum())
    budgets = f"[1e12, {year2 - 1e6!r}, 1e12]"  # year 2 short by 1 M USD
    with pytest.raises(InputError) as info:
        resolve_problem(_portfolio(budgets), fixed_through="2027Q1", source="plan.toml")
    (problem,) = info.value.problems
    assert problem.path == "optimize.committed" and problem.source == "plan.toml"
    text = problem.message
    assert text.startswith("model year 2 (2027-01..2027-12): the conversions fixed "
                           "through 2027Q1 pay")
    assert f"{year2 / 1e6:,.1f} M USD of equity capex" in text
    assert "optimize.committed[0] (Alpha 2026Q4 25 MW for Alpha (site terms))" in text
    assert "optimize.committed[1] (Beta 2027Q1 25 MW for Beta (site terms))" in text
    assert f"optimize.equity_budget_usd_per_year[1] = {(year2 - 1e6) / 1e6:,.1f} M USD" in text


def test_one_entry_over_a_year_is_reported_at_its_mw_and_the_last_budget_repeats() -> None:
    equity = _equity_by_year_usd()
    # fixed through 2026Q4: Alpha alone; year 2 takes the list's last value (index 0)
    short = float(equity[0, 1]) - 1e6
    with pytest.raises(InputError) as info:
        resolve_problem(_portfolio(f"[{short!r}]"), fixed_through="2026Q4")
    (problem,) = info.value.problems
    assert problem.path == "optimize.committed[0].gross_mw"
    assert problem.message.startswith("model year 2 (2027-01..2027-12)")
    assert "optimize.equity_budget_usd_per_year[0] = " in problem.message


def test_committed_conversions_over_the_debt_capacity_are_named() -> None:
    p = resolve_problem(_portfolio(), fixed_through="2027Q1")
    debt = sum(float(p.capex_total_usd_per_mw[o, q] * 0.6 * mw)
               for o, q in zip(*np.nonzero(p.x_lower_mw), strict=True)
               for mw in [p.x_lower_mw[o, q]])
    with pytest.raises(InputError) as info:
        resolve_problem(_portfolio(debt=debt - 1e6), fixed_through="2027Q1")
    (problem,) = info.value.problems
    assert problem.path == "optimize.committed"
    assert f"draw {debt / 1e6:,.1f} M USD of project debt" in problem.message
    assert "more than optimize.debt_capacity_usd = " in problem.message


def test_at_the_limit_the_plan_solves_with_the_commitments_fixed() -> None:
    """The check counts what the model's budget rows count: a budget the fixed
    conversions just fit gives a plan (no solver infeasibility), keeping them."""
    equity = _equity_by_year_usd()
    budgets = f"[{float(equity[:, 0].sum()) + 1e3!r}, {float(equity[:, 1].sum()) + 1e3!r}]"
    config = OptimizeConfig(deterministic=True, evpi_scenarios=1, two_stage=False,
                            fixed_through="2027Q1")
    r = optimize_plan(_portfolio(budgets), config)
    kept = r.plan[r.plan["committed"]]
    assert sorted(kept[["site", "quarter"]].itertuples(index=False, name=None)) == [
        ("Alpha", "2026Q4"), ("Beta", "2027Q1")]
