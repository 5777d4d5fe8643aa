"""Resolved inputs of the decision model: :class:`PlanProblem`
(:func:`~hashpivot.optimize.resolve.resolve_problem` builds it).

Everything that does not depend on the market paths, with every default filled in:
sites and their tranches, tenants and the (site, tenant) *offers* a plan may build, the
quarterly decision grid, bounds from tenants' earliest starts, regulation and committed
decisions, budgets, and the per-MW hosting coefficients
(:func:`~hashpivot.optimize.coefficients.hosting_coefficients`). Where a conversion may
start and the checks of the committed entries are
:mod:`~hashpivot.optimize.committed_entries` and :mod:`~hashpivot.optimize.committed_budget`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray, IntArray
from hashpivot.engines.pivot import SiteInputs
from hashpivot.io.regulation import RegulationRule
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.optimize import OptimizeSpec
from hashpivot.models.pivot import PivotSpec, TerminalValueSpec
from hashpivot.optimize.coefficients import (
    Tranche,
)
from hashpivot.regulation import SiteRuleEffects

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
    #: The sites' halls already in service, their present value in every plan alike
    #: (:func:`~hashpivot.engines.pivot.in_service.in_service_value_usd`). [USD]
    in_service_npv_usd: float = 0.0
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
