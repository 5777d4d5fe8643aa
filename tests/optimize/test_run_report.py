"""What the run's report says beside its figures: why a simple strategy is infeasible
(the limit it breaks, from the model's rows), a plan stopped at its time limit flagged
next to the plan table, and where the run's time went."""

from __future__ import annotations

import dataclasses
import math

from hashpivot.optimize import OptimizeConfig, optimize_plan
from hashpivot.reports.tables.optimize import plan_notes, summary_lines

from .optimize_inputs import portfolio, site_toml

#: 25 MW of build capacity a quarter: converting a 50 MW site at once breaks it
_SLOW_BUILD = "\n[optimize]\nblock_mw = 25.0\nbuild_mw_per_quarter = 25.0\n"


def _run(tail: str = _SLOW_BUILD, **config: object):  # type: ignore[no-untyped-def]
    pf = portfolio(site_toml("A"), years=2, tail=tail)
    cfg = OptimizeConfig(**{"n_scenarios": 4, "seed": 3, "evpi_scenarios": 1,
                            "two_stage": False, **config})  # type: ignore[arg-type]
    return optimize_plan(pf, cfg)


def test_an_infeasible_strategy_says_which_limit_it_breaks() -> None:
    """convert_all_now builds the 50 MW site 25 MW a quarter (the build capacity), whose
    capex breaks a 100 M USD equity budget in the first year: it said "infeasible" with no
    reason."""
    r = _run(_SLOW_BUILD + "equity_budget_usd_per_year = 100e6\n")
    j = r.to_json()
    every = j["strategies"]["convert_all_now"]
    assert every["feasible"] is False
    assert every["infeasible_reason"].startswith("equity capex budget at year 1: ")
    assert every["infeasible_reason"].endswith(" M USD, above the 100 M USD allowed")
    assert j["strategies"]["keep_mining"]["infeasible_reason"] is None
    assert f"convert_all_now is infeasible: {every['infeasible_reason']}" in summary_lines(j)


def test_a_plan_stopped_at_its_time_limit_says_so_beside_the_plan() -> None:
    r = _run()
    j = r.to_json()
    assert plan_notes(j) == []  # proven optimal: nothing to say
    assert math.isfinite(j["objective_bound_usd"])
    stopped = dataclasses.replace(r.report, status="warning", mip_gap=0.0123,
                                  termination_condition="time_limit_reached")
    j = dataclasses.replace(r, report=stopped).to_json()
    (line,) = plan_notes(j)
    assert line.startswith(
        f"the plan is the best found in {r.report.solve_seconds:.1f} s, not proven optimal "
        "(HiGHS stopped at time_limit_reached): gap 1.23 %; objective ")
    assert f"bound {j['objective_bound_usd'] / 1e6:,.1f} M USD" in line


def test_the_report_times_the_whole_run() -> None:
    """The summary's "solve N s" was the plan's solve alone; the evaluation (strategies,
    expected-value plan, EVPI, out of sample, the pivot check) went untimed."""
    j = _run().to_json()
    t = j["timing_seconds"]
    assert set(t) == {"coefficients", "plan_build", "plan_solve", "strategies",
                      "expected_value_plan", "evpi", "two_stage_bound", "evaluation", "total"}
    assert all(v >= 0.0 for v in t.values())
    assert t["plan_solve"] == j["solve_seconds"]
    parts = ("strategies", "expected_value_plan", "evpi", "two_stage_bound")
    assert sum(t[k] for k in parts) <= t["evaluation"] <= t["total"]
    assert t["coefficients"] + t["plan_build"] + t["plan_solve"] + t["evaluation"] <= t["total"]
    assert any(line.startswith(f"run {t['total']:.1f} s:") for line in summary_lines(j))


def test_the_expected_values_carry_their_sampling_error() -> None:
    """E[NPV] of a few scenarios was printed bare: 230.6 M USD of keep-mining from 6
    scenarios of examples/pivot-200mw.toml beside simulate's 601.5 from 100 paths of the
    same seed looked like two engines disagreeing; each is a sample mean whose 95 %
    half-width (1.96 s / sqrt(K)) is now in the JSON and in the value table's ± column."""
    from hashpivot.reports.tables.optimize import VALUE_HEADER, value_rows
    from hashpivot.sampling_error import ci95_half

    r = _run(_SLOW_BUILD + "equity_budget_usd_per_year = 100e6\n")  # all now: infeasible
    j = r.to_json()
    assert j["expected_npv_ci95_half_usd"] == ci95_half(r.npv_usd) > 0
    keep = next(s for s in r.strategies if s.name == "keep_mining")
    assert j["strategies"]["keep_mining"]["expected_npv_ci95_half_usd"] == ci95_half(
        keep.npv_usd) > 0
    assert j["strategies"]["convert_all_now"]["expected_npv_ci95_half_usd"] is None
    assert VALUE_HEADER[1:3] == ("E[NPV]", "±")
    rows = {row[0]: row for row in value_rows(j)}
    assert rows["keep_mining"][2] == f"{ci95_half(keep.npv_usd) / 1e6:,.1f}"
    assert rows["convert_all_now"][1:3] == ("infeasible", "-")
