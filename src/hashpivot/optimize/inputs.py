"""Resolved inputs of the decision model: :class:`PlanProblem` (:func:`resolve_problem`).

Everything that does not depend on the market paths, with every default filled in:
sites and their tranches, tenants and the (site, tenant) *offers* a plan may build, the
quarterly decision grid, bounds from tenants' earliest starts, regulation and committed
decisions, budgets, and the per-MW hosting coefficients
(:func:`~hashpivot.optimize.coefficients.hosting_coefficients`). Where a conversion may
start and the checks of the committed entries are
:mod:`~hashpivot.optimize.committed_entries` and :mod:`~hashpivot.optimize.committed_budget`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.engines.pivot import SiteInputs, market_start, resolve_sites
from hashpivot.engines.pivot.discounting import line_rates
from hashpivot.engines.standing import standing_portfolio
from hashpivot.exceptions import InputError, Problem
from hashpivot.io.regulation import RegulationRule, load_portfolio_rules, load_regulation_rules
from hashpivot.models.file_refs import with_files_beside
from hashpivot.models.hosting import LEASE_TERM_FIELDS, HostingProjectSpec
from hashpivot.models.optimize import OptimizeSpec, quarter_period
from hashpivot.models.pivot import PivotSpec, TerminalValueSpec
from hashpivot.models.portfolio import find_site
from hashpivot.optimize.coefficients import (
    Tranche,
    discount_factors,
    hosting_coefficients,
    site_tranches,
)
from hashpivot.optimize.committed_budget import FixedConversion, committed_budget_problems
from hashpivot.optimize.committed_entries import (
    barred_starts,
    committed_conversions,
    quarter_index,
    unfixed_note,
)
from hashpivot.regulation import SiteRuleEffects, site_effects
from hashpivot.units import MONTHS_PER_QUARTER, MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models import Portfolio



@dataclass(frozen=True)
class Tenant:
    """A resolved tenant (an implicit one per site when the pipeline is empty).

    Attributes
    ----------
    name : str
    it_mw : float
        Critical IT MW it would lease (``inf`` for a site's own terms). [MW]
    probability_signing : float
        [-]
    earliest_quarter : int
        First start quarter index. [-]
    implicit : bool
        True for a site's own ``[sites.hosting]`` terms.
    """

    name: str
    it_mw: float
    probability_signing: float
    earliest_quarter: int
    implicit: bool = False


@dataclass
class PlanProblem:
    """The decision model's data that does not depend on the market paths.

    Shapes: ``S`` sites, ``L`` tenants, ``O`` offers (site, tenant pairs), ``Q`` quarters,
    ``J`` tranches per site (padded with empty ones), ``Y`` model years, ``T`` months.
    """

    portfolio: Portfolio
    source: str
    start: pd.Period
    n_months: int
    quarters: list[str]
    quarter_start_months: list[str]
    sites: list[SiteInputs]
    tranches: list[list[Tranche]]
    tranche_mw: FloatArray  # (S, J)
    tenants: list[Tenant]
    offer_site: IntArray  # (O,)
    offer_tenant: IntArray  # (O,)
    offer_pue: FloatArray  # (O,)
    offer_specs: list[HostingProjectSpec]
    hosting_npv_usd_per_mw: FloatArray  # (O, Q), terminal value included
    hosting_terminal_usd_per_mw: FloatArray  # (O, Q), the terminal value in it
    capex_usd_per_mw_by_year: FloatArray  # (O, Q, Y), Y: the horizon's years and after
    capex_usd_per_mw: FloatArray  # (O, Q) within the horizon
    capex_total_usd_per_mw: FloatArray  # (O, Q) the whole build
    x_lower_mw: FloatArray  # (O, Q)
    x_upper_mw: FloatArray  # (O, Q)
    site_limit_mw: FloatArray  # (S,)  min(convertible, capacity)
    rule_cap_mw: FloatArray  # (S,)  inf without a cap rule
    site_cost_usd: FloatArray  # (S,) the rules' one-time cost of a site's first conversion
    site_cost_npv_usd: FloatArray  # (S,) ... paid in the first month (hosting line's rate)
    effects: list[SiteRuleEffects]
    rules: list[RegulationRule]
    build_mw_per_quarter: float
    budget_usd_per_year: FloatArray  # (Y,) the same years
    debt_capacity_usd: float
    loan_to_cost_fraction: float
    unit_mw: float
    integer: bool
    discount_rate: float
    discount_factors: FloatArray  # (T,) of the mining line
    mining_discount_rate: float
    terminal_value: TerminalValueSpec
    pivot_spec: PivotSpec
    site_specs: list[PivotSpec]
    spec: OptimizeSpec
    uplift_usd_per_mw_month: FloatArray  # (S,) at the price year's margin (G(1)), reported
    fixed_through: str | None = None
    notes: list[str] = field(default_factory=list)
    standing_notes: list[str] = field(default_factory=list)
    #: What the ``[[optimize.committed]]`` entries not fixed leave to the plan.
    committed_notes: list[str] = field(default_factory=list)

    @property
    def n_sites(self) -> int:
        """S. [-]"""
        return len(self.sites)

    @property
    def n_offers(self) -> int:
        """O. [-]"""
        return int(self.offer_site.size)

    @property
    def n_quarters(self) -> int:
        """Q. [-]"""
        return len(self.quarters)

    @property
    def n_tranches(self) -> int:
        """J (padded). [-]"""
        return int(self.tranche_mw.shape[1])

    @property
    def signing_probability(self) -> FloatArray:
        """Per tenant. [-]"""
        return np.array([t.probability_signing for t in self.tenants])

    def conversion_cells(self) -> tuple[IntArray, IntArray]:
        """Offer and quarter of each cell of the (O, Q) arrays in row-major order (the
        decision model's ``conversion`` columns). [-]"""
        o, q = np.meshgrid(np.arange(self.n_offers), np.arange(self.n_quarters),
                           indexing="ij")
        return o.ravel(), q.ravel()


def block_notes(p: PlanProblem) -> list[str]:
    """The sites with offers whose convertible MW (within a rule's cap) hold no whole hall
    block, and the tenants whose IT MW (in gross MW at their offers' PUE) hold none: the
    MILP cannot convert there or lease to them, which the plan alone does not say. One
    sentence each; none with ``continuous``."""
    if not p.integer:
        return []
    limit = np.minimum(p.site_limit_mw, p.rule_cap_mw)
    block = f"no whole block of {p.unit_mw:g} MW ([optimize].block_mw)"
    notes = [
        f"{site.name}: its {limit[s]:g} MW convertible hold {block}: the plan cannot "
        "convert there (a smaller block_mw, or `continuous`)"
        for s, site in enumerate(p.sites)
        if np.any(p.offer_site == s) and 0 < limit[s] < p.unit_mw - 1e-9
    ]
    for k, tenant in enumerate(p.tenants):
        offers = np.flatnonzero(p.offer_tenant == k)
        if not offers.size or not np.isfinite(tenant.it_mw):
            continue
        pue = float(p.offer_pue[offers].max())  # its largest hall in gross MW
        gross = tenant.it_mw * pue
        if 0 < gross < p.unit_mw - 1e-9:
            notes.append(f"tenant {tenant.name}: its {tenant.it_mw:g} IT MW ({gross:g} MW "
                         f"gross at PUE {pue:g}) hold {block}: the plan cannot lease it a "
                         "hall (a smaller block_mw, or `continuous`)")
    return notes


def load_rules(spec: OptimizeSpec, source: str, extra: str | Path | None = None) -> list[
    RegulationRule
]:
    """Bundled rules plus ``[optimize].rules_file`` (relative to the portfolio file) and
    ``extra`` (:func:`hashpivot.io.regulation.load_portfolio_rules`)."""
    return load_portfolio_rules(spec.rules_file, source, extra)


def resolve_problem(
    portfolio: Portfolio,
    *,
    horizon_years: int | None = None,
    continuous: bool = False,
    fixed_through: str | None = None,
    rules: list[RegulationRule] | None = None,
    source: str = "",
) -> PlanProblem:
    """Resolve the decision model's market-independent data.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio; ``[optimize]`` (defaults when absent), ``[pivot]``,
        ``[financing]``, sites with ``[sites.hosting]``.
    horizon_years : int, optional
        Overrides ``[optimize].horizon_years`` and ``[pivot].horizon_years``. [year]
    continuous : bool
        Continuous MW instead of hall blocks.
    fixed_through : str, optional
        ``'YYYYQn'`` within the plan's quarters (a problem at ``fixed_through``
        otherwise): decisions up to this quarter are fixed to ``[[optimize.committed]]``.
    rules : list of RegulationRule, optional
        Default: the bundled rules plus ``[optimize].rules_file``.
    source : str
        Portfolio file (error messages; its relative side files are read beside it:
        :func:`~hashpivot.models.file_refs.with_files_beside`); default
        ``portfolio.source_file``.

    Raises
    ------
    InputError
        Every inconsistency, with its field path.
    """
    source = source or portfolio.source_file
    portfolio = with_files_beside(portfolio, source)  # (side files: beside the file)
    spec = portfolio.optimize or OptimizeSpec()
    pspec = portfolio.pivot or PivotSpec()
    fin = portfolio.financing
    problems: list[Problem] = []
    years = horizon_years or spec.horizon_years or pspec.horizon_years
    n_months = int(years) * MONTHS_PER_YEAR
    ms = market_start(pspec)
    start = ms.start
    n_q = n_months // MONTHS_PER_QUARTER
    months = [start + MONTHS_PER_QUARTER * q for q in range(n_q)]
    quarters = [str(m.asfreq("Q")) for m in months]
    periods = pd.period_range(start, periods=n_months, freq="M")
    rates = line_rates(pspec)  # merchant mining and contracted hosting, each at its rate
    disc = discount_factors(rates.mining, n_months)
    horizon = (start.start_time.date(), periods[-1].end_time.date())

    # entries that end before the first month are gone; dated ones count throughout (notes)
    standing = standing_portfolio(portfolio, periods)
    portfolio = standing.portfolio
    sites = resolve_sites(portfolio)
    hosting_sites = [s for s in sites if not s.hosting_is_default] or sites
    host_idx = {s.index for s in hosting_sites}
    if rules is None:
        try:
            rules = load_rules(spec, source)
        except InputError as exc:  # listed with the other problems, the rest checked
            problems += exc.problems
            rules = load_regulation_rules()
    effects = [
        site_effects(portfolio.sites[s.index], rules, horizon[0], horizon[1]) for s in sites
    ]
    tranches = [site_tranches(s, list(s.fleet_entries)) for s in sites]
    n_j = max(len(t) for t in tranches)
    tranche_mw = np.zeros((len(sites), n_j))
    for i, ts in enumerate(tranches):
        tranche_mw[i, : len(ts)] = [t.gross_mw for t in ts]
    site_specs = [
        pspec.model_copy(update={"fleet_replacement_years": None}) if e.no_new_mining else pspec
        for e in effects
    ]

    # --- tenants and offers -------------------------------------------------------------
    tenants: list[Tenant] = []
    offer_site: list[int] = []
    offer_tenant: list[int] = []
    offer_specs: list[HostingProjectSpec] = []
    if spec.tenants:
        for li, t in enumerate(spec.tenants):
            eq = quarter_index(quarters, t.earliest_start) if t.earliest_start else 0
            tenants.append(Tenant(t.name, t.it_mw, t.probability_signing, eq))
            allowed = t.sites if t.sites is not None else [s.name for s in hosting_sites]
            for name in allowed:
                try:
                    si = find_site(sites, name)[0]
                except InputError as exc:
                    problems += [
                        Problem(f"optimize.tenants[{li}].sites", p.message, source)
                        for p in exc.problems
                    ]
                    continue
                offer_site.append(si)
                offer_tenant.append(li)
                offer_specs.append(
                    sites[si].hosting.model_copy(
                        update={f: getattr(t, f) for f in LEASE_TERM_FIELDS}
                    )
                )
    else:
        for si, s in enumerate(sites):
            if s.index not in host_idx:
                continue
            tenants.append(Tenant(f"{s.name} (site terms)", math.inf, 1.0, 0, implicit=True))
            offer_site.append(si)
            offer_tenant.append(len(tenants) - 1)
            offer_specs.append(s.hosting)
    o_site = np.array(offer_site, dtype=np.int64)
    o_ten = np.array(offer_tenant, dtype=np.int64)
    n_o = o_site.size

    # --- hosting coefficients (path independent) ---------------------------------------
    hcs = [
        hosting_coefficients(sites[o_site[o]], offer_specs[o], n_q, periods, rates.hosting,
                             pspec.terminal_value)
        for o in range(n_o)
    ]
    h_npv = np.array([hc.npv_usd_per_mw for hc in hcs]).reshape(n_o, n_q)
    h_terminal = np.array([hc.terminal_value_usd_per_mw for hc in hcs]).reshape(n_o, n_q)
    capex_total = np.array([hc.capex_total_usd_per_mw for hc in hcs]).reshape(n_o, n_q)
    # equity capex by model year: the horizon's years and those in which a hall started
    # near its end is still paid for (the budget's last value repeats)
    last_paid = max((int(np.flatnonzero(hc.capex_usd_per_mw_by_month.any(axis=0))[-1])
                     for hc in hcs if hc.capex_usd_per_mw_by_month.any()), default=0)
    n_y = -(-max(n_months, last_paid + 1) // MONTHS_PER_YEAR)
    capex_y = np.zeros((n_o, n_q, n_y))
    for o, hc in enumerate(hcs):
        by_month = hc.capex_usd_per_mw_by_month[:, : n_y * MONTHS_PER_YEAR]
        year_of_month = np.arange(by_month.shape[1]) // MONTHS_PER_YEAR
        for y in range(n_y):
            capex_y[o, :, y] = by_month[:, year_of_month == y].sum(axis=1)
    n_y_horizon = -(-n_months // MONTHS_PER_YEAR)
    pue = np.array([sp.pue for sp in offer_specs], dtype=float)

    # --- bounds ---------------------------------------------------------------------------
    integer = not continuous and spec.block_mw is not None
    unit = float(spec.block_mw) if integer and spec.block_mw is not None else 1.0
    site_limit = np.array(
        [min(s.convertible_gross_mw, s.capacity_mw) if s.index in host_idx else 0.0
         for s in sites]
    )
    lower = np.zeros((n_o, n_q))
    upper = np.repeat(site_limit[o_site][:, None], n_q, axis=1) if n_o else np.zeros((0, n_q))
    barred = barred_starts(sites, tenants, effects, o_site, o_ten, offer_specs, months)
    for o, q in barred:
        upper[o, q] = 0.0
    committed, found, past = committed_conversions(
        spec, sites, tenants, o_site, o_ten, pue, quarters, site_limit,
        np.array([e.cap_mw for e in effects]), unit, integer, barred, source)
    problems += found
    nfix = 0
    if fixed_through is not None and not (quarter_period(quarters[0])
                                          <= quarter_period(fixed_through)
                                          <= quarter_period(quarters[-1])):
        # (before the first quarter it fixes nothing, after the last every quarter)
        problems.append(Problem("fixed_through", f"{fixed_through} is outside the plan's "
                                f"quarters {quarters[0]}..{quarters[-1]}"))  # (an argument)
    elif fixed_through is not None:
        nfix = quarter_index(quarters, fixed_through)
        if nfix < len(quarters) and quarters[nfix] == fixed_through:
            nfix += 1
        upper[:, :nfix] = 0.0
    for _, o, q, mw in committed:
        if q < nfix:
            lower[o, q] += mw
            upper[o, q] += mw
    committed_notes = [*past, *unfixed_note(spec, committed, quarters, nfix, fixed_through)]
    if problems:
        raise InputError(problems)

    uplift = np.zeros(len(sites))
    notes: list[str] = []
    for i, s in enumerate(sites):
        uplift[i], note = s.dispatch_uplift_usd_per_mw_month, s.dispatch_uplift_note
        if note:
            notes.append(f"{s.name}: {note}")
    budgets = np.array([spec.budget_usd(y) for y in range(n_y)])
    ltc = float(fin.loan_to_cost_fraction) if fin is not None else 0.0
    if spec.debt_capacity_usd is not None and fin is None:
        problems.append(
            Problem("optimize.debt_capacity_usd", "needs [financing].loan_to_cost_fraction",
                    source)
        )
    site_cost = np.array([e.cost_usd for e in effects])  # the rules' fees [USD]
    if fixed_through is not None and not problems:
        # what the fixed conversions pay together, year by year (each fits on its own)
        fixed = [FixedConversion(
            ci, f"{sites[o_site[o]].name} {quarters[q]} {mw:g} MW for {tenants[o_ten[o]].name}",
            mw, capex_y[o, q] * (1.0 - ltc), float(capex_total[o, q]) * ltc, int(o_site[o]))
            for ci, o, q, mw in committed if q < nfix]
        problems += committed_budget_problems(
            fixed, budgets, spec.budget_field,
            float(spec.debt_capacity_usd) if spec.debt_capacity_usd is not None else math.inf,
            site_cost, [s.name for s in sites], start, fixed_through, ltc, source)
    if problems:
        raise InputError(problems)
    return PlanProblem(
        portfolio=portfolio,
        source=source,
        start=start,
        n_months=n_months,
        quarters=quarters,
        quarter_start_months=[str(m) for m in months],
        sites=sites,
        tranches=tranches,
        tranche_mw=tranche_mw,
        tenants=tenants,
        offer_site=o_site,
        offer_tenant=o_ten,
        offer_pue=pue,
        offer_specs=offer_specs,
        hosting_npv_usd_per_mw=h_npv,
        hosting_terminal_usd_per_mw=h_terminal,
        capex_usd_per_mw_by_year=capex_y,
        capex_usd_per_mw=capex_y[:, :, :n_y_horizon].sum(axis=2),
        capex_total_usd_per_mw=capex_total,
        x_lower_mw=lower,
        x_upper_mw=np.maximum(upper, lower),
        site_limit_mw=site_limit,
        rule_cap_mw=np.array([e.cap_mw for e in effects]),
        site_cost_usd=site_cost,
        # as pivot pays it: with the hall capex of the horizon's first month
        site_cost_npv_usd=site_cost * discount_factors(rates.hosting, 1)[0],
        effects=effects,
        rules=rules,
        build_mw_per_quarter=(
            float(spec.build_mw_per_quarter) if spec.build_mw_per_quarter else math.inf
        ),
        budget_usd_per_year=budgets,
        debt_capacity_usd=(
            float(spec.debt_capacity_usd) if spec.debt_capacity_usd is not None else math.inf
        ),
        loan_to_cost_fraction=ltc,
        unit_mw=unit,
        integer=integer,
        discount_rate=float(pspec.discount_rate),
        discount_factors=disc,
        mining_discount_rate=rates.mining,
        terminal_value=pspec.terminal_value,
        pivot_spec=pspec,
        site_specs=site_specs,
        spec=spec,
        uplift_usd_per_mw_month=uplift,
        fixed_through=fixed_through,
        notes=notes,
        standing_notes=standing.notes,
        committed_notes=committed_notes,
    )
