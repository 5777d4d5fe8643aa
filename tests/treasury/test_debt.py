"""Tests of the treasury's own debt service (hashpivot.treasury.debt)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.models.risk import DebtSpec
from hashpivot.treasury import debt_schedule


def test_debt_schedule_bullet_and_linear() -> None:
    periods = pd.period_range("2026-01", periods=6, freq="M")
    sched = debt_schedule(
        [
            DebtSpec(principal_usd=1200, interest_rate=0.12, maturity="2026-03"),
            DebtSpec(principal_usd=600, interest_rate=0.0, maturity="2026-03",
                     amortization="linear"),
            DebtSpec(principal_usd=100, interest_rate=0.12),  # beyond the horizon
        ],
        periods,
    )
    np.testing.assert_allclose(sched.interest_usd, [13, 13, 13, 1, 1, 1])
    np.testing.assert_allclose(sched.principal_usd, [200, 200, 1400, 0, 0, 0])
    np.testing.assert_allclose(sched.outstanding_usd, [1700, 1500, 100, 100, 100, 100])
    with pytest.raises(InputError) as err:
        debt_schedule([DebtSpec(principal_usd=1, maturity="2025-01")], periods, "a.toml")
    assert err.value.problems[0].path == "treasury.debt[0].maturity"
