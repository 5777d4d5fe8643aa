"""The center path: the scenario every volatility zero, and a plan's value on it as
``pivot`` gives it on the plan file.

:func:`expected_value_coefficients` are the scenario coefficients on that path with each
tenant signing in expectation (its probability): the expected-value plan's scenario (the
VSS) and the engines' cross-check. :func:`expected_over_signings_usd` is the plan's value
over keep-mining there, in expectation over the signings, as ``pivot`` computes it under
its table (``center_path_check`` of :func:`~hashpivot.optimize.run.optimize_plan`).
"""

from __future__ import annotations

import itertools

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.optimize.evaluate import value_fixed
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.model import ObjectiveSpec
from hashpivot.optimize.scenario_npv import floor_scenarios
from hashpivot.optimize.scenarios import CoefficientTask, ScenarioCoefficients, coefficient_chunk

__all__ = ["expected_over_signings_usd", "expected_value_coefficients"]


def expected_value_coefficients(task: CoefficientTask) -> ScenarioCoefficients:
    """Coefficients on the center path (every volatility zero), signing in expectation."""
    zero = CoefficientTask(**{**task.__dict__, "params": task.params.zero_volatility()})
    _, c = coefficient_chunk(zero, 0, 1, np.random.SeedSequence(0))
    c.signed = task.signing_probability[None, :].astype(float).copy()
    return c


def expected_over_signings_usd(p: PlanProblem, ev: ScenarioCoefficients, obj: ObjectiveSpec,
                               x_mw: FloatArray, time_limit_s: float) -> float:
    """The model's value of a plan over keep-mining on the central path, in expectation
    over the tenants' signings (``ev``: one scenario whose ``signed`` are the
    probabilities). [USD]

    The model is linear in the signings but for the SG&A floor (:func:`sga_floor_usd`):
    where a plan can reach it, the expectation of the floor is not the floor of the
    expected MW, so each outcome of the uncertain tenants is valued and weighted by its
    probability, as ``pivot`` does (the uncertain tenants the plan builds for, at most
    :data:`~hashpivot.engines.pivot.signing.MAX_UNCERTAIN_TENANTS`; above, and where no
    plan reaches the floor, the linear expectation). Each valuation's solve stops at
    ``time_limit_s`` [s].
    """
    from hashpivot.engines.pivot.signing import MAX_UNCERTAIN_TENANTS

    prob = ev.signed[0]
    planned = np.zeros(prob.size, dtype=bool)  # tenants the plan builds for
    planned[p.offer_tenant[np.asarray(x_mw).sum(axis=1) > 1e-6]] = True  # (plan_frame's)
    unsure = np.flatnonzero((prob > 0) & (prob < 1) & planned)
    if not floor_scenarios(p, ev).any() or not 0 < unsure.size <= MAX_UNCERTAIN_TENANTS:
        return float(value_fixed(p, ev, obj, "plan", x_mw, time_limit_s=time_limit_s
                                 ).npv_usd[0] - ev.baseline_npv_usd[0])
    outcomes = np.array(list(itertools.product((0.0, 1.0), repeat=unsure.size)))
    signed = np.repeat(np.where(prob >= 1, 1.0, 0.0)[None, :], len(outcomes), axis=0)
    signed[:, unsure] = outcomes
    weight = np.prod(np.where(outcomes > 0, prob[unsure], 1.0 - prob[unsure]), axis=1)
    k = len(outcomes)
    each = ScenarioCoefficients(
        np.repeat(ev.baseline_npv_usd, k), np.repeat(ev.mining_loss_usd_per_mw, k, axis=0),
        signed, np.repeat(ev.baseline_terminal_usd, k),
        np.repeat(ev.mining_terminal_usd_per_mw, k, axis=0),
        site_terminal_usd=None if ev.site_terminal_usd is None
        else np.repeat(ev.site_terminal_usd, k))
    npv = value_fixed(p, each, ObjectiveSpec(0.0, obj.alpha), "plan", x_mw,
                      time_limit_s=time_limit_s).npv_usd
    return float(weight @ (npv - each.baseline_npv_usd))
