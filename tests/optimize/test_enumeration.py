"""Small instances whose optimum is known by enumeration, valued by the pivot engine."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot
from hashpivot.optimize import OptimizeConfig, optimize_plan

from .optimize_inputs import pivot_plan_npv_usd, portfolio, site_toml

BUDGET = """
[optimize]
block_mw = 25.0
equity_budget_usd_per_year = [60e6, 1e12]
"""


def _value(pf, plan: list[tuple[int, float]], start: pd.Period, months: int, rate: float
           ) -> tuple[float, np.ndarray]:
    """NPV [USD] and operator hosting capex by model year [USD] from the pivot engine."""
    phases = tuple(pivot.ConversionPhase("A", start + 3 * q, mw) for q, mw in plan)
    market = pivot.deterministic_market(pf, start, months)
    cf = pivot.strategy_cash_flows(pf, pivot.Strategy("p", phases), market)
    capex = np.asarray(cf.hosting_capex_usd[0]).reshape(-1, 12).sum(axis=1)
    return pivot_plan_npv_usd(pf, phases, start, months), capex


@pytest.mark.parametrize("tail", ["", BUDGET])
def test_milp_finds_the_enumerated_optimum(tail: str) -> None:
    # one 50 MW site (44.1 MW of miners, 5.9 MW spare): at most two 25 MW blocks
    pf = portfolio(site_toml("A", lease=220.0), years=8, tail=tail)
    r = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1, gap=1e-9,
                                         two_stage=False))
    start = pd.Period(r.inputs["start"], "M")
    months, rate = r.inputs["horizon_months"], r.inputs["discount_rate"]
    n_q = months // 3
    budget = np.array([60e6] + [1e12] * 7) if tail else np.full(8, np.inf)
    plans: list[list[tuple[int, float]]] = [[]]
    plans += [[(q, 25.0)] for q in range(n_q)] + [[(q, 50.0)] for q in range(n_q)]
    plans += [[(a, 25.0), (b, 25.0)] for a, b in itertools.combinations(range(n_q), 2)]
    best = -np.inf
    for plan in plans:
        npv, capex = _value(pf, plan, start, months, rate)
        if np.all(capex <= budget + 1e-3) and npv > best:
            best = npv
    assert len(r.plan) > 0  # the optimum converts: the test has teeth
    assert r.expected_npv_usd == pytest.approx(best, rel=1e-9)
