"""The objective is what the output says it is: ``(1 - lambda) E[NPV] + lambda CVaR95``,
the CVaR the mean of the worst ``ceil(alpha K)`` scenarios, computed by hand from the
per-scenario NPVs the result carries, also where ``alpha K`` is not a whole number."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.optimize import OptimizeConfig, cvar_usd, optimize_plan

from .optimize_inputs import portfolio, site_toml

TAIL = """
[optimize]
block_mw = 25.0
equity_budget_usd_per_year = [40e6, 1e12]

  [[optimize.tenants]]
  name = "T1"
  it_mw = 30.0
  lease_usd_per_kw_month = 190.0
  earliest_start = "2026Q2"
  probability_signing = 0.6

  [[optimize.tenants]]
  name = "T2"
  it_mw = 100.0
  lease_usd_per_kw_month = 150.0
  lease_term_years = 8
"""


@pytest.mark.parametrize("risk_aversion", [0.5, 1.0])
@pytest.mark.parametrize("n_scenarios", [30, 50])  # alpha K = 1.5, 2.5: worst 2, 3
def test_the_objective_is_the_mean_and_the_cvar_the_output_reports(
        n_scenarios: int, risk_aversion: float) -> None:
    pf = portfolio(site_toml("A"), site_toml("B", capacity=25.0, count=6000, price=55.0),
                   years=2, tail=TAIL)
    r = optimize_plan(pf, OptimizeConfig(n_scenarios=n_scenarios, seed=5, gap=1e-9,
                                         risk_aversion=risk_aversion, evpi_scenarios=1,
                                         two_stage=False))
    npv = np.asarray(r.npv_usd)
    worst = np.sort(npv)[: int(np.ceil(0.05 * n_scenarios))]
    assert cvar_usd(npv) == pytest.approx(worst.mean(), rel=1e-12)
    by_hand = (1.0 - risk_aversion) * npv.mean() + risk_aversion * worst.mean()
    # before: the model's CVaR weighed the worst scenarios with alpha K = 1.5, (w1 + w2 / 2)
    # / 1.5, 0.21 M USD off the reported mean of the worst two at K = 30
    assert r.objective_usd == pytest.approx(by_hand, rel=1e-9, abs=1.0)


def test_the_output_gives_the_cvar_the_objective_weighs_at_its_alpha() -> None:
    """With ``[optimize] cvar_alpha = 0.2`` the objective weighs the mean of the worst 6
    of 30 scenarios, but every CVaR the output gave was the worst 5 % (2 of 30): at risk
    aversion 1 the objective read 248.8 M USD beside a CVaR95 of 244.3, and nothing named
    the tail it maximized."""
    from hashpivot.reports.tables.optimize import summary_lines

    tail = TAIL.replace("block_mw = 25.0", "block_mw = 25.0\ncvar_alpha = 0.2")
    pf = portfolio(site_toml("A"), site_toml("B", capacity=25.0, count=6000, price=55.0),
                   years=2, tail=tail)
    r = optimize_plan(pf, OptimizeConfig(n_scenarios=30, seed=5, gap=1e-9, risk_aversion=1.0,
                                         evpi_scenarios=1, two_stage=False))
    npv = np.asarray(r.npv_usd)
    worst6 = np.sort(npv)[:6].mean()
    assert r.objective_usd == pytest.approx(worst6, rel=1e-9, abs=1.0)
    j = r.to_json()
    assert j["objective_cvar_usd"] == pytest.approx(worst6, rel=1e-12)
    assert j["cvar95_usd"] == pytest.approx(np.sort(npv)[:2].mean(), rel=1e-12)
    (line,) = [x for x in summary_lines(j) if x.startswith("the objective weighs")]
    assert "the mean of the worst 6 of 30 scenarios" in line
    assert f"{worst6 / 1e6:,.1f} M USD" in line
    # at the default alpha the tables' CVaR95 is the objective's: no line
    at_5 = optimize_plan(pf.model_copy(update={"optimize": pf.optimize.model_copy(
        update={"cvar_alpha": 0.05})}), OptimizeConfig(n_scenarios=30, seed=5, gap=1e-9,
        risk_aversion=1.0, evpi_scenarios=1, two_stage=False)).to_json()
    assert not any("cvar_alpha" in x for x in summary_lines(at_5))


def test_the_out_of_sample_cvar_is_of_the_tail_the_plan_was_chosen_for() -> None:
    """With ``[optimize] cvar_alpha = 0.2`` the plan maximizes the mean of its worst 20 %
    of scenarios, yet its out-of-sample check gave CVaR95 (the worst 5 %), a tail it was
    not chosen for. It gives the worst 20 % of the out-of-sample paths, labelled
    CVaR80 and by its alpha, beside the same tail in sample."""
    from hashpivot.reports.tables.optimize import cvar_lines

    tail = TAIL.replace("block_mw = 25.0", "block_mw = 25.0\ncvar_alpha = 0.2")
    pf = portfolio(site_toml("A"), site_toml("B", capacity=25.0, count=6000, price=55.0),
                   years=2, tail=tail)
    r = optimize_plan(pf, OptimizeConfig(n_scenarios=30, seed=5, risk_aversion=1.0,
                                         evpi_scenarios=1, two_stage=False,
                                         oos_scenarios=40))
    j = r.to_json()
    c = j["out_of_sample_cvar_usd"]
    plan = np.sort(np.asarray(r.out_of_sample_npv_usd))
    keep = np.sort(np.asarray(r.out_of_sample_baseline_npv_usd))
    assert (c["alpha"], c["tail_paths"], c["n_scenarios"]) == (0.2, 8, 40)
    assert c["plan"] == pytest.approx(plan[:8].mean(), rel=1e-12)
    assert c["baseline"] == pytest.approx(keep[:8].mean(), rel=1e-12)
    (line,) = cvar_lines(j)
    assert line.startswith("CVaR80 out of sample ([optimize] cvar_alpha 0.2: mean of the "
                           "worst 8 of 40 paths): plan ")
    in_sample = j["objective_cvar_usd"]
    assert line.split("; in sample ")[1].startswith(f"{in_sample / 1e6:,.1f}")
