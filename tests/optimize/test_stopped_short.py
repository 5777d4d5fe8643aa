"""What the output says when HiGHS stops before proving a plan optimal (the time limit):
the plan's objective and the most any plan can reach, both in USD as the objective is
printed, and which derived figures rest on a solve that stopped short."""

from __future__ import annotations

import math

from hashpivot.optimize.run import stopped_short_warnings
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
