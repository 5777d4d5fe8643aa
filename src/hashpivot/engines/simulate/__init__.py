"""Monte Carlo risk engine: every pivot strategy on many market paths, with a treasury.

Pipeline (one run)
------------------
1. Resolve: the deterministic market of the pivot model (the center of the paths), the
   calibration on the bundled BTC history (and ERCOT prices for index contracts), the
   :class:`~hashpivot.scenarios.ScenarioParams`, the strategies (``build_strategies``),
   the treasury debt schedule.
2. Chunks: paths are split in chunks of a *fixed* size (``chunk_paths``); chunk ``k``
   draws from child ``k`` of ``SeedSequence(seed)``, so a run is identical whether chunks
   run in this process, in threads, or as tasks on a Dask cluster, and in any order.
3. Each chunk: generate :class:`~hashpivot.market.MarketPaths`; for each strategy call
   ``strategy_cash_flows``; NPV of each path; the treasury under each policy; counts of
   reverse-margin paths per month; and the first ``fan_paths_per_chunk`` paths of price,
   hashprice and cash for fan charts. Memory per chunk is bounded by ``chunk_paths``.
4. Combine each chunk as it finishes (:class:`ChunkCombiner`; the chunk's result is then
   dropped): its per-path NPVs (with and without terminal value) and the main policy's
   lowest cash per path are written at the chunk's place in arrays of
   (strategies, ``n_paths``) allocated once per run, so each per-path value is held once;
   treasury totals, monthly counts and cash-flow sums are added in chunk order (whatever
   order the chunks finish in); fan-chart quantiles are computed on the first
   ``fan_paths_per_chunk`` paths of each chunk, at most 20,000 paths in all (a P5 from
   5,000 paths has a standard error of about 0.3 percentile points).

Definitions
-----------
NPV
    ``sum_t cf_t / (1 + r_m)^(t+1)`` with ``r_m = (1 + r)^(1/12) - 1`` (month-end flows),
    computed as an elementwise product and a pairwise sum (no BLAS), so that the same
    chunk gives bitwise the same NPV in any process. The cash flow is
    ``unlevered_fcf_usd`` (``npv_cash_flow="unlevered"``) or ``levered_fcf_usd``.
VaR95, CVaR95
    Both are NPV *levels* (lower is worse): ``var95_usd`` is the 5th percentile of NPV
    (95 % of paths do better); ``cvar95_usd`` is the mean NPV over the worst
    ``ceil(0.05 n)`` paths (expected shortfall).
Reverse margin (keep-mining baseline)
    In a month, a path is in *direct* reverse margin when the cash cost of the BTC mined
    exceeds its value: ``power + opex > btc_mined * price``, i.e. direct cost per BTC >
    price, with the cost items (``opex``, corporate, non-cash) at ``cost``'s daily rate
    over the month's days (1/12 of a year times ``12 d / 365.25`` in a month of ``d``
    days: :mod:`~hashpivot.engines.simulate.reverse_margin`); *total* adds the non-cash
    costs (depreciation and stock-based compensation of the portfolio's cost items and
    fleet capex) to the cost. A month in which a fleet with
    mining MW mines nothing (the pivot model curtails when power and the variable site
    costs cost more than the hash earns) counts as reverse margin. Portfolio-wide: with
    several sites, the sums over sites are compared.
Treasury
    Operating USD flow = ``levered_fcf_usd - mining_revenue_usd`` minus the portfolio-level
    (corporate) cash cost items, which the pivot model leaves out of every strategy (the
    mined BTC enter the treasury as BTC: ``btc_mined``); see :mod:`hashpivot.treasury`.
    The direct reverse-margin cost also includes those corporate cash items (cash SG&A).

Modules, one concept each: :mod:`~hashpivot.engines.simulate.config` (run settings),
:mod:`~hashpivot.engines.simulate.task` (what a chunk receives and returns),
:mod:`~hashpivot.engines.simulate.costs` (cost items left out of the pivot model),
:mod:`~hashpivot.engines.simulate.calibration` (market calibration on bundled data),
:mod:`~hashpivot.engines.simulate.resolve` (stage 1: :func:`prepare`, chunk seeds),
:mod:`~hashpivot.engines.simulate.chunk` (stage 3: :func:`run_chunk`),
:mod:`~hashpivot.engines.simulate.stats` (quantiles, CVaR),
:mod:`~hashpivot.engines.simulate.result` (:class:`SimulationResult` and its JSON),
:mod:`~hashpivot.engines.simulate.combine` (stage 4: :class:`ChunkCombiner`, each chunk
stored or folded as it finishes; :func:`combine_chunks`),
:mod:`~hashpivot.engines.simulate.run` (:func:`simulate`; the chunks run on
:mod:`hashpivot.executors`: local, threads or Dask). Every name is re-exported here.
"""

from __future__ import annotations

# Private names are re-exported (``name as name``) for existing callers that reach them
# as ``simulate.<name>``. No submodule is
# named like a re-exported name: importing it would rebind that package attribute.
from hashpivot.engines.simulate.calibration import _index_contract as _index_contract
from hashpivot.engines.simulate.calibration import load_calibration, load_power_fit
from hashpivot.engines.simulate.chunk import run_chunk
from hashpivot.engines.simulate.combine import ChunkCombiner, combine_chunks
from hashpivot.engines.simulate.config import SimulationConfig
from hashpivot.engines.simulate.costs import (
    corporate_cash_cost_usd_per_month,
    noncash_cost_usd_per_month,
)
from hashpivot.engines.simulate.resolve import (
    PreparedRun,
    default_discount_rate,
    prepare,
    scenario_notes,
)
from hashpivot.engines.simulate.result import SimulationResult
from hashpivot.engines.simulate.run import simulate
from hashpivot.engines.simulate.stats import FAN_QUANTILES
from hashpivot.engines.simulate.stats import _quantiles as _quantiles
from hashpivot.engines.simulate.task import (
    BASELINE,
    ChunkResult,
    ChunkTask,
    FloatArray,
    PivotModel,
)
from hashpivot.engines.simulate.task import _default_pivot as _default_pivot
from hashpivot.executors import ProgressFn

__all__ = [
    "BASELINE",
    "FAN_QUANTILES",
    "ChunkCombiner",
    "ChunkResult",
    "ChunkTask",
    "FloatArray",
    "PivotModel",
    "PreparedRun",
    "ProgressFn",
    "SimulationConfig",
    "SimulationResult",
    "combine_chunks",
    "corporate_cash_cost_usd_per_month",
    "default_discount_rate",
    "load_calibration",
    "load_power_fit",
    "noncash_cost_usd_per_month",
    "prepare",
    "run_chunk",
    "scenario_notes",
    "simulate",
]
