"""The results of a plan: :class:`PlanResult` and its JSON form.

NPVs are of unlevered free cash flow of the whole portfolio (keep-mining included), at
``[pivot].discount_rate``, per scenario; CVaR95 is the mean of the worst
``ceil(alpha K)`` scenarios (as the risk engine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.optimize.solve import SolveReport
from hashpivot.optimize.strategies import COMMITTED_ONLY
from hashpivot.risk_measures import cvar
from hashpivot.sampling_error import (
    Z95,
    ci95_half,
    cvar_ci95_half,
    cvar_difference_ci95_half,
    tail_size,
)


def cvar_usd(npv_usd: FloatArray, alpha: float = 0.05) -> float:
    """Mean of the worst ``ceil(alpha n)`` values (expected shortfall as a level,
    :func:`hashpivot.risk_measures.cvar`). [USD]"""
    return cvar(npv_usd, alpha)


def sampling_check(in_sample_usd: FloatArray, out_of_sample_usd: FloatArray,
                   z: float = Z95) -> dict[str, Any]:
    """Whether the scenarios are enough to act on a plan's value over keep-mining.

    ``verdict`` is ``"gain"`` or ``"loss"`` when the normal ``z`` interval of the
    out-of-sample mean lies above or below zero, ``"not significant"`` when it contains
    zero (the plan may not beat keep-mining), ``None`` without an interval (one path).
    ``optimism_usd`` is the in-sample mean minus the out-of-sample mean and
    ``optimism_se_usd`` its standard error, ``sqrt(s_in^2/K + s_out^2/N)`` (two
    independent samples, Welch's); ``fitted`` is true when the in-sample mean exceeds the
    out-of-sample one by more than ``z`` standard errors: the plan is fitted to the
    scenarios it was chosen on (the optimizer's curse of sample average approximation).
    Both intervals narrow as ``1/sqrt(n)``.

    Parameters
    ----------
    in_sample_usd : ndarray (K,)
        The plan's NPV minus keep-mining's on each scenario the plan was chosen on. [USD]
    out_of_sample_usd : ndarray (N,)
        The same on the paths of another seed. [USD]
    z : float
        Normal quantile of the interval and of the test (``Z95``: 95 %). [-]

    Returns
    -------
    dict
        ``verdict``, ``n_in_sample``, ``n_out_of_sample``, ``optimism_usd`` [USD],
        ``optimism_se_usd`` [USD] (NaN with fewer than two paths on a side), ``fitted``.
    """
    inside = np.asarray(in_sample_usd, dtype=float)
    outside = np.asarray(out_of_sample_usd, dtype=float)
    verdict = None
    if outside.size > 1:
        mean, half = float(outside.mean()), ci95_half(outside, z)
        verdict = ("gain" if mean - half > 0.0 else "loss" if mean + half < 0.0
                   else "not significant")
    se = optimism = float("nan")
    if inside.size > 1 and outside.size > 1:
        se = math.sqrt(float(inside.var(ddof=1)) / inside.size
                       + float(outside.var(ddof=1)) / outside.size)
        optimism = float(inside.mean() - outside.mean())
    return {
        "verdict": verdict,
        "n_in_sample": int(inside.size),
        "n_out_of_sample": int(outside.size),
        "optimism_usd": optimism,
        "optimism_se_usd": se,
        "fitted": bool(se > 0.0 and optimism > z * se),
    }


@dataclass
class StrategyValue:
    """A plan's NPV on the in-sample scenarios.

    Attributes
    ----------
    name : str
    npv_usd : ndarray (K,)
        NPV per scenario (NaN when infeasible). [USD]
    feasible : bool
    conversion_mw : ndarray (O, Q)
        Its conversions. [MW]
    terminal_value_usd : ndarray (K,)
        The terminal value in ``npv_usd`` (NaN when infeasible). [USD]
    infeasible_reason : str
        Why it has no value: the limits it breaks (the model's rows:
        :func:`~hashpivot.optimize.evaluate.broken_limits`) or how its solve stopped;
        ``""`` when feasible.
    """

    name: str
    npv_usd: FloatArray
    feasible: bool
    conversion_mw: FloatArray
    terminal_value_usd: FloatArray
    infeasible_reason: str = ""

    @property
    def expected_npv_usd(self) -> float:
        """[USD]"""
        return float(np.mean(self.npv_usd)) if self.feasible else float("nan")

    @property
    def expected_terminal_value_usd(self) -> float:
        """[USD]"""
        return float(np.mean(self.terminal_value_usd)) if self.feasible else float("nan")

    @property
    def expected_npv_ci95_half_usd(self) -> float:
        """Half-width of the 95 % sampling interval of ``expected_npv_usd``
        (:func:`~hashpivot.sampling_error.ci95_half` over the scenarios; NaN when
        infeasible or with one scenario). [USD]"""
        return ci95_half(self.npv_usd) if self.feasible else float("nan")


@dataclass
class PlanResult:
    """Everything a plan run returns (echoing its resolved inputs).

    Attributes
    ----------
    plan : pandas.DataFrame
        One row per conversion: ``site, quarter, start_month, gross_mw`` [MW],
        ``it_mw`` [MW], ``tenant``, ``operator_capex_usd`` [USD], ``committed`` (bool).
    npv_usd : ndarray (K,)
        The plan's NPV per in-sample scenario, terminal value included. [USD]
    baseline_npv_usd : ndarray (K,)
        Keep-mining NPV per scenario, terminal value included. [USD]
    terminal_value_usd, baseline_terminal_value_usd : ndarray (K,)
        The terminal value (present value of what lies past the horizon,
        ``[pivot.terminal_value]``) in ``npv_usd`` and ``baseline_npv_usd``. [USD]
    strategies : list of StrategyValue
        The simple strategies on the same scenarios.
    out_of_sample_npv_usd : ndarray
        The plan's NPV per out-of-sample scenario. [USD]
    vss_usd, evpi_usd : float
        Value of the stochastic solution and expected value of perfect information. [USD]
    two_stage_bound_usd : float
        Objective of the two-stage relaxation (decisions after year one per scenario):
        an upper bound on what reacting can add; NaN when not computed. [USD]
    report : SolveReport
    coefficient_seconds : float
        Time to compute the scenario coefficients. [s]
    compile_seconds : float
        Of ``coefficient_seconds``, numba compiling the kernels that draw the scenarios
        and value them, on a first run (0 once cached; :mod:`hashpivot.compile_time`). [s]
    objective_bound_usd : float
        The most any plan's objective reaches (HiGHS's MIP dual bound, in USD as
        ``objective_usd``): the objective when proven optimal. [USD]
    timing_seconds : dict of str to float
        Where the run's time went: ``coefficients``, ``plan_build``, ``plan_solve``, the
        evaluation's ``strategies``, ``expected_value_plan`` (its solve and valuation),
        ``evpi``, ``two_stage_bound``, all of ``evaluation`` (those, out of sample, the
        pivot check, the shadow prices, the rules) and the run's ``total``. [s]
    shadow_prices : pandas.DataFrame
        ``constraint, row, label, shadow_price, unit`` for binding limits (LP relaxation).
    rules : pandas.DataFrame
        Every applicable rule: ``site, rule_id, effect, value, binds, detail, source,
        summary``.
    inputs : dict
        Resolved assumptions.
    center_path_check : dict
        The plan's value over keep-mining on the central path (every volatility zero,
        every tenant signing) in this model (``optimizer_value_over_keep_usd``) and in
        ``pivot`` on the plan portfolio (``npv_vs_keep_usd`` to the horizon,
        ``npv_with_tv_vs_keep_usd``, ``npv_after_tax_with_tv_vs_keep_usd`` or None), by
        :func:`hashpivot.optimize.plan_portfolio.pivot_value_of_plan`. [USD]
    """

    plan: pd.DataFrame
    npv_usd: FloatArray
    baseline_npv_usd: FloatArray
    strategies: list[StrategyValue]
    out_of_sample_npv_usd: FloatArray
    vss_usd: float
    evpi_usd: float
    two_stage_bound_usd: float
    report: SolveReport
    coefficient_seconds: float
    shadow_prices: pd.DataFrame
    rules: pd.DataFrame
    objective_usd: float
    terminal_value_usd: FloatArray
    baseline_terminal_value_usd: FloatArray
    out_of_sample_baseline_npv_usd: FloatArray = field(
        default_factory=lambda: np.zeros(0)
    )
    alpha: float = 0.05
    compile_seconds: float = 0.0
    objective_bound_usd: float = float("nan")
    timing_seconds: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    center_path_check: dict[str, Any] = field(default_factory=dict)

    @property
    def expected_npv_usd(self) -> float:
        """[USD]"""
        return float(np.mean(self.npv_usd))

    @property
    def best_simple(self) -> StrategyValue:
        """The feasible simple strategy with the highest expected NPV; with committed
        conversions (a ``committed_only`` row) ``keep_mining`` is the baseline, not a
        strategy still open."""
        committed = any(s.name == COMMITTED_ONLY for s in self.strategies)
        feas = [s for s in self.strategies
                if s.feasible and not (committed and s.name == "keep_mining")]
        return max(feas, key=lambda s: s.expected_npv_usd)

    def out_of_sample_interval_usd(
        self, z: float = Z95, over_baseline: bool = False
    ) -> tuple[float, float, float]:
        """Mean and a normal 95 % confidence interval of the out-of-sample NPV, or of the
        plan's value over keep-mining on the same paths (a paired difference, far
        narrower: the BTC upside of the mining MW kept is common to both). [USD]"""
        v = self.out_of_sample_npv_usd
        if over_baseline:
            v = v - self.out_of_sample_baseline_npv_usd
        if v.size == 0:
            return (float("nan"),) * 3
        mean, half = float(v.mean()), ci95_half(v, z)
        return mean, mean - half, mean + half

    def out_of_sample_cvar_usd(self, alpha: float = 0.05) -> dict[str, Any]:
        """CVaR of the plan and of keep-mining on the out-of-sample paths, and the
        difference, each with the half-width of its 95 % interval (asymptotic,
        :func:`~hashpivot.sampling_error.cvar_ci95_half`; the difference paired on the same
        paths, :func:`~hashpivot.sampling_error.cvar_difference_ci95_half`), and
        ``tail_paths``, how many paths the tail holds (with fewer than about 20 the
        intervals are too narrow), and ``alpha``, the tail's share. NaN without a tail of
        two paths. [USD]"""
        plan = np.asarray(self.out_of_sample_npv_usd, dtype=float)
        keep = np.asarray(self.out_of_sample_baseline_npv_usd, dtype=float)
        if plan.size == 0 or keep.size != plan.size:
            nan = float("nan")
            return {"plan": nan, "plan_ci95_half": nan, "baseline": nan,
                    "baseline_ci95_half": nan, "difference": nan,
                    "difference_ci95_half": nan, "tail_paths": 0, "n_scenarios": 0,
                    "alpha": alpha}
        plan_cvar, keep_cvar = cvar(plan, alpha), cvar(keep, alpha)
        return {
            "plan": plan_cvar,
            "plan_ci95_half": cvar_ci95_half(plan, alpha),
            "baseline": keep_cvar,
            "baseline_ci95_half": cvar_ci95_half(keep, alpha),
            "difference": plan_cvar - keep_cvar,
            "difference_ci95_half": cvar_difference_ci95_half(plan, keep, alpha),
            "tail_paths": tail_size(plan.size, alpha),
            "n_scenarios": int(plan.size),
            "alpha": alpha,
        }

    def sampling_check(self, z: float = Z95) -> dict[str, Any]:
        """:func:`sampling_check` of the plan's value over keep-mining per path, in sample
        and out of sample."""
        return sampling_check(self.npv_usd - self.baseline_npv_usd,
                              self.out_of_sample_npv_usd - self.out_of_sample_baseline_npv_usd,
                              z)

    def resolved_assumptions(self) -> list[dict[str, Any]]:
        """The assumptions that can flip the plan, each with its source
        (:func:`hashpivot.optimize.assumptions.resolved_assumptions`)."""
        from hashpivot.optimize.assumptions import resolved_assumptions

        return resolved_assumptions(self.inputs)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object (NaN as null by the serializer)."""
        best = self.best_simple
        oos, lo, hi = self.out_of_sample_interval_usd()
        binding = self.rules[self.rules["binds"]] if len(self.rules) else self.rules
        return {
            "plan": self.plan.to_dict("records"),
            "expected_npv_usd": self.expected_npv_usd,
            # the sampling error of the mean of K scenarios (simulate's "mean ±")
            "expected_npv_ci95_half_usd": ci95_half(self.npv_usd),
            "expected_npv_baseline_usd": float(np.mean(self.baseline_npv_usd)),
            "expected_terminal_value_usd": float(np.mean(self.terminal_value_usd)),
            "expected_terminal_value_baseline_usd": float(
                np.mean(self.baseline_terminal_value_usd)),
            "best_simple_strategy": best.name,
            "expected_npv_best_simple_usd": best.expected_npv_usd,
            "value_over_baseline_usd": self.expected_npv_usd - float(np.mean(
                self.baseline_npv_usd)),
            "value_over_best_simple_usd": self.expected_npv_usd - best.expected_npv_usd,
            "out_of_sample_npv_usd": {
                "mean": oos,
                "ci95_low": lo,
                "ci95_high": hi,
                "n_scenarios": int(self.out_of_sample_npv_usd.size),
            },
            "out_of_sample_value_over_baseline_usd": dict(zip(
                ("mean", "ci95_low", "ci95_high"),
                self.out_of_sample_interval_usd(over_baseline=True), strict=True,
            )),
            # the tail the plan was chosen for ([optimize] cvar_alpha), out of sample
            "out_of_sample_cvar_usd": self.out_of_sample_cvar_usd(self.alpha),
            "in_sample_value_over_baseline_usd": self.expected_npv_usd
            - float(np.mean(self.baseline_npv_usd)),
            "sampling_check": self.sampling_check(),
            "objective_usd": self.objective_usd,
            "objective_bound_usd": self.objective_bound_usd,
            "vss_usd": self.vss_usd,
            "evpi_usd": self.evpi_usd,
            "two_stage_bound_usd": self.two_stage_bound_usd,
            "cvar95_usd": cvar_usd(self.npv_usd, 0.05),
            # the CVaR the objective weighs, at [optimize] cvar_alpha (CVaR95 at 0.05)
            "objective_cvar_usd": cvar_usd(self.npv_usd, self.alpha),
            "npv_p5_usd": float(np.percentile(self.npv_usd, 5)),
            "npv_p50_usd": float(np.percentile(self.npv_usd, 50)),
            "npv_p95_usd": float(np.percentile(self.npv_usd, 95)),
            "status": self.report.status,
            "termination_condition": self.report.termination_condition,
            "solver": self.report.solver,
            "mip_gap": self.report.mip_gap,
            "coefficient_seconds": self.coefficient_seconds,
            # of it: numba compiling its kernels in this process (0 once cached)
            "compile_seconds": self.compile_seconds,
            "build_seconds": self.report.build_seconds,
            "solve_seconds": self.report.solve_seconds,
            "timing_seconds": dict(self.timing_seconds),
            "n_variables": self.report.n_variables,
            "n_constraints": self.report.n_constraints,
            "n_nonzeros": self.report.n_nonzeros,
            "strategies": {
                s.name: {
                    "feasible": s.feasible,
                    "expected_npv_usd": s.expected_npv_usd,
                    "expected_npv_ci95_half_usd": (s.expected_npv_ci95_half_usd
                                                   if s.feasible else None),
                    "expected_terminal_value_usd": s.expected_terminal_value_usd,
                    "cvar95_usd": cvar_usd(s.npv_usd, 0.05) if s.feasible else None,
                    "converted_mw": float(s.conversion_mw.sum()),
                    "infeasible_reason": None if s.feasible else s.infeasible_reason,
                }
                for s in self.strategies
            },
            "center_path_check": self.center_path_check,
            "binding_rules": binding.to_dict("records"),
            "applicable_rules": self.rules.to_dict("records"),
            "shadow_prices": self.shadow_prices.to_dict("records"),
            "warnings": self.warnings,
            "resolved_assumptions": self.resolved_assumptions(),
            "assumptions": self.inputs,
        }
