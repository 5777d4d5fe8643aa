"""Halls already in service (``[[sites.hosting.in_service]]``) in the decision engine:
their MW are neither mined nor convertible, their net rent is in every plan alike, so the
plan does not change where the capacity left is the same, its value rises by the halls'
value as pivot counts it, and less converts where they take capacity."""

from __future__ import annotations

import pandas as pd
import pytest

from hashpivot.engines import pivot
from hashpivot.optimize import OptimizeConfig, optimize_plan, resolve_problem

from .optimize_inputs import pivot_plan_npv_usd, portfolio, site_toml

#: a 30 MW hall (24 IT MW at 120 USD/kW/month from 2024-06, 2 %/year, to 2036-05)
HALL = ('\n[[sites.hosting.in_service]]\ngross_mw = 30.0\nlease_start = "2024-06"\n'
        'lease_end = "2036-05"\nlease_usd_per_kw_month = 120.0\n'
        "lease_escalator_per_year = 0.02\n")
CONFIG = OptimizeConfig(deterministic=True, evpi_scenarios=1, two_stage=False)


def _site(capacity: float, hall: bool) -> str:
    text = site_toml("A", capacity=capacity)
    return text.replace("[sites.hosting]", "[sites.hosting]", 1) + (HALL if hall else "")


def test_the_same_plan_and_the_value_of_the_hall() -> None:
    """60 MW for the miners and a conversion in both: the same plan; its value with the
    hall is pivot's (the hall's stream included), more by the hall's value."""
    without = portfolio(_site(60.0, False))
    with_hall = portfolio(_site(90.0, True))
    a, b = optimize_plan(without, CONFIG), optimize_plan(with_hall, CONFIG)
    assert len(a.plan) > 0  # something converts: the test has teeth
    pd.testing.assert_frame_equal(a.plan, b.plan)
    phases = tuple(pivot.ConversionPhase(r.site, pd.Period(r.start_month, "M"),
                                         float(r.gross_mw)) for r in b.plan.itertuples())
    ref = pivot_plan_npv_usd(with_hall, phases, pd.Period(b.inputs["start"], "M"),
                             b.inputs["horizon_months"])
    assert b.expected_npv_usd == pytest.approx(ref, rel=1e-9)
    assert b.expected_npv_usd - a.expected_npv_usd > 1e8


def test_a_hall_takes_convertible_capacity() -> None:
    """60 MW with a 30 MW hall in service leave 30 MW to convert."""
    free = resolve_problem(portfolio(_site(60.0, False)))
    taken = resolve_problem(portfolio(_site(60.0, True)))
    assert free.site_limit_mw[0] == pytest.approx(60.0)
    assert taken.site_limit_mw[0] == pytest.approx(30.0)
    assert taken.sites[0].capacity_mw == pytest.approx(30.0)
