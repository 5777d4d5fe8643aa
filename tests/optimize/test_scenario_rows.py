"""The CVaR rows factored by the tenants' signings (``optimize.scenario_rows``) hold each
scenario's NPV exactly as the map written out does, and give the same optimum.

References: the dense map ``scenario_npv_matrix`` (each scenario's NPV of every column,
checked against pivot in ``test_pivot_equivalence.py``) and the model built with its rows
written out. Tolerances: the coefficients agree to 1e-12 relative (sums of at most three
products of the same floats); the two optima to HiGHS's feasibility and gap tolerances
(1e-9 relative gap, 1e-6 M USD absolute).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from hashpivot.optimize import ObjectiveSpec, build_plan_model, resolve_problem, scenario_rows
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.model import USD_SCALE, PlanModel
from hashpivot.optimize.run import coefficient_task, scenario_params
from hashpivot.optimize.scenarios import (
    ScenarioCoefficients,
    run_coefficient_chunks,
    scenario_chunks,
    subset_of,
)
from hashpivot.optimize.solve import solve_model
from tests.portfolio_toml import table, toml_text

from .optimize_inputs import portfolio, site_toml

#: three tenants, two uncertain, two of them at a site they share with another
TAIL = toml_text(optimize=table(block_mw=10.0, tenants=[
    table(name=name, it_mw=it_mw, lease_usd_per_kw_month=lease, lease_term_years=8,
          probability_signing=probability, sites=sites)
    for name, it_mw, lease, probability, sites in (
        ("T1", 30.0, 175.0, 0.6, ["A", "B"]), ("T2", 20.0, 170.0, 0.5, ["A"]),
        ("T3", 20.0, 160.0, None, ["B"]))
]))


def _problem(n: int = 40, seed: int = 3) -> tuple[PlanProblem, ScenarioCoefficients]:
    pf = portfolio(site_toml("A", capacity=60.0), site_toml("B", price=30.0), years=6,
                   tail=TAIL)
    p = resolve_problem(pf)
    params, _ = scenario_params(p, seed)
    c = run_coefficient_chunks(coefficient_task(p, params), scenario_chunks(seed, n, 250))
    return p, c


def _effective_map(pm: PlanModel, k: int) -> np.ndarray:
    """Each CVaR row's coefficients on the NPV columns once the factor columns are
    replaced by what their rows define them as (``F - sum w v = 0``). [M USD per unit]"""
    m = pm.m
    mat = sp.csr_matrix(m.matrix())
    rows = mat[m.constraints["cvar_shortfall-scenario-lower"]].toarray()  # (K, n_col)
    out = rows[:k, pm.npv_cols]
    for block in ("tenant_hosting", "pattern_displaced"):
        cols = m.variables[block].ravel()
        define = mat[m.constraints[f"{block}-def-eq"]].toarray()
        assert np.array_equal(define[:, cols], np.eye(cols.size))  # F's own coefficient
        out = out + rows[:k, cols] @ -define[:, pm.npv_cols]
    return out


def test_the_factored_rows_hold_each_scenarios_npv_as_the_map_written_out() -> None:
    p, c = _problem()
    assert len(scenario_rows.signing_patterns(c)[0]) >= 3  # the case the factoring is for
    pm = build_plan_model(p, c, ObjectiveSpec(0.3))
    assert pm.m.variables["tenant_hosting"].size  # factored: fewer nonzeros than dense
    got = _effective_map(pm, c.n_scenarios)
    want = pm.npv_matrix_usd / USD_SCALE
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def _signed_as(c: ScenarioCoefficients, signed: np.ndarray) -> ScenarioCoefficients:
    """``c`` with the tenants' signings ``signed`` (K, L)."""
    return ScenarioCoefficients(c.baseline_npv_usd, c.mining_loss_usd_per_mw, signed,
                                c.baseline_terminal_usd, c.mining_terminal_usd_per_mw,
                                site_terminal_usd=c.site_terminal_usd)


def _every_pattern(c: ScenarioCoefficients) -> ScenarioCoefficients:
    """Eight scenarios of ``c``, each with its own one of the 2^3 signing patterns."""
    signed = np.array([[(i >> b) & 1 for b in range(3)] for i in range(8)], dtype=float)
    return _signed_as(subset_of(c, list(range(8))), signed)


@pytest.mark.parametrize("case", ["drawn", "every pattern"])
def test_the_model_takes_the_form_with_fewer_nonzeros(
        monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """The drawn signings (40 scenarios, few patterns) factor; eight scenarios with eight
    patterns would add more rows than they save. The count the choice rests on is an
    upper bound of the nonzeros the factored rows add."""
    p, c = _problem()
    c = c if case == "drawn" else _every_pattern(c)
    chosen = build_plan_model(p, c, ObjectiveSpec(0.3))
    monkeypatch.setattr(scenario_rows, "factored_nonzeros", lambda p, c: 0)
    factored = build_plan_model(p, c, ObjectiveSpec(0.3))
    monkeypatch.setattr(scenario_rows, "factored_nonzeros", lambda p, c: 10**12)
    dense = build_plan_model(p, c, ObjectiveSpec(0.3))
    monkeypatch.undo()
    sizes = {"factored": factored.m.matrix().nnz, "dense": dense.m.matrix().nnz}
    assert chosen.m.matrix().nnz == min(sizes.values())
    assert bool(chosen.m.variables["tenant_hosting"].size) == (case == "drawn")
    added = sizes["factored"] - sizes["dense"] + np.count_nonzero(dense.npv_matrix_usd)
    assert added <= scenario_rows.factored_nonzeros(p, c)
    np.testing.assert_allclose(_effective_map(factored, c.n_scenarios),
                               dense.npv_matrix_usd / USD_SCALE, rtol=1e-12,
                               atol=1e-12 * np.abs(dense.npv_matrix_usd).max() / USD_SCALE)


@pytest.mark.parametrize("risk_aversion", [0.3, 1.0])
def test_the_factored_and_dense_models_have_the_same_optimum(
        monkeypatch: pytest.MonkeyPatch, risk_aversion: float) -> None:
    p, c = _problem()
    obj = ObjectiveSpec(risk_aversion)
    pm = build_plan_model(p, c, obj)
    sol, rep = solve_model(pm.m, pm.integer, gap=1e-9)
    monkeypatch.setattr(scenario_rows, "factored_nonzeros", lambda p, c: 10**12)
    dense = build_plan_model(p, c, obj)
    _, drep = solve_model(dense.m, dense.integer, gap=1e-9)
    assert rep.objective == pytest.approx(drep.objective, rel=1e-8, abs=1e-6)
    assert sol[pm.npv_cols].any()  # a plan that converts: the rows are exercised
    # the factored model's plan, valued on the dense model, reaches its optimum (the
    # plans themselves may differ where two tie, as under the CVaR alone)
    x = sol[pm.m.variables["conversion"]].reshape(p.n_offers, p.n_quarters) * p.unit_mw
    fixed = build_plan_model(p, c, obj, fixed_conversion_mw=x)
    assert not fixed.m.variables["tenant_hosting"].size
    _, frep = solve_model(fixed.m, fixed.integer, gap=1e-9)
    assert frep.objective == pytest.approx(drep.objective, rel=1e-8, abs=1e-6)


def test_the_factor_blocks_exist_empty_without_the_cvar_rows() -> None:
    """Without risk aversion there are no CVaR rows: the factor columns and rows exist,
    empty, as every block of the model does (no code tests for a block's name)."""
    p, c = _problem(n=10)
    m = build_plan_model(p, c, ObjectiveSpec(0.0)).m
    for block in ("tenant_hosting", "pattern_displaced"):
        assert m.variables[block].size == 0
        rows = m.constraints[f"{block}-def-eq"]
        assert rows.stop == rows.start
