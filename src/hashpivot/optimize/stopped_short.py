"""What a run says when HiGHS stopped a solve before proving it optimal (its time limit):
the plan's objective and the most any plan reaches, the expected-value plan's, the EVPI's
and the two-stage bound's solves stopped short, each with what to raise.
"""

from __future__ import annotations

import math

from hashpivot.optimize.model import USD_SCALE
from hashpivot.optimize.solve import SolveReport


def stopped_short_warnings(report: SolveReport, ev_report: SolveReport | None,
                           base_usd: float, evpi_stopped: tuple[int, int] = (0, 0),
                           two_stage: str = "", ev_stopped: str = "") -> list[str]:
    """Warnings for solves HiGHS stopped before proving optimal (its time limit).

    The main solve's line gives the plan's objective and the most any plan reaches (the
    MIP dual bound), both in USD as the summary prints the objective: HiGHS's objective is
    the negative of the objective less ``base_usd``, (1 - risk aversion) x keep-mining's
    mean, so its relative gap is of that difference (437.8 % in one run of the example
    stopped after 2 s, beside an objective of 229.2 M USD; where HiGHS stops depends on
    the machine). The expected-value
    plan's line says the VSS rests on a plan not proven optimal, the EVPI's line how many
    of its solves stopped short, the two-stage line that its LP stopped short (the bound
    is then not given: a point of the relaxation short of its optimum bounds nothing).

    Parameters
    ----------
    report, ev_report : SolveReport
        The plan's solve and the expected-value plan's (HiGHS's objective, M USD); None
        for the latter when it stopped without a plan (``ev_stopped``).
    base_usd : float
        The objective's constant. [USD]
    evpi_stopped : tuple of int
        The EVPI's solves stopped short, of how many (:func:`evpi_usd`). [-]
    two_stage : str
        Where HiGHS stopped the two-stage bound's LP short of its optimum, ``""`` if it
        did not (:func:`two_stage_bound_usd`).
    ev_stopped : str
        How the expected-value plan's solve stopped without a plan (no VSS), ``""`` if it
        found one.
    """
    out = []
    if report.status != "ok":
        objective = -report.objective * USD_SCALE + base_usd
        bound = -report.objective_bound * USD_SCALE + base_usd
        most = (f", any plan's at most {bound / 1e6:,.1f} M USD"
                if math.isfinite(bound) else "")
        out.append(
            f"HiGHS stopped at {report.termination_condition}: the plan's objective is "
            f"{objective / 1e6:,.1f} M USD{most} (MIP gap {100 * report.mip_gap:.2f} % of the "
            "objective over (1 - risk aversion) x keep-mining's mean): the plan is "
            "feasible, not proven optimal; raise `time_limit_s`")
    if ev_stopped:
        out.append(f"the plan optimal on the expected scenario: {ev_stopped}: no VSS is "
                   "given; raise `time_limit_s`")
    elif ev_report is not None and ev_report.status != "ok":
        out.append(
            f"the plan optimal on the expected scenario stopped at "
            f"{ev_report.termination_condition}, not proven optimal: the VSS compares "
            "with a plan that may not be it; raise `time_limit_s`")
    stopped, solves = evpi_stopped
    if stopped:
        out.append(
            f"{stopped} of the EVPI's {solves} solves stopped at their time limit, not "
            "proven optimal: the EVPI is an estimate from plans that may not be the best; "
            "raise `time_limit_s`")
    if two_stage:
        out.append(
            f"the two-stage bound's LP stopped at {two_stage}, short of its optimum: a point "
            "of the relaxation bounds nothing, so no bound is given; raise `time_limit_s`")
    return out


__all__ = ["stopped_short_warnings"]
