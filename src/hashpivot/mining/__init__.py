"""Mining economics: hashprice, fleet production, cost per BTC, margins and breakevens.

Pure, vectorized functions: scalars, numpy arrays or pandas Series in, the same out.
"""

from hashpivot.mining.breakeven import (
    breakeven_btc_price_usd,
    breakeven_efficiency_j_per_th,
    breakeven_hashprice_usd_per_ph_day,
    breakeven_power_price_usd_per_mwh,
)
from hashpivot.mining.costs import (
    CONVENTIONS,
    COST_VIEWS,
    CostCategory,
    CostLine,
    cost_per_btc_usd,
    ledger_table,
    margin_fraction,
    reverse_margin,
    view_cost_usd_per_day,
)
from hashpivot.mining.fleet import (
    FleetProduction,
    btc_mined_per_day,
    fleet_production,
    weighted_efficiency_j_per_th,
)
from hashpivot.mining.hashprice import hashprice_usd_per_ph_day, hashvalue_btc_per_ph_day

__all__ = [
    "CONVENTIONS",
    "COST_VIEWS",
    "CostCategory",
    "CostLine",
    "FleetProduction",
    "breakeven_btc_price_usd",
    "breakeven_efficiency_j_per_th",
    "breakeven_hashprice_usd_per_ph_day",
    "breakeven_power_price_usd_per_mwh",
    "btc_mined_per_day",
    "cost_per_btc_usd",
    "fleet_production",
    "hashprice_usd_per_ph_day",
    "hashvalue_btc_per_ph_day",
    "ledger_table",
    "margin_fraction",
    "reverse_margin",
    "view_cost_usd_per_day",
    "weighted_efficiency_j_per_th",
]
