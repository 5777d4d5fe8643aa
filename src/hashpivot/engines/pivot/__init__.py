"""The AI/HPC pivot: what converting megawatts to AI hosting is worth against mining on.

Pipeline (REopt style): validated :class:`~hashpivot.models.Portfolio` -> resolved site
inputs (:class:`SiteInputs`, every default filled) -> strategies (:func:`build_strategies`)
-> a market path (:func:`deterministic_market`, or Monte Carlo paths from the risk engine)
-> monthly cash flows per strategy (:func:`strategy_cash_flows`, vectorized over paths)
-> valuation, sensitivities and the break-even lease (:func:`run_pivot`).

Conventions (shared with the risk simulation, :mod:`hashpivot.engines.simulate`): month 0
is the first period; cash flows sit at month end; the monthly discount rate is
``(1 + annual)^(1/12) - 1``. Every :class:`CashFlows` array has shape
``(n_paths, n_months)``; arrays that do not depend on the market are read-only broadcast
views. The keep-mining baseline is always computed.

Model (each step names its source in the module it calls):

* Mining: BTC = fleet hashrate x uptime x (1 - pool fee) x hash value [BTC/TH/day] x days
  (:class:`~hashpivot.market.MarketPaths`); hash value follows the BTC price, network
  hashrate, fees and the block subsidy (halvings at heights 1,050,000 and 1,260,000, the
  height advancing 144 blocks a day). Fleet hashrate decays at constant power; every
  ``fleet_replacement_years`` the fleet may be replaced by machines of the then current
  efficiency (:func:`site_market`).
* Power: mining MW x hours x uptime x (contract price + adder); index contracts take the
  market's power path when it has one.
* Conversion: a phase's gross MW stop mining at construction start (the mining MW are
  ``min(fleet MW, capacity - converted)``; a site of several fleet entries loses its
  least efficient machines first, :mod:`~hashpivot.engines.pivot.tranches`); the
  displaced miners are resold; the hall
  enters service after ``construction_months``; rent, power, opex and capex follow
  :mod:`hashpivot.hosting.project`.
* Financing: ``loan_to_cost_fraction`` of the operator's hosting capex is debt
  (:func:`hashpivot.finance.project_debt_schedule`).
* Curtailment: a site (each fleet entry of it) mines a month only when its mining
  revenue exceeds its power cost (per path); at each decision month a path replaces its
  fleet where the discounted
  cash flows of the new machines over the old ones to the horizon, with the change in
  the mining terminal value, beat the capex, forecast from what is known at that month
  (:mod:`~hashpivot.engines.pivot.fleet`).
* Site cost items of category ``site_opex``, ``power`` and ``other`` scale with the share
  of the fleet still mining and stop in months the site does not mine (mothballed);
  ``sga_cash`` items stay; depreciation, stock-based
  compensation and interest items are not cash flows of this model; portfolio-level
  (corporate) items are the same in every strategy and are left out.

Modules, one concept each: :mod:`~hashpivot.engines.pivot.inputs` (resolved site inputs),
:mod:`~hashpivot.engines.pivot.market` (market start and deterministic paths),
:mod:`~hashpivot.engines.pivot.strategies` (conversion plans),
:mod:`~hashpivot.engines.pivot.fleet` (market-only fleet arrays and replacement decisions),
:mod:`~hashpivot.engines.pivot.replacement` (the valuation of one MW behind each decision),
:mod:`~hashpivot.engines.pivot.uplift` (a package: a dispatching site's flexibility and
contracted supply by month, measured on the price year; its names are its modules'),
:mod:`~hashpivot.engines.pivot.mining` (a site's mining on the paths),
:mod:`~hashpivot.engines.pivot.site_flows` (a site's monthly flows),
:mod:`~hashpivot.engines.pivot.cashflows` (a strategy's monthly flows),
:mod:`~hashpivot.engines.pivot.results` (valuation and results),
:mod:`~hashpivot.engines.pivot.sensitivity` (tornado, break-even lease) and
:mod:`~hashpivot.engines.pivot.run` (:func:`run_pivot`). Every name is re-exported here.
"""

from __future__ import annotations

# Private and imported names are re-exported (``name as name``) for existing callers
# that reach them as ``pivot.<name>`` (tests, benchmarks, the risk engine).
from hashpivot.engines.pivot.cashflows import CashFlows, strategy_cash_flows
from hashpivot.engines.pivot.cashflows import FloatArray as FloatArray
from hashpivot.engines.pivot.cashflows import _cash_flows_resolved as _cash_flows_resolved
from hashpivot.engines.pivot.fleet import SiteMarket, market_mining, site_market
from hashpivot.engines.pivot.inputs import _FIXED_CATEGORIES as _FIXED_CATEGORIES
from hashpivot.engines.pivot.inputs import _SCALED_CATEGORIES as _SCALED_CATEGORIES
from hashpivot.engines.pivot.inputs import _financing_spec as _financing_spec
from hashpivot.engines.pivot.inputs import _pivot_spec as _pivot_spec
from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.engines.pivot.market import _FALLBACK_STATE as _FALLBACK_STATE
from hashpivot.engines.pivot.market import (
    BLOCKS_PER_DAY,
    MarketStart,
    deterministic_market,
    growth_market,
    market_start,
)
from hashpivot.engines.pivot.market import _bundled_state as _bundled_state
from hashpivot.engines.pivot.results import PivotResult, StrategyResult
from hashpivot.engines.pivot.run import run_pivot
from hashpivot.engines.pivot.sensitivity import _TORNADO_LABELS as _TORNADO_LABELS
from hashpivot.engines.pivot.sensitivity import _breakeven_leases as _breakeven_leases
from hashpivot.engines.pivot.sensitivity import _map_hosting as _map_hosting
from hashpivot.engines.pivot.sensitivity import _tornado as _tornado
from hashpivot.engines.pivot.sensitivity import _with_hosting as _with_hosting
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.strategies import ConversionPhase, Strategy, build_strategies
from hashpivot.engines.pivot.strategies import _period as _period
from hashpivot.market import MarketPaths as MarketPaths
from hashpivot.models.financing import FinancingSpec as FinancingSpec
from hashpivot.models.hosting import HostingProjectSpec as HostingProjectSpec
from hashpivot.models.pivot import PivotSpec as PivotSpec

__all__ = [
    "BLOCKS_PER_DAY",
    "CashFlows",
    "ConversionPhase",
    "MarketStart",
    "PivotResult",
    "SiteInputs",
    "SiteMarket",
    "Strategy",
    "StrategyResult",
    "build_strategies",
    "deterministic_market",
    "growth_market",
    "market_mining",
    "market_start",
    "resolve_sites",
    "run_pivot",
    "site_market",
    "strategy_cash_flows",
]
