"""Valuing plans: fixed plans, EVPI, the two-stage bound, shadow prices, binding rules.

* :func:`value_fixed`: a given conversion array on the same scenarios (only the choice of
  tranches displaced is optimized); infeasible plans (budget, build capacity) are flagged.
* :func:`evpi_usd`: expected value of perfect information, ``E_k[max_x NPV_k(x)] -
  E_k[NPV_k(x*)]`` with ``x*`` the risk-neutral SAA plan, estimated on the first
  ``n`` scenarios (one MILP each, to a 1 % gap: the estimate errs low by at most that).
* :func:`two_stage_bound_usd`: the LP relaxation of the two-stage model in which
  decisions from ``[optimize].two_stage_after_years`` on are taken per scenario (the first
  year is shared): an upper bound on the objective of any plan that reacts to the paths,
  not a plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from hashpivot.arrays import FloatArray
from hashpivot.exceptions import SolverError
from hashpivot.optimize.displacement_order import least_efficient_first, spare_first
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.model import (
    USD_SCALE,
    ObjectiveSpec,
    PlanModel,
    build_plan_model,
    cvar_tail,
)
from hashpivot.optimize.scenario_npv import (
    floor_scenarios,
    scenario_npv_usd,
    scenario_terminal_value_usd,
)
from hashpivot.optimize.scenarios import ScenarioCoefficients
from hashpivot.optimize.scenarios import subset_of as subset
from hashpivot.optimize.solve import SolveStoppedError, solve_model
from hashpivot.power.lp import LinearModel
from hashpivot.regulation import SiteRuleEffects, describe_effect

#: MIP gap of the perfect-information solves (an estimate: 1 % is enough). [-]
EVPI_GAP = 0.01
#: Largest two-stage model built (scenarios x columns per scenario). [-]
TWO_STAGE_MAX_COLUMNS = 400_000


@dataclass
class FixedValue:
    """A fixed plan valued on the scenarios."""

    name: str
    npv_usd: FloatArray
    feasible: bool
    conversion_mw: FloatArray
    objective_usd: float
    terminal_value_usd: FloatArray  # (K,) the terminal value in npv_usd [USD]
    reason: str = ""  # why it has no value: the limits it breaks, or how its solve stopped


def value_fixed(
    p: PlanProblem, c: ScenarioCoefficients, obj: ObjectiveSpec, name: str, x_mw: FloatArray,
    *, time_limit_s: float,
) -> FixedValue:
    """NPV per scenario of the conversions ``x_mw`` (O, Q) [MW], its solve stopped at
    ``time_limit_s`` [s] (the run's ``time_limit_s``, as each of its solves)."""
    pm = build_plan_model(p, c, obj, fixed_conversion_mw=x_mw)
    try:
        sol, rep = solve_model(pm.m, pm.integer, 0.0, time_limit_s)
    except SolverError as exc:
        nan = np.full(c.n_scenarios, np.nan)
        reason = ("; ".join(broken_limits(p, pm, x_mw)) or str(exc)
                  if not isinstance(exc, SolveStoppedError) else
                  f"its valuation {exc} (time_limit_s {time_limit_s:g} s)")
        return FixedValue(name, nan, False, x_mw, float("nan"), nan, reason)
    npv = scenario_npv_usd(p, c, pm.npv_matrix_usd, sol[pm.npv_cols])
    tv = scenario_terminal_value_usd(p, c, sol[pm.npv_cols])
    base = (1.0 - obj.risk_aversion) * float(c.baseline_npv_usd.mean())
    return FixedValue(name, npv, True, x_mw, -rep.objective * USD_SCALE + base, tv)


def evpi_usd(
    p: PlanProblem,
    c: ScenarioCoefficients,
    obj: ObjectiveSpec,
    npv_usd: FloatArray,
    n: int,
    gap: float,
    time_limit_s: float,
) -> tuple[float, int, int]:
    """EVPI estimated on the first ``n`` scenarios, and how many of its solves HiGHS
    stopped before proving optimal, of how many.

    ``npv_usd`` is the main plan's NPV per scenario; with risk aversion the risk-neutral
    plan is solved first (EVPI is a risk-neutral notion). A wait-and-see solve stopped
    short understates its scenario's gain; the risk-neutral plan stopped short overstates
    every gain.

    Returns
    -------
    evpi : float
        [USD]
    stopped : int
        Solves that ended without a proven optimum (their time limit). [-]
    solves : int
        Solves run. [-]
    """
    neutral = ObjectiveSpec(0.0, obj.alpha)
    stopped = solves = 0
    if obj.risk_aversion > 0:
        pm = build_plan_model(p, c, neutral)
        sol, report = solve_model(pm.m, pm.integer, 0.0, time_limit_s, gap)
        stopped, solves = int(report.status != "ok"), 1
        npv_usd = scenario_npv_usd(p, c, pm.npv_matrix_usd, sol[pm.npv_cols])
    k = min(n, c.n_scenarios)
    gains = np.empty(k)
    for i in range(k):
        ci = subset(c, [i])
        pm = build_plan_model(p, ci, neutral)
        sol, report = solve_model(pm.m, pm.integer, 0.0, time_limit_s, max(gap, EVPI_GAP))
        stopped, solves = stopped + int(report.status != "ok"), solves + 1
        ws = float(scenario_npv_usd(p, ci, pm.npv_matrix_usd, sol[pm.npv_cols])[0])
        gains[i] = max(0.0, ws - float(npv_usd[i]))
    return float(gains.mean()), stopped, solves


def two_stage_bound_usd(
    p: PlanProblem, c: ScenarioCoefficients, obj: ObjectiveSpec, time_limit_s: float
) -> tuple[float, str]:
    """Objective of the two-stage LP relaxation, and where HiGHS stopped its LP when not
    at the optimum.

    Returns
    -------
    bound : float
        [USD]; NaN when the model is too large to build, HiGHS finds no solution, or it
        stops short (its time limit): a point of the relaxation short of its optimum
        bounds nothing.
    stopped : str
        HiGHS's termination condition when it stopped short, else ``""``.
    """
    k = c.n_scenarios
    first = min(p.n_quarters, math.ceil(4 * p.spec.two_stage_after_years))
    sites, ordered = spare_first(p, c), least_efficient_first(p, c)
    floor = bool(floor_scenarios(p, c).any())  # the same columns in every scenario's model
    models = [build_plan_model(p, subset(c, [i]), ObjectiveSpec(0.0, obj.alpha),
                               spare_first_sites=sites, ordered_sites=ordered,
                               sga_floor=floor)
              for i in range(k)]
    n_col = models[0].m.n_col
    if k * n_col > TWO_STAGE_MAX_COLUMNS or k < 2:
        return float("nan"), ""
    arrays = [pm.m.arrays() for pm in models]
    mat = sp.block_diag([pm.m.matrix() for pm in models], format="coo")
    lam = obj.risk_aversion
    cost = np.concatenate([a["col_cost"] for a in arrays]) / k
    m = LinearModel(n_intervals=0)
    m.add_variables("scenario", np.concatenate([a["col_lower"] for a in arrays]),
                    np.concatenate([a["col_upper"] for a in arrays]), cost, n=k * n_col)
    m.add_constraints(
        "scenario-model-range", mat.shape[0], [(mat.row, mat.col, mat.data)],
        np.concatenate([a["row_lower"] for a in arrays]),
        np.concatenate([a["row_upper"] for a in arrays]),
    )
    x0 = models[0].m.variables["conversion"].reshape(p.n_offers, p.n_quarters)[:, :first].ravel()
    rows = np.arange((k - 1) * x0.size)
    cols_k = (np.arange(1, k)[:, None] * n_col + x0[None, :]).ravel()
    cols_0 = np.tile(x0, k - 1)
    m.add_constraints("conversion-nonanticipative-eq", rows.size,
                      [(rows, cols_k, 1.0), (rows, cols_0, -1.0)], 0.0, 0.0)
    if lam > 0:
        eta = m.add_variables("cvar_threshold", -np.inf, np.inf, -lam, n=1)
        s = m.add_variables("cvar_shortfall", 0.0, np.inf, lam / cvar_tail(k, obj.alpha), n=k)
        terms = [(np.arange(k), s, 1.0), (np.arange(k), np.repeat(eta, k), -1.0)]
        for i, pm in enumerate(models):
            a = pm.npv_matrix_usd[0] / USD_SCALE
            nz = np.flatnonzero(a)
            terms.append((np.full(nz.size, i), i * n_col + pm.npv_cols[nz], a[nz]))
            g = pm.m.variables["sga_floor"]  # (one column, or none)
            terms.append((np.full(g.size, i), i * n_col + g, 1.0))
        m.add_constraints("cvar_shortfall-scenario-lower", k, terms,
                          -c.baseline_npv_usd / USD_SCALE, np.inf)
    try:
        _, rep = solve_model(m, False, 0.0, time_limit_s, 0.0)
    except SolverError:
        return float("nan"), ""
    if rep.status != "ok":
        return float("nan"), rep.termination_condition
    base = (1.0 - lam) * float(c.baseline_npv_usd.mean())
    return -rep.objective * USD_SCALE + base, ""


def plan_frame(p: PlanProblem, x_mw: FloatArray) -> pd.DataFrame:
    """The conversions of a plan, one row per (site, quarter, tenant); the operator capex
    is the whole build's, also where part of it falls after the horizon."""
    o, q = np.nonzero(x_mw > 1e-6)
    capex = p.capex_total_usd_per_mw[o, q] * x_mw[o, q]  # the whole build
    fixed_q = (
        np.array([p.x_upper_mw[:, j].sum() > 0 and np.allclose(p.x_upper_mw[:, j],
                                                               p.x_lower_mw[:, j])
                  for j in range(p.n_quarters)])
        if p.fixed_through is not None else np.zeros(p.n_quarters, bool)
    )
    df = pd.DataFrame(
        {
            "site": [p.sites[p.offer_site[i]].name for i in o],
            "quarter": [p.quarters[j] for j in q],
            "start_month": [p.quarter_start_months[j] for j in q],
            "gross_mw": x_mw[o, q],
            "it_mw": x_mw[o, q] / p.offer_pue[o],
            "tenant": [p.tenants[p.offer_tenant[i]].name for i in o],
            "operator_capex_usd": capex,
            "committed": fixed_q[q] if q.size else np.zeros(0, bool),
        }
    )
    return df.sort_values(["quarter", "site", "tenant"], kind="stable").reset_index(drop=True)


_PRICE_BLOCKS = {
    "conversion-budget-upper": ("equity capex budget", "USD per USD"),
    "conversion-debt-upper": ("debt capacity", "USD per USD"),
    "conversion-build-upper": ("build capacity", "USD per MW"),
    "conversion-tenant-upper": ("tenant demand", "USD per IT MW"),
    "conversion-interconnection-upper": ("interconnection", "USD per MW"),
    "conversion-regulation-upper": ("regulatory cap", "USD per MW"),
}


def _limit_labels(p: PlanProblem) -> dict[str, list[str]]:
    """Where each row of the limits' blocks (:data:`_PRICE_BLOCKS`) applies: a model year,
    the horizon, a quarter, a tenant, a site."""
    finite_t = [t.name for t in p.tenants if math.isfinite(t.it_mw)]
    years = [f"year {y + 1}" for y in np.flatnonzero(np.isfinite(p.budget_usd_per_year))]
    capped = [p.sites[s].name for s in np.flatnonzero(np.isfinite(p.rule_cap_mw))]
    return {
        "conversion-budget-upper": years,
        "conversion-debt-upper": ["horizon"],
        "conversion-build-upper": list(p.quarters),
        "conversion-tenant-upper": finite_t,
        "conversion-interconnection-upper": [s.name for s in p.sites],
        "conversion-regulation-upper": capped,
    }


def broken_limits(p: PlanProblem, pm: PlanModel, x_mw: FloatArray) -> list[str]:
    """The limits the conversions ``x_mw`` (O, Q) [MW] break, read from the model's own
    rows (:data:`_PRICE_BLOCKS`: budget, debt, build capacity, tenant demand,
    interconnection, a rule's cap), each as ``<limit> at <where>: <used>, above the
    <upper> allowed`` (M USD for money, MW, IT MW for a tenant); a site's rule fee is in
    its budget row when the site converts (``site_started`` 1)."""
    a = pm.m.arrays()
    v = np.zeros(pm.m.n_col)
    v[pm.m.variables["conversion"]] = np.asarray(x_mw, dtype=float).ravel() / p.unit_mw
    converts = np.bincount(p.offer_site, weights=np.asarray(x_mw).sum(axis=1),
                           minlength=p.n_sites) > 1e-9
    v[pm.m.variables["site_started"]] = converts & (p.site_cost_usd > 0)
    used = pm.m.matrix() @ v
    labels = _limit_labels(p)
    units = {"USD per USD": "M USD", "USD per MW": "MW", "USD per IT MW": "IT MW"}
    out = []
    for block, (what, unit) in _PRICE_BLOCKS.items():
        sl = pm.m.constraints.get(block)
        if sl is None:
            continue
        for i, (u, hi) in enumerate(zip(used[sl], a["row_upper"][sl], strict=True)):
            if u > hi + 1e-6 * max(1.0, abs(hi)):
                out.append(f"{what} at {labels[block][i]}: {u:,.4g} {units[unit]}, above the "
                           f"{hi:,.4g} {units[unit]} allowed")
    return out


def shadow_price_frame(p: PlanProblem, pm: PlanModel, row_dual: FloatArray) -> pd.DataFrame:
    """Non-zero shadow prices of the limits, from the LP relaxation.

    A price is the objective gained per unit more of the limit: ``USD per USD`` for money
    rows (the objective is in M USD, so are their right-hand sides), ``USD per MW``
    otherwise.
    """
    labels = _limit_labels(p)
    rows = []
    for block, (what, unit) in _PRICE_BLOCKS.items():
        sl = pm.m.constraints.get(block)
        if sl is None:
            continue
        duals = -row_dual[sl]
        scale = 1.0 if unit == "USD per USD" else USD_SCALE
        for i, d in enumerate(duals):
            if np.isfinite(d) and abs(d) > 1e-9:
                rows.append({"constraint": block, "limit": what, "label": labels[block][i],
                             "shadow_price": float(d * scale), "unit": unit})
    return pd.DataFrame(rows, columns=["constraint", "limit", "label", "shadow_price", "unit"])


def _quarter_span(p: PlanProblem, quarters: list[int]) -> str:
    """``2026Q1``, ``4 quarters (2026Q1-2026Q4)`` for consecutive sorted quarter indices,
    ``2 quarters (2025Q4, 2026Q2)`` for others."""
    labels = [str(p.quarters[q]) for q in quarters]
    if len(labels) == 1:
        return labels[0]
    if quarters[-1] - quarters[0] == len(quarters) - 1:
        return f"{len(labels)} quarters ({labels[0]}-{labels[-1]})"
    return f"{len(labels)} quarters ({', '.join(labels)})"


def _quarters_barred_by(p: PlanProblem, eff: SiteRuleEffects, effect: str, rule_id: str
                        ) -> npt.NDArray[np.bool_]:
    """(Q,) the quarters in which the site's rule ``rule_id`` bars a start: the first
    ``delay_quarters`` for a study delay, those whose first day its window holds for a
    ban (each ban its own window)."""
    if effect == "study_delay_quarters":
        return np.arange(p.n_quarters) < eff.delay_quarters
    days = [pd.Period(m, freq="M").start_time.date() for m in p.quarter_start_months]
    return np.array([any(b.covers(d) for b in eff.conversion_bans if b.rule_id == rule_id)
                     for d in days], dtype=bool)


def binding_rules(
    p: PlanProblem, pm: PlanModel, x_mw: FloatArray, col_dual: FloatArray,
    c: ScenarioCoefficients,
) -> pd.DataFrame:
    """Every applicable rule per site, whether it binds in this plan, on what and why.

    ``binds_on`` is ``"plan"`` when the rule restricts a decision this plan would take (a
    start quarter the LP relaxation would use: a negative reduced cost; a MW cap reached),
    ``"value"`` when it changes the plan's value without a restriction shown on its
    decisions (a fee paid; no fleet replacement where mining continues: the plan may or
    may not differ without the rule, which only a solve without it tells), ``""`` when it
    does neither; ``binds`` is whether it is either. ``what`` is what the rule does in
    pivot's words (:func:`~hashpivot.regulation.describe_effect`: an obligation's summary
    too), ``detail`` what it does in this plan (empty for an obligation).
    """
    x_cols = pm.m.variables["conversion"].reshape(p.n_offers, p.n_quarters)
    rows = []
    for s, eff in enumerate(p.effects):
        offers = np.flatnonzero(p.offer_site == s)
        converted = float(x_mw[offers].sum())
        mining_left = p.tranche_mw[s, 1:].sum() > 0 and converted < p.site_limit_mw[s] + (
            p.tranche_mw[s, 1:].sum() - 1e-6)
        for r in eff.rules:
            on, detail = "", ""
            if r.effect == "forbid_new_mining":
                replaces = (p.pivot_spec.fleet_replacement_years is not None
                            and p.sites[s].fleet_replacement)
                on = "value" if replaces and mining_left else ""
                detail = ("the mining value is without the replacement [pivot] "
                          "fleet_replacement_years would make" if on
                          else "no fleet replacement was planned")
            elif r.effect in ("forbid_conversion", "study_delay_quarters"):
                mine = _quarters_barred_by(p, eff, r.effect, r.rule_id)
                barred = [(o, q) for o in offers
                          for q in range(p.tenants[p.offer_tenant[o]].earliest_quarter,
                                         p.n_quarters)
                          if mine[q] and p.x_upper_mw[o, q] == 0]
                rc = (col_dual[np.array([x_cols[o, q] for o, q in barred], dtype=np.int64)]
                      if barred else np.zeros(0))
                wanted = [oq for oq, d in zip(barred, rc, strict=True) if d < -1e-9]
                on = "plan" if wanted else ""
                quarters = sorted({q for _, q in wanted})
                tenants = sorted({p.tenants[p.offer_tenant[o]].name for o, _ in wanted})
                detail = (
                    f"keeps out starts in {_quarter_span(p, quarters)} that the LP "
                    f"relaxation would use ({', '.join(tenants)})" if wanted
                    else "the plan would not start earlier")
            elif r.effect == "cap_mw":
                on = "plan" if converted >= r.value - 1e-6 else ""
                detail = f"{converted:g} of {r.value:g} MW converted"
            elif r.effect == "add_cost_usd":
                on = "value" if converted > 0 else ""
                detail = f"{r.value:,.0f} USD paid" if on else "not paid (no conversion)"
            rows.append({
                "site": p.sites[s].name, "rule_id": r.rule_id, "effect": r.effect,
                "value": r.value, "binds": bool(on), "binds_on": on,
                "what": describe_effect(r.effect, r.value, r.summary), "detail": detail,
                "jurisdiction": r.jurisdiction, "source": r.source, "summary": r.summary,
            })
    cols = ["site", "rule_id", "effect", "value", "binds", "binds_on", "what", "detail",
            "jurisdiction", "source", "summary"]
    del c
    return pd.DataFrame(rows, columns=cols)
