"""The plan's terminal value (hashpivot.optimize.terminal): a hall started late in the
horizon is valued with the lease it earns after it, and its whole build is its capex."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.optimize import ObjectiveSpec, resolve_problem
from hashpivot.optimize.center_path import expected_value_coefficients
from hashpivot.optimize.evaluate import plan_frame, value_fixed
from hashpivot.optimize.run import coefficient_task, scenario_params
from hashpivot.optimize.terminal import pv_factor

from .optimize_inputs import NO_TV, portfolio, site_toml


def test_a_late_hall_is_charged_its_capex_with_its_rent() -> None:
    pf = portfolio(site_toml("A", lease=160.0), years=8)
    p = resolve_problem(pf, continuous=True)
    without = resolve_problem(portfolio(site_toml("A", lease=160.0), years=8, tail=NO_TV),
                              continuous=True)
    last = p.n_quarters - 1
    # to the horizon only, a hall started in the last quarter is capex without rent ...
    assert without.hosting_npv_usd_per_mw[0, last] < 0
    assert (without.hosting_terminal_usd_per_mw == 0).all()
    # ... with its remaining lease valued (10-year term from month 96 + 9 of construction)
    # it is worth about what a hall started at the beginning is, discounted 8 years
    assert p.hosting_npv_usd_per_mw[0, last] > 0
    np.testing.assert_allclose(
        p.hosting_npv_usd_per_mw[0] - p.hosting_terminal_usd_per_mw[0],
        without.hosting_npv_usd_per_mw[0], rtol=1e-12)
    early_value = without.hosting_npv_usd_per_mw[0, 0] + p.hosting_terminal_usd_per_mw[0, 0]
    assert p.hosting_npv_usd_per_mw[0, last] == pytest.approx(
        early_value * pv_factor(0.10, 3 * last), rel=0.05)


def test_the_plan_row_carries_the_whole_build() -> None:
    pf = portfolio(site_toml("A", lease=160.0), years=8)
    p = resolve_problem(pf, continuous=True)
    x = np.zeros((p.n_offers, p.n_quarters))
    x[0, -1] = 25.0  # 9 months of construction, 3 of them in the horizon
    row = plan_frame(p, x).iloc[0]
    # (3.0 shell + 5.0 fit-out) M USD per IT MW, 25 MW gross at PUE 1.25 = 20 IT MW
    assert row["operator_capex_usd"] == pytest.approx(20 * 8.0e6, rel=1e-12)
    assert p.capex_usd_per_mw[0, -1] * 25.0 == pytest.approx(20 * 8.0e6 * 3 / 9, rel=1e-12)


def _limits(debt_usd: float, year9_budget_usd: float) -> str:
    return f"""
[financing]
loan_to_cost_fraction = 0.8

[optimize]
block_mw = 25.0
debt_capacity_usd = {debt_usd}
equity_budget_usd_per_year = [1e12, 1e12, 1e12, 1e12, 1e12, 1e12, 1e12, 1e12, {year9_budget_usd}]
"""


@pytest.mark.parametrize(("debt", "budget", "feasible"), [
    (130e6, 25e6, True),
    (100e6, 25e6, False),  # the whole build's debt: 160 M USD x 0.8 = 128 M > 100 M
    (130e6, 20e6, False),  # year 9's equity: 6 of 9 build months x 32 M = 21.3 M > 20 M
])
def test_a_late_hall_counts_its_whole_build_against_debt_and_budgets(
    debt: float, budget: float, feasible: bool
) -> None:
    """A 25 MW hall (20 IT MW x 8 M USD) started in the last quarter of 8 years is built
    over 9 months, 6 of them after the horizon: its whole debt counts against the debt
    capacity and the equity of those 6 months against year 9's budget (the list's last
    value), so starting late escapes neither limit."""
    pf = portfolio(site_toml("A", lease=160.0), years=8, tail=_limits(debt, budget))
    p = resolve_problem(pf)
    assert p.budget_usd_per_year.size == 9  # the 8 years and the one the build reaches
    c = expected_value_coefficients(
        coefficient_task(p, scenario_params(p, 0)[0].zero_volatility()))
    late = np.zeros((p.n_offers, p.n_quarters))
    late[0, -1] = 25.0
    assert value_fixed(p, c, ObjectiveSpec(), "late", late, time_limit_s=300.0).feasible == feasible
