"""AI/HPC hosting economics: leases, conversion capex, build phases, deals (pure functions).

See :mod:`hashpivot.hosting.lease`, :mod:`hashpivot.hosting.capex`,
:mod:`hashpivot.hosting.project` and :mod:`hashpivot.hosting.deals`.
"""

from __future__ import annotations

from hashpivot.hosting.capex import (
    CapexSplit,
    asic_resale_usd,
    build_masks,
    capex_split_usd,
    spread_evenly,
)
from hashpivot.hosting.deals import DealRange, deal_range, deals_table, flag_assumptions
from hashpivot.hosting.lease import (
    average_rate_usd_per_kw_month,
    contract_value_usd,
    first_year_rate_usd_per_kw_month,
    gross_mw_from_it,
    implied_usd_per_kw_month,
    implied_usd_per_mw_year,
    it_mw_from_gross,
    lease_rate_usd_per_kw_month,
    lease_term_weight,
    monthly_rent_usd,
    tenant_collection_factor,
)
from hashpivot.hosting.project import (
    HostingCashFlows,
    hosting_cash_flows,
    hosting_cash_flows_from_spec,
)

__all__ = [
    "CapexSplit",
    "DealRange",
    "HostingCashFlows",
    "asic_resale_usd",
    "average_rate_usd_per_kw_month",
    "build_masks",
    "capex_split_usd",
    "contract_value_usd",
    "deal_range",
    "deals_table",
    "first_year_rate_usd_per_kw_month",
    "flag_assumptions",
    "gross_mw_from_it",
    "hosting_cash_flows",
    "hosting_cash_flows_from_spec",
    "implied_usd_per_kw_month",
    "implied_usd_per_mw_year",
    "it_mw_from_gross",
    "lease_rate_usd_per_kw_month",
    "lease_term_weight",
    "monthly_rent_usd",
    "spread_evenly",
    "tenant_collection_factor",
]
