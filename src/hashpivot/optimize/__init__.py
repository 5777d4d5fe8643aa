"""The portfolio decision engine: which sites convert, how many MW, when, for whom.

Pipeline (REopt style): validated :class:`~hashpivot.models.Portfolio` ->
:class:`PlanProblem` (:func:`resolve_problem`: sites and fleet tranches, tenants and the
(site, tenant) offers, quarterly grid, regulation effects, budgets, per-MW hosting
coefficients) -> scenario coefficients (:mod:`~hashpivot.optimize.scenarios`: per-path
mining value of each tranche from the pivot cash-flow code, tenants' signings; chunks,
locally or on Dask: :mod:`hashpivot.executors`) -> the sample-average model
(:mod:`~hashpivot.optimize.model`, ``define_*`` functions on the sparse container) ->
HiGHS (:mod:`~hashpivot.optimize.solve`) -> :class:`PlanResult` with the plan valued
beside keep-mining and the simple strategies on the same scenarios, VSS, EVPI, the
two-stage bound, out-of-sample NPV, shadow prices and the rules that bind
(:mod:`~hashpivot.optimize.evaluate`).

Modules, one concern each: :mod:`~hashpivot.optimize.coefficients` (the adapter to the
pivot valuation), :mod:`hashpivot.regulation` (rules -> effects, shared with pivot),
:mod:`~hashpivot.optimize.inputs` (with :mod:`~hashpivot.optimize.committed_entries` and
:mod:`~hashpivot.optimize.committed_budget`: the committed conversions checked),
:mod:`~hashpivot.optimize.scenarios`, :mod:`~hashpivot.optimize.scenario_npv` (each
scenario's NPV of a plan), :mod:`~hashpivot.optimize.model` (with
:mod:`~hashpivot.optimize.displacement_order`: which machines a conversion displaces),
:mod:`~hashpivot.optimize.solve`, :mod:`~hashpivot.optimize.strategies`,
:mod:`~hashpivot.optimize.evaluate`, :mod:`~hashpivot.optimize.results` and
:mod:`~hashpivot.optimize.run` (:func:`optimize_plan`).
"""

from __future__ import annotations

from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.model import ObjectiveSpec, build_plan_model
from hashpivot.optimize.resolve import resolve_problem
from hashpivot.optimize.results import PlanResult, StrategyValue, cvar_usd
from hashpivot.optimize.run import OptimizeConfig, optimize_plan
from hashpivot.optimize.solve import SolveReport

__all__ = [
    "ObjectiveSpec",
    "OptimizeConfig",
    "PlanProblem",
    "PlanResult",
    "SolveReport",
    "StrategyValue",
    "build_plan_model",
    "cvar_usd",
    "optimize_plan",
    "resolve_problem",
]
