"""Resolving a portfolio into the decision model's inputs: :func:`resolve_problem`.

Reads the portfolio as it stands on the first month (:mod:`hashpivot.engines.standing`),
its sites and tranches (``pivot``'s resolution), the tenants and the (site, tenant)
offers a plan may build, the quarterly decision grid, bounds from the tenants' earliest
starts, the regulation rules (:func:`load_rules`) and the committed decisions, the budgets
and the per-MW hosting coefficients, into a :class:`~hashpivot.optimize.inputs.PlanProblem`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.engines.pivot import market_start, resolve_sites
from hashpivot.engines.pivot.discounting import line_rates
from hashpivot.engines.pivot.in_service import in_service_flows, in_service_value_usd
from hashpivot.engines.standing import standing_portfolio
from hashpivot.exceptions import InputError, Problem
from hashpivot.io.regulation import RegulationRule, load_portfolio_rules, load_regulation_rules
from hashpivot.models.file_refs import with_files_beside
from hashpivot.models.hosting import LEASE_TERM_FIELDS, HostingProjectSpec
from hashpivot.models.optimize import OptimizeSpec, quarter_period
from hashpivot.models.pivot import PivotSpec
from hashpivot.models.portfolio import find_site
from hashpivot.optimize.coefficients import (
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
from hashpivot.optimize.inputs import PlanProblem, Tenant
from hashpivot.regulation import site_effects
from hashpivot.units import MONTHS_PER_QUARTER, MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.models import Portfolio


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
    sites = resolve_sites(portfolio, first_month=start, last_month=periods[-1])
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
    if integer and spec.build_mw_per_quarter is not None and spec.build_mw_per_quarter < unit:
        # (no block could start: the plan kept mining everywhere without a word)
        problems.append(Problem(
            "optimize.build_mw_per_quarter", f"{spec.build_mw_per_quarter:g} MW a quarter is "
            f"less than one block (block_mw = {unit:g} MW): no block could ever start; give "
            f"at least {unit:g}, or plan in continuous MW", source))
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
        # the halls in service: a constant of the plans, as pivot counts them
        in_service_npv_usd=sum(in_service_value_usd(
            in_service_flows(s.hosting, periods, np.asarray(periods.days_in_month, float),
                             s.power_price_usd_per_mwh),
            rates.hosting, pspec.terminal_value.hosting_method != "none") for s in sites),
        notes=notes,
        standing_notes=standing.notes,
        committed_notes=committed_notes,
    )
