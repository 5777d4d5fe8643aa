"""The plan's terminal value (hashpivot.optimize.terminal): a hall started late in the
horizon is valued with the lease it earns after it, and its whole build is its capex."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.optimize import resolve_problem
from hashpivot.optimize.evaluate import plan_frame
from hashpivot.optimize.terminal import pv_factor

from .conftest import portfolio, site_toml

NO_TV = "\n[pivot.terminal_value]\nmining_method = 'none'\nhosting_method = 'none'\n"


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
