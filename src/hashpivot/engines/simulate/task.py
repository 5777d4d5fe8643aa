"""What a chunk of paths receives and returns: :class:`ChunkTask` and :class:`ChunkResult`.

A :class:`ChunkTask` is built once per run
(:func:`~hashpivot.engines.simulate.resolve.prepare`) and shipped to every chunk
(pickled once per worker on Dask); a :class:`ChunkResult` holds the reduced statistics
of one chunk (bounded memory). :class:`PivotModel` is what the engine
needs from the pivot model; :data:`BASELINE` names the keep-mining strategy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.market import MarketPaths
from hashpivot.models import Portfolio
from hashpivot.models.risk import TreasurySpec
from hashpivot.scenarios import ScenarioParams
from hashpivot.treasury.totals import TreasuryTotals

BASELINE = "keep_mining"


class PivotModel(Protocol):
    """What the engine needs from :mod:`hashpivot.engines.pivot` (the issue-3 contract)."""

    def build_strategies(
        self, portfolio: Portfolio, *args: Any, **kwargs: Any
    ) -> list[Any]: ...

    def deterministic_market(
        self, portfolio: Portfolio, start: pd.Period, horizon_months: int
    ) -> MarketPaths: ...

    def strategy_cash_flows(
        self,
        portfolio: Portfolio,
        strategy: Any,
        market: MarketPaths,
        site_name: str | None = None,
    ) -> Any: ...


def _default_pivot() -> ModuleType:
    from hashpivot.engines import pivot

    return pivot


@dataclass(frozen=True)
class ChunkTask:
    """Everything a chunk needs; pickled once per worker on Dask."""

    portfolio: Portfolio
    strategies: tuple[Any, ...]
    strategy_names: tuple[str, ...]
    params: ScenarioParams
    treasury: TreasurySpec
    debt_service_usd: FloatArray
    discount_factors: FloatArray
    policies: tuple[str, ...]
    noncash_cost_usd: FloatArray
    corporate_cash_cost_usd: FloatArray
    site_name: str | None
    fan_paths: int
    npv_cash_flow: str
    pivot: Any
    terminal_value: Any = None  # TerminalValueSpec, or None for no terminal value
    discount_rate: float = 0.0  # annual, of the unlevered (mining) flows [1/year]
    hosting_discount_factors: FloatArray | None = None  # (T,) when hosting has its rate
    hosting_discount_rate: float | None = None  # annual [1/year]
    # site -> phase slots, for the sites with [sites.hosting.risk] (empty: no hosting risk)
    hosting_risk_slots: dict[str, int] | None = None
    tax: Any = None  # TaxSpec ([pivot.tax]), or None: pre-tax
    tax_shell_fraction: float = 0.0  # share of hall capex that is shell [-]
    tax_discount_factors: FloatArray | None = None  # (T,) of the unlevered tax
    # tenants that may not sign (engines.simulate.signing) and their probabilities
    signing_tenants: tuple[str, ...] = ()
    signing_probabilities: tuple[float, ...] = ()
    # the dispatch flexibility curves, measured once where the task is built
    # (engines.pivot.uplift.cache.measured_dispatch_uplifts): a worker takes them
    # instead of measuring them again
    dispatch_uplifts: tuple[tuple[str, Any], ...] = ()

    @property
    def keeps_terminal_value(self) -> bool:
        """Whether each path also gets its NPV with the terminal value (unlevered runs
        with a terminal value)."""
        return self.terminal_value is not None and self.npv_cash_flow == "unlevered"


@dataclass
class ChunkResult:
    """Reduced statistics of one chunk (bounded memory)."""

    k: int
    n: int
    npv_usd: FloatArray  # (S, n)
    treasury: dict[tuple[str, str], TreasuryTotals]
    reverse_direct_count: FloatArray  # (T,)
    reverse_total_count: FloatArray  # (T,)
    fan_btc_price_usd: FloatArray  # (m, T)
    fan_hashprice_usd_per_ph_day: FloatArray  # (m, T)
    fan_power_usd_per_mwh: FloatArray | None  # (m, T) the first index market's
    mean_fcf_usd_sum: FloatArray  # (S, T) sum over paths of the NPV cash flow
    seconds: float = 0.0
    npv_with_tv_usd: FloatArray | None = None  # (S, n) NPV plus terminal value (PV)
    npv_after_tax_usd: FloatArray | None = None  # (S, n) NPV minus income tax (PV)
    loss_spell_paths: int = 0  # paths below the marginal fleet's cost > 1 year (margin option)
    # node (iso:point) -> (m, T): each other index market's, in MarketPaths.power_by_market's order
    fan_power_by_market_usd_per_mwh: dict[str, FloatArray] = field(default_factory=dict)
