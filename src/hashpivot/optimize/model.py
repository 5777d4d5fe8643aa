"""The decision model, built PyPSA-style: one ``define_*`` per family, numpy index arrays.

Variables (blocks of the sparse container; empty blocks exist, so no code tests for them):

====================  ====================================================  ==============
block                 meaning [unit]                                        bounds
====================  ====================================================  ==============
``conversion``        hall blocks (or MW) of offer o starting in quarter q  bounds of the
                      (``unit_mw`` MW each) [block]                         problem
``displaced``         MW of tranche j of the offer's site displaced by the  ``0 .. MW_j``
                      offer's quarter-q conversion [MW]
``spare_exhausted``   1 once a site's spare capacity is converted [-]       binary
``tranche_exhausted`` 1 once a site's k least efficient tranches are        binary
                      displaced [-]
``site_started``      1 when a site with a rule cost converts [-]            binary
``sga_floor``         what pivot's floor of the mining line (net of the cash  ``0 .. max``
                      SG&A) adds to scenario k's NPV [M USD]
``sga_floor_on``      1 where the plan's machines kept no longer cover the    binary
                      SG&A in scenario k [-]
``cvar_threshold``    value-at-risk level of the CVaR [M USD]                free
``cvar_shortfall``    shortfall of scenario k below the threshold [M USD]    ``>= 0``
``tenant_hosting``    hosting value of a tenant's conversions, where it      free
                      signs [M USD] (the factored CVaR rows)
``pattern_displaced`` MW of a site's tranche displaced in a quarter by the  ``>= 0``
                      tenants signing in a pattern of the scenarios [MW]
                      (the factored CVaR rows)
====================  ====================================================  ==============

Constraints, named ``"{variable}-{rule}-{bound}"``:

* ``displaced-balance-eq``: each converted MW displaces spare capacity or a fleet tranche;
* ``displaced-tranche-upper``: a tranche is displaced at most once;
* ``displaced-spare-lower``, ``displaced-sparefill-lower``: spare capacity is converted
  before miners are displaced, as in the pivot model
  (:func:`~hashpivot.optimize.displacement_order.define_spare_first`);
* ``displaced-order-lower``, ``displaced-orderfill-lower``: the fleet tranches are
  displaced least efficient first, as in the pivot model, where the model could do
  otherwise (:func:`~hashpivot.optimize.displacement_order.define_least_efficient_first`);
* ``conversion-interconnection-upper``: MW converted at a site <= min(convertible,
  ``capacity_mw``);
* ``conversion-regulation-upper``: MW converted <= a rule's cap;
* ``conversion-build-upper``: MW starting construction in a quarter <= build capacity;
* ``conversion-tenant-upper``: critical IT MW leased to a tenant <= its demand;
* ``conversion-budget-upper``: operator equity capex of a model year <= its budget (the
  years after the horizon in which a late hall is still paid for included; the rules'
  site costs, paid in the horizon's first month, in the first year's);
* ``conversion-debt-upper``: project debt of the plan's builds, whole, <= debt capacity;
* ``site_started-cost-upper``: a site converts only if it pays its rule costs;
* ``sga_floor-forgone-upper``, ``sga_floor-on-upper``: the floor of the mining line
  (:func:`define_sga_floor`), in the scenarios where a plan can reach it;
* ``cvar_shortfall-scenario-lower``: shortfall_k >= threshold - NPV_k, NPV_k factored
  by the tenants' signings where that has fewer nonzeros, with the rows defining its
  columns, ``tenant_hosting-def-eq`` and ``pattern_displaced-def-eq``
  (:mod:`hashpivot.optimize.scenario_rows`).

Objective (maximized; HiGHS minimizes its negative), in M USD:
``(1 - lambda) E[NPV] + lambda CVaR_alpha(NPV)`` with the Rockafellar-Uryasev form
``CVaR = threshold - sum_k shortfall_k / m``, ``m = ceil(alpha K)`` (:func:`cvar_tail`):
at the optimum the mean of the worst ``m`` scenarios, the CVaR the results report
(:func:`hashpivot.risk_measures.cvar`), also where ``alpha K`` is not whole.
``NPV_k = baseline_k + sum over offers of signed_k,l x (hosting NPV x MW - mining lost on
the MW displaced) - rule costs + sga_floor_k``, each term with its terminal value
(:mod:`hashpivot.optimize.terminal`); the map and the floor are
:mod:`hashpivot.optimize.scenario_npv`'s, the displacement order's rows
:mod:`hashpivot.optimize.displacement_order`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.optimize.displacement_order import (
    define_least_efficient_first,
    define_spare_first,
    least_efficient_first,
    spare_first,
)
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.optimize.scenario_npv import (
    floor_scenarios,
    mining_terminal_matrix,
    scenario_npv_matrix,
)
from hashpivot.optimize.scenario_rows import scenario_npv_terms
from hashpivot.optimize.scenarios import ScenarioCoefficients, subset_of
from hashpivot.power.lp import LinearModel
from hashpivot.sampling_error import tail_size

USD_SCALE = 1e6  #: the model counts money in M USD (numerics of HiGHS)


@dataclass(frozen=True)
class ObjectiveSpec:
    """What the model maximizes.

    Attributes
    ----------
    risk_aversion : float
        Weight lambda of the CVaR in ``(1 - lambda) E[NPV] + lambda CVaR``. [-]
    alpha : float
        CVaR tail (0.05: the worst 5 % of scenarios). [-]
    """

    risk_aversion: float = 0.0
    alpha: float = 0.05


@dataclass
class PlanModel:
    """The built model and the per-scenario NPV map ``NPV = base + A @ cols`` (plus the
    floor of :func:`~hashpivot.optimize.scenario_npv.sga_floor_usd`, columns
    ``sga_floor`` in the model)."""

    m: LinearModel
    npv_cols: IntArray  # columns entering scenario NPVs
    npv_matrix_usd: FloatArray  # (K, len(npv_cols)) [USD per column unit]
    baseline_npv_usd: FloatArray  # (K,)
    integer: bool


def define_sga_floor(m: LinearModel, p: PlanProblem, c: ScenarioCoefficients,
                     weight: float, present: bool) -> tuple[IntArray, IntArray]:
    """``sga_floor`` g_k >= 0 and ``sga_floor_on`` binary y_k per scenario, with
    ``sga_floor-forgone-upper`` (g - T(d) + kept y <= 0) and ``sga_floor-on-upper``
    (g - (max_T - kept) y <= 0): maximized, ``g = max(T - kept, 0)``
    (:func:`~hashpivot.optimize.scenario_npv.sga_floor_usd`). Fixed at 0 in the
    scenarios where no plan gets there; no columns at all unless ``present``. ``weight``
    is g's objective weight per USD (minimized: negative). Returns the columns of g and
    their scenarios."""
    k = c.n_scenarios if present else 0
    room = floor_scenarios(p, c)[:k] if k else np.zeros(0)
    g = m.add_variables("sga_floor", 0.0, room / USD_SCALE, weight, n=k)
    y = m.add_variables("sga_floor_on", 0.0, np.where(room > 0, 1.0, 0.0), 0.0,
                        integer=True, n=k)
    terms: list[tuple[IntArray, IntArray, FloatArray | float]] = []
    need = np.flatnonzero(room > 0)
    if need.size:
        forgone = -mining_terminal_matrix(p, subset_of(c, need)) / USD_SCALE  # (n, cols)
        cols = np.concatenate([m.variables["conversion"], m.variables["displaced"],
                               m.variables["site_started"]])
        rr, cc = np.nonzero(forgone)
        terms = [(np.arange(need.size), g[need], 1.0), (rr, cols[cc], -forgone[rr, cc]),
                 (np.arange(need.size), y[need],
                  c.baseline_terminal_usd[need] / USD_SCALE)]
    m.add_constraints("sga_floor-forgone-upper", need.size, terms, -np.inf, 0.0)
    on_terms = ([(np.arange(need.size), g[need], 1.0),
                 (np.arange(need.size), y[need], -room[need] / USD_SCALE)]
                if need.size else [])
    m.add_constraints("sga_floor-on-upper", need.size, on_terms, -np.inf, 0.0)
    return g, np.arange(k)


def define_conversion(
    m: LinearModel, p: PlanProblem, cost: FloatArray, fixed_mw: FloatArray | None = None
) -> IntArray:
    """``conversion``: blocks of each offer per quarter (integer with hall blocks)."""
    if fixed_mw is not None:
        lo = hi = np.asarray(fixed_mw, dtype=float).ravel() / p.unit_mw
    else:
        lo = p.x_lower_mw.ravel() / p.unit_mw
        hi = p.x_upper_mw.ravel() / p.unit_mw
        if p.integer:
            lo, hi = np.ceil(lo - 1e-9), np.floor(hi + 1e-9)
    return m.add_variables("conversion", lo, hi, cost, integer=p.integer, n=lo.size)


def define_displaced(m: LinearModel, p: PlanProblem, cost: FloatArray) -> IntArray:
    """``displaced`` and ``displaced-balance-eq``, ``displaced-tranche-upper``."""
    n_o, n_j, n_q = p.n_offers, p.n_tranches, p.n_quarters
    ub = np.repeat(p.tranche_mw[p.offer_site][:, :, None], n_q, axis=2)  # (O, J, Q)
    d = m.add_variables("displaced", 0.0, ub.ravel(), cost, n=ub.size)
    x = m.variables["conversion"]
    o_idx, j_idx, q_idx = np.meshgrid(np.arange(n_o), np.arange(n_j), np.arange(n_q),
                                      indexing="ij")
    bal_rows = (o_idx * n_q + q_idx).ravel()
    m.add_constraints(
        "displaced-balance-eq",
        n_o * n_q,
        [(bal_rows, d, 1.0), (np.arange(n_o * n_q), x, -p.unit_mw)],
        0.0,
        0.0,
    )
    tr_rows = (p.offer_site[o_idx] * n_j + j_idx).ravel()
    m.add_constraints(
        "displaced-tranche-upper",
        p.n_sites * n_j,
        [(tr_rows, d, 1.0)],
        -np.inf,
        p.tranche_mw.ravel(),
    )
    return d


def define_site_limits(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-interconnection-upper`` and ``conversion-regulation-upper``."""
    x = m.variables["conversion"]
    o, _ = p.conversion_cells()
    site = p.offer_site[o]
    m.add_constraints(
        "conversion-interconnection-upper", p.n_sites, [(site, x, p.unit_mw)], -np.inf,
        p.site_limit_mw,
    )
    capped = np.flatnonzero(np.isfinite(p.rule_cap_mw))
    row_of = np.full(p.n_sites, -1)
    row_of[capped] = np.arange(capped.size)
    keep = row_of[site] >= 0
    m.add_constraints(
        "conversion-regulation-upper", capped.size, [(row_of[site][keep], x[keep], p.unit_mw)],
        -np.inf, p.rule_cap_mw[capped],
    )


def define_build_capacity(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-build-upper``: MW starting per quarter (rows only when limited)."""
    x = m.variables["conversion"]
    _, q = p.conversion_cells()
    n = p.n_quarters if np.isfinite(p.build_mw_per_quarter) else 0
    terms = [(q, x, p.unit_mw)] if n else []
    m.add_constraints("conversion-build-upper", n, terms, -np.inf, p.build_mw_per_quarter)


def define_tenant_demand(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-tenant-upper``: critical IT MW leased <= the tenant's demand."""
    x = m.variables["conversion"]
    o, _ = p.conversion_cells()
    demand = np.array([t.it_mw for t in p.tenants])
    finite = np.flatnonzero(np.isfinite(demand))
    row_of = np.full(len(p.tenants), -1)
    row_of[finite] = np.arange(finite.size)
    rows = row_of[p.offer_tenant[o]]
    keep = rows >= 0
    coef = (p.unit_mw / p.offer_pue[o])[keep]
    m.add_constraints(
        "conversion-tenant-upper", finite.size, [(rows[keep], x[keep], coef)], -np.inf,
        demand[finite],
    )


def define_budget(m: LinearModel, p: PlanProblem) -> None:
    """``conversion-budget-upper`` (equity capex per year, with the rules' site costs of
    the first year, paid from equity) and ``conversion-debt-upper``."""
    x = m.variables["conversion"]
    o, q = p.conversion_cells()
    years = np.flatnonzero(np.isfinite(p.budget_usd_per_year))
    eq = (1.0 - p.loan_to_cost_fraction) * p.unit_mw / USD_SCALE
    coef = p.capex_usd_per_mw_by_year[o, q][:, years] * eq  # (n_x, n_y)
    rows = np.broadcast_to(np.arange(years.size), coef.shape)
    cols = np.broadcast_to(x[:, None], coef.shape)
    nz = coef != 0
    terms = [(rows[nz], cols[nz], coef[nz])]
    # a rule's site cost is paid in the horizon's first month, as pivot pays it (with the
    # hall capex, not financed by the project loan): in model year 0's row, when it has one
    z = m.variables["site_started"]
    costly = np.flatnonzero(p.site_cost_usd > 0)
    if years.size and years[0] == 0 and costly.size:
        terms.append((np.zeros(costly.size, dtype=np.int64), z[costly],
                      p.site_cost_usd[costly] / USD_SCALE))
    m.add_constraints(
        "conversion-budget-upper", years.size, terms, -np.inf,
        p.budget_usd_per_year[years] / USD_SCALE,
    )
    n = 1 if np.isfinite(p.debt_capacity_usd) else 0
    # the debt of each whole build, a hall started near the horizon's end included
    dcoef = p.capex_total_usd_per_mw[o, q] * p.loan_to_cost_fraction * p.unit_mw / USD_SCALE
    terms = [(np.zeros(x.size, dtype=np.int64), x, dcoef)] if n else []
    m.add_constraints("conversion-debt-upper", n, terms, -np.inf,
                      p.debt_capacity_usd / USD_SCALE)


def add_site_started(m: LinearModel, p: PlanProblem, cost: FloatArray) -> IntArray:
    """``site_started``: binary, 1 where a site with rule costs converts (fixed at 0 at a
    site without). [-]"""
    costly = p.site_cost_usd > 0
    return m.add_variables("site_started", 0.0, np.where(costly, 1.0, 0.0), cost,
                           integer=True, n=p.n_sites)


def define_site_cost(m: LinearModel, p: PlanProblem) -> None:
    """``site_started-cost-upper``: a site with rule costs converts only if it pays them."""
    x = m.variables["conversion"]
    z = m.variables["site_started"]
    o, _ = p.conversion_cells()
    sites = np.flatnonzero(p.site_cost_usd > 0)
    row_of = np.full(p.n_sites, -1)
    row_of[sites] = np.arange(sites.size)
    rows = row_of[p.offer_site[o]]
    keep = rows >= 0
    m.add_constraints(
        "site_started-cost-upper",
        sites.size,
        [(rows[keep], x[keep], p.unit_mw), (np.arange(sites.size), z[sites],
                                             -p.site_limit_mw[sites])],
        -np.inf,
        0.0,
    )


def cvar_tail(k: int, alpha: float) -> int:
    """Scenarios the CVaR of ``k`` averages, ``ceil(alpha k)``: the shortfalls' divisor in
    the Rockafellar-Uryasev form. With ``alpha k`` itself (1.5 of 30 scenarios) its
    optimum would weigh the worst scenario 1 and the next 0.5, not the mean of the worst
    two that :func:`hashpivot.risk_measures.cvar` reports. [-]"""
    return tail_size(k, alpha)


def define_cvar(m: LinearModel, p: PlanProblem, c: ScenarioCoefficients, pm: PlanModel,
                obj: ObjectiveSpec) -> None:
    """``cvar_threshold``, ``cvar_shortfall`` and their rows (only with risk aversion);
    a scenario's NPV there holds its ``sga_floor``, and its map is factored by the
    tenants' signings where that has fewer nonzeros
    (:func:`~hashpivot.optimize.scenario_rows.scenario_npv_terms`)."""
    lam = obj.risk_aversion
    k = pm.npv_matrix_usd.shape[0]
    n_rows = k if lam > 0 else 0
    eta = m.add_variables("cvar_threshold", -np.inf, np.inf, -lam, n=1 if lam > 0 else 0)
    s = m.add_variables(
        "cvar_shortfall", 0.0, np.inf, lam / cvar_tail(k, obj.alpha), n=n_rows
    )
    terms = scenario_npv_terms(m, p, c, pm.npv_cols, pm.npv_matrix_usd[:n_rows], USD_SCALE)
    if n_rows:
        terms += [
            (np.arange(k), s, 1.0),
            (np.arange(k), np.repeat(eta, k), -1.0),
        ]
        floor = m.variables.get("sga_floor", np.zeros(0, dtype=np.int64))
        if floor.size:
            terms.append((np.arange(k), floor, 1.0))
    m.add_constraints(
        "cvar_shortfall-scenario-lower", n_rows, terms,
        -pm.baseline_npv_usd / USD_SCALE if n_rows else 0.0, np.inf,
    )


def build_plan_model(
    p: PlanProblem,
    c: ScenarioCoefficients,
    obj: ObjectiveSpec,
    fixed_conversion_mw: FloatArray | None = None,
    spare_first_sites: IntArray | None = None,
    ordered_sites: IntArray | None = None,
    sga_floor: bool | None = None,
) -> PlanModel:
    """The decision model on K scenarios.

    Parameters
    ----------
    p : PlanProblem
    c : ScenarioCoefficients
        K scenarios.
    obj : ObjectiveSpec
    fixed_conversion_mw : ndarray (O, Q), optional
        Fix the conversions (to value a given plan: only displacement is optimized).
    spare_first_sites : ndarray of int, optional
        Sites where spare capacity must be converted first (binaries); default: the sites
        with spare capacity where displacing miners would pay on some scenario of ``c``
        (:func:`~hashpivot.optimize.displacement_order.spare_first`). Pass it to give
        models of scenario subsets the same columns.
    ordered_sites : ndarray of int, optional
        Sites whose fleet tranches are displaced in pivot's order, least efficient first
        (binaries); default:
        :func:`~hashpivot.optimize.displacement_order.least_efficient_first` on ``c``. Pass it as
        ``spare_first_sites``.
    sga_floor : bool, optional
        Give every scenario the columns of :func:`define_sga_floor`; default: where a plan
        may go past the floor on some scenario of ``c``
        (:func:`~hashpivot.optimize.scenario_npv.floor_scenarios`). Pass it to give
        models of scenario subsets the same columns.
    """
    a = scenario_npv_matrix(p, c)
    cost = -(1.0 - obj.risk_aversion) * a.mean(axis=0) / USD_SCALE  # minimized
    n_x = p.n_offers * p.n_quarters
    n_d = n_x * p.n_tranches
    m = LinearModel(n_intervals=0)
    x = define_conversion(m, p, cost[:n_x], fixed_conversion_mw)
    d = define_displaced(m, p, cost[n_x : n_x + n_d])
    sites = spare_first_sites if spare_first_sites is not None else spare_first(p, c)
    define_spare_first(m, p, sites)
    ordered = ordered_sites if ordered_sites is not None else least_efficient_first(p, c)
    define_least_efficient_first(m, p, ordered)
    define_site_limits(m, p)
    define_build_capacity(m, p)
    define_tenant_demand(m, p)
    z = add_site_started(m, p, cost[n_x + n_d :])  # before the budget rows that use it
    define_budget(m, p)
    define_site_cost(m, p)
    reach = bool(floor_scenarios(p, c).any())
    floor = reach if sga_floor is None else sga_floor
    define_sga_floor(m, p, c, -(1.0 - obj.risk_aversion) / c.n_scenarios, floor)
    pm = PlanModel(
        m=m,
        npv_cols=np.concatenate([x, d, z]),
        npv_matrix_usd=a,
        baseline_npv_usd=c.baseline_npv_usd,
        integer=(p.integer or bool((p.site_cost_usd > 0).any()) or bool(sites.size)
                 or bool(ordered.size) or reach),
    )
    define_cvar(m, p, c, pm, obj)
    return pm
