"""What the output says when HiGHS stops before proving a plan optimal (the time limit):
the plan's objective and the most any plan can reach, both in USD as the objective is
printed, and which derived figures rest on a solve that stopped short."""

from __future__ import annotations

import math

from hashpivot.optimize.stopped_short import stopped_short_warnings
from hashpivot.power.report import SolveReport


def _report(termination: str, objective: float, bound: float, gap: float) -> SolveReport:
    return SolveReport(solver="milp", status="ok" if termination == "optimal" else "warning",
                       termination_condition=termination, build_seconds=0.0,
                       solve_seconds=2.0, mip_gap=gap, objective=objective,
                       objective_bound=bound)


def test_a_plan_stopped_at_the_time_limit_gives_its_bound_in_usd() -> None:
    # the example at --time-limit 2 (risk aversion 0.3): HiGHS's objective is the negative
    # of the objective over (1 - lambda) keep-mining's mean, 255.8 M USD; its gap, 437.8 %,
    # is relative to that difference, not to the 229.2 M USD the summary prints
    main = _report("time_limit_reached", 26.67, -90.08, 4.3777)
    lines = stopped_short_warnings(main, _report("optimal", 1.0, 1.0, 0.0), 255.84e6)
    assert len(lines) == 1
    assert "229.2 M USD" in lines[0] and "at most 345.9 M USD" in lines[0]
    assert "not proven optimal" in lines[0]


def test_the_vss_is_flagged_when_the_expected_value_plan_stopped_short() -> None:
    ev = _report("time_limit_reached", -5.0, -9.0, 0.8)
    lines = stopped_short_warnings(_report("optimal", 1.0, 1.0, 0.0), ev, 0.0)
    assert len(lines) == 1 and "VSS" in lines[0]
    assert stopped_short_warnings(_report("optimal", 1.0, 1.0, 0.0),
                                  _report("optimal", 1.0, 1.0, 0.0), 0.0) == []


def test_without_a_bound_the_gap_alone_is_said() -> None:
    main = _report("time_limit_reached", 26.67, math.nan, math.nan)
    (line,) = stopped_short_warnings(main, _report("optimal", 1.0, 1.0, 0.0), 255.84e6)
    assert "229.2 M USD" in line and "at most" not in line


def test_the_evpi_says_how_many_of_its_solves_stopped_short() -> None:
    optimal = _report("optimal", 1.0, 1.0, 0.0)
    (line,) = stopped_short_warnings(optimal, optimal, 0.0, (3, 21))
    assert line.startswith("3 of the EVPI's 21 solves stopped") and "EVPI" in line
    assert stopped_short_warnings(optimal, optimal, 0.0, (0, 21)) == []


def test_a_two_stage_bound_stopped_at_the_time_limit_is_no_bound(monkeypatch) -> None:
    """The two-stage LP stopped at its time limit returns a feasible point of the
    relaxation, not its optimum: its objective bounds nothing (it is below the LP's
    optimum), yet it was printed as "two-stage bound ... vs objective" without a word.
    Here HiGHS is made to report the LP stopped short on its own solution."""
    import dataclasses

    from hashpivot.optimize import OptimizeConfig, evaluate, optimize_plan

    from .optimize_inputs import portfolio, site_toml

    real = evaluate.solve_model

    def stopped_two_stage(m, integer, *args, **kwargs):  # type: ignore[no-untyped-def]
        x, rep = real(m, integer, *args, **kwargs)
        if "conversion-nonanticipative-eq" in m.constraints:
            rep = dataclasses.replace(rep, status="warning",
                                      termination_condition="time_limit_reached")
        return x, rep

    pf = portfolio(site_toml("A"), site_toml("B", capacity=25.0, count=6000), years=2)
    config = OptimizeConfig(n_scenarios=4, seed=3, evpi_scenarios=1, two_stage=True,
                            risk_aversion=0.5)
    solved = optimize_plan(pf, config)
    assert math.isfinite(solved.two_stage_bound_usd)  # the same run, proven optimal
    assert not any("two-stage" in w for w in solved.warnings)
    monkeypatch.setattr(evaluate, "solve_model", stopped_two_stage)
    stopped = optimize_plan(pf, config)
    assert math.isnan(stopped.two_stage_bound_usd)
    (line,) = [w for w in stopped.warnings if "two-stage bound" in w]
    # the engine names its argument; the CLI (cli.optimize.OPTIONS) and the dashboard
    # name what their users set
    assert "time_limit_reached" in line and line.endswith("raise `time_limit_s`")


def test_the_two_stage_line_names_where_its_lp_stopped() -> None:
    optimal = _report("optimal", 1.0, 1.0, 0.0)
    (line,) = stopped_short_warnings(optimal, optimal, 0.0, two_stage="time_limit_reached")
    assert line.startswith("the two-stage bound's LP stopped at time_limit_reached")
    assert stopped_short_warnings(optimal, optimal, 0.0, two_stage="") == []


def _stopping(monkeypatch, which: int) -> None:  # type: ignore[no-untyped-def]
    """HiGHS made to stop without a feasible plan on the run's ``which``-th solve (0: the
    plan's, 1: the expected-value plan's), as at a short --time-limit."""
    from hashpivot.optimize import run
    from hashpivot.optimize.solve import SolveStoppedError

    real, calls = run.solve_model, []

    def solve(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) - 1 == which:
            raise SolveStoppedError("HiGHS stopped at time limit reached after 0.1 s without a "
                               "feasible plan")
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "solve_model", solve)


def test_a_plan_solve_stopped_without_a_plan_says_which_solve_and_what_to_raise(
        monkeypatch) -> None:
    """At --time-limit 2 the example's plan solve found no plan: the error said "HiGHS
    stopped without a feasible plan: Time limit reached", not which of the run's solves
    nor what to do."""
    import pytest

    from hashpivot.exceptions import SolverError
    from hashpivot.optimize import OptimizeConfig, optimize_plan

    from .optimize_inputs import portfolio, site_toml

    _stopping(monkeypatch, 0)
    pf = portfolio(site_toml("A"), years=2)
    with pytest.raises(SolverError) as info:
        optimize_plan(pf, OptimizeConfig(n_scenarios=4, seed=3, evpi_scenarios=1,
                                         two_stage=False, time_limit_s=7.0))
    text = str(info.value)
    assert text.startswith("the plan's solve (4 scenarios, time limit 7 s per solve)")
    assert text.endswith("no plan to report: raise `time_limit_s` or run fewer scenarios")


def test_an_expected_value_plan_stopped_without_a_plan_leaves_the_plan_and_no_vss(
        monkeypatch) -> None:
    """The plan found, the expected-value plan's solve stopping without one failed the
    whole run (the same error, no plan): the plan stands, the VSS is not given and a
    warning says why."""
    from hashpivot.optimize import OptimizeConfig, optimize_plan

    from .optimize_inputs import portfolio, site_toml

    _stopping(monkeypatch, 1)
    pf = portfolio(site_toml("A"), years=2)
    r = optimize_plan(pf, OptimizeConfig(n_scenarios=4, seed=3, evpi_scenarios=1,
                                         two_stage=False))
    assert math.isnan(r.vss_usd) and r.plan is not None
    (line,) = [w for w in r.warnings if "VSS" in w]
    assert line.startswith("the plan optimal on the expected scenario: HiGHS stopped")
    assert line.endswith("no VSS is given; raise `time_limit_s`")


def test_every_solve_of_a_run_obeys_its_time_limit(monkeypatch) -> None:
    """``time_limit_s`` bounds each HiGHS solve of the run: the simple strategies' and the
    plans' valuations ran at solve_model's 300 s default and the shadow prices' LP
    relaxation at 120 s, whatever --time-limit said. Every call to HiGHS is watched."""
    from hashpivot.optimize import OptimizeConfig, optimize_plan, solve

    from .optimize_inputs import portfolio, site_toml

    real, limits = solve._highs, []

    def watched(m, integer, time_limit_s, *args, **kwargs):  # type: ignore[no-untyped-def]
        limits.append(time_limit_s)
        return real(m, integer, time_limit_s, *args, **kwargs)

    monkeypatch.setattr(solve, "_highs", watched)
    pf = portfolio(site_toml("A"), site_toml("B", capacity=25.0, count=6000), years=2)
    optimize_plan(pf, OptimizeConfig(n_scenarios=4, seed=3, evpi_scenarios=1,
                                     two_stage=True, risk_aversion=0.5, time_limit_s=41.0))
    # the plan, the strategies, the expected-value plan, the EVPI's, the two-stage LP,
    # the central path's valuation and the shadow prices' relaxation
    assert len(limits) > 8
    assert set(limits) == {41.0}
