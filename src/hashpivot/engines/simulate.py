"""Monte Carlo risk engine: every pivot strategy on many market paths, with a treasury.

Pipeline (one run)
------------------
1. Resolve: the deterministic market of the pivot model (the centre of the paths), the
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
4. Combine the chunks in chunk order: NPV samples (``n_paths`` floats per strategy) and
   per-path treasury totals are concatenated; monthly counts are added; fan-chart
   quantiles are computed on the concatenated subsample (``n_chunks *
   fan_paths_per_chunk`` paths; a P5 from 5,000 paths has a standard error of about 0.3
   percentile points).

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
    price; *total* adds the non-cash costs (depreciation and stock-based compensation of
    the portfolio's cost items and fleet capex) to the cost. A month in which a fleet with
    mining MW mines nothing (the pivot model curtails when power costs more than the hash
    earns) counts as reverse margin. Portfolio-wide: with several sites, the sums over
    sites are compared.
Treasury
    Operating USD flow = ``levered_fcf_usd - mining_revenue_usd`` minus the portfolio-level
    (corporate) cash cost items, which the pivot model leaves out of every strategy (the
    mined BTC enter the treasury as BTC: ``btc_mined``); see :mod:`hashpivot.treasury`.
    The direct reverse-margin cost also includes those corporate cash items (cash SG&A).
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.market import MarketPaths
from hashpivot.models.risk import ScenarioSpec, TreasurySpec
from hashpivot.scenarios import (
    MarketCalibration,
    PowerFit,
    ScenarioParams,
    build_scenario_params,
    calibrate_market,
    chunk_seeds,
    fit_power,
    generate_chunk,
)
from hashpivot.treasury import POLICIES, TreasuryPathSummary, debt_schedule, treasury_summary

FloatArray = npt.NDArray[np.float64]
ProgressFn = Callable[[int, int], None]
FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
BASELINE = "keep_mining"


class PivotModel(Protocol):
    """What the engine needs from :mod:`hashpivot.engines.pivot` (the issue-3 contract)."""

    def build_strategies(self, portfolio: Any, *args: Any, **kwargs: Any) -> list[Any]: ...

    def deterministic_market(
        self, portfolio: Any, start: pd.Period, horizon_months: int
    ) -> MarketPaths: ...

    def strategy_cash_flows(
        self, portfolio: Any, strategy: Any, market: MarketPaths, site_name: str | None = None
    ) -> Any: ...


def _default_pivot() -> ModuleType:
    from hashpivot.engines import pivot

    return pivot


# --------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulationConfig:
    """Run settings (the portfolio's ``[scenario]`` and ``[treasury]`` hold the model).

    Attributes
    ----------
    n_paths : int
        Number of paths. [-]
    horizon_months : int
        Months simulated. [month]
    seed : int
        Root seed. [-]
    chunk_paths : int
        Paths per chunk: part of the reproducibility key (same seed and chunk size give
        the same paths). [-]
    discount_rate : float or None
        Annual discount rate (fraction); None: ``pivot.discount_rate``. [1/year]
    start : str or None
        First month ``YYYY-MM``; None: ``scenario.start``, else the pivot model's start.
    site_name, convert_mw, convert_start
        Passed to ``build_strategies``.
    policies : tuple of str or None
        Treasury policies to run; None: the portfolio's policy only. The first one is the
        *main* policy (used in the JSON summary and the cash fan chart).
    fan_paths_per_chunk : int
        Paths per chunk kept for fan charts. [-]
    npv_cash_flow : str
        ``"unlevered"`` or ``"levered"``.
    """

    n_paths: int = 10_000
    horizon_months: int = 120
    seed: int = 0
    chunk_paths: int = 5_000
    discount_rate: float | None = None
    start: str | None = None
    site_name: str | None = None
    convert_mw: float | None = None
    convert_start: str | None = None
    policies: tuple[str, ...] | None = None
    fan_paths_per_chunk: int = 250
    npv_cash_flow: str = "unlevered"

    def problems(self) -> list[Problem]:
        """Every invalid setting, with its option name."""
        out: list[Problem] = []
        src = "<command line>"
        if self.n_paths < 1:
            out.append(Problem("paths", "must be >= 1", src))
        if self.horizon_months < 1:
            out.append(Problem("years", "horizon must be at least one month", src))
        if self.chunk_paths < 1:
            out.append(Problem("chunk_paths", "must be >= 1", src))
        if self.discount_rate is not None and not -0.99 < self.discount_rate < 10:
            out.append(Problem("discount_rate", "must be a fraction, e.g. 0.10", src))
        for p in self.policies or ():
            if p not in POLICIES:
                out.append(Problem("policy", f"{p!r} is not one of {', '.join(POLICIES)}", src))
        if self.npv_cash_flow not in ("unlevered", "levered"):
            out.append(Problem("npv_cash_flow", "must be 'unlevered' or 'levered'", src))
        return out


# --------------------------------------------------------------------------------------
# the task shipped to each chunk (picklable)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChunkTask:
    """Everything a chunk needs; pickled once per worker on Dask."""

    portfolio: Any
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


@dataclass
class ChunkResult:
    """Reduced statistics of one chunk (bounded memory)."""

    k: int
    n: int
    npv_usd: FloatArray  # (S, n)
    treasury: dict[tuple[str, str], TreasuryPathSummary]
    reverse_direct_count: FloatArray  # (T,)
    reverse_total_count: FloatArray  # (T,)
    fan_btc_price_usd: FloatArray  # (m, T)
    fan_hashprice_usd_per_ph_day: FloatArray  # (m, T)
    fan_power_usd_per_mwh: FloatArray | None
    mean_fcf_usd_sum: FloatArray  # (S, T) sum over paths of the NPV cash flow
    seconds: float = 0.0


def run_chunk(task: ChunkTask, k: int, size: int, seed_seq: np.random.SeedSequence) -> ChunkResult:
    """Simulate one chunk of paths (pure: the same inputs give bitwise the same output)."""
    t0 = time.perf_counter()
    market = generate_chunk(task.params, seed_seq, size)
    m = min(task.fan_paths, size)
    price = market.btc_price_usd
    price_tm = np.ascontiguousarray(price.T)  # time-major, shared by every treasury run
    fiat_tm = np.empty((market.n_periods, size))
    S = len(task.strategies)
    T = market.n_periods
    npv = np.empty((S, size))
    fcf_sum = np.empty((S, T))
    treasury: dict[tuple[str, str], TreasuryPathSummary] = {}
    direct = np.zeros(T)
    total = np.zeros(T)
    for i, (name, strategy) in enumerate(zip(task.strategy_names, task.strategies, strict=True)):
        cf = task.pivot.strategy_cash_flows(task.portfolio, strategy, market, task.site_name)
        flow = cf.unlevered_fcf_usd if task.npv_cash_flow == "unlevered" else cf.levered_fcf_usd
        flow = np.asarray(flow, dtype=np.float64)
        npv[i] = (flow * task.discount_factors).sum(axis=1)
        fcf_sum[i] = flow.sum(axis=0)
        btc_mined = np.asarray(cf.btc_mined, dtype=np.float64)
        mined_tm = np.ascontiguousarray(btc_mined.T)
        np.subtract(
            np.asarray(cf.levered_fcf_usd, dtype=np.float64).T,
            np.asarray(cf.mining_revenue_usd, dtype=np.float64).T,
            out=fiat_tm,
        )
        fiat_tm -= task.corporate_cash_cost_usd[:, None]
        for pol in task.policies:
            treasury[(name, pol)] = treasury_summary(
                task.treasury,
                price_tm,
                mined_tm,
                fiat_tm,
                task.debt_service_usd,
                pol,
                keep_cash_paths=m if pol == task.policies[0] else 0,
                time_major=True,
            )
        if name == BASELINE:
            value = btc_mined * price
            cash_cost = (
                np.asarray(cf.power_cost_usd, dtype=np.float64)
                + np.asarray(cf.opex_usd, dtype=np.float64)
                + task.corporate_cash_cost_usd
            )
            # a fleet curtailed all month mines nothing because power costs more than
            # the hash earns: direct reverse margin by definition
            curtailed = (btc_mined <= 0) & (np.asarray(cf.mining_mw) > 0)
            direct = ((cash_cost > value) | curtailed).sum(axis=0).astype(np.float64)
            cash_cost += task.noncash_cost_usd
            total = ((cash_cost > value) | curtailed).sum(axis=0).astype(np.float64)
        del cf, flow, btc_mined, mined_tm
    hashprice = market.hashprice_usd_per_th_day[:m] * 1000.0
    return ChunkResult(
        k=k,
        n=size,
        npv_usd=npv,
        treasury=treasury,
        reverse_direct_count=direct,
        reverse_total_count=total,
        fan_btc_price_usd=price[:m].copy(),
        fan_hashprice_usd_per_ph_day=np.asarray(hashprice),
        fan_power_usd_per_mwh=(
            None
            if market.power_price_usd_per_mwh is None
            else market.power_price_usd_per_mwh[:m].copy()
        ),
        mean_fcf_usd_sum=fcf_sum,
        seconds=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------
def _quantiles(x: FloatArray) -> FloatArray:
    return np.asarray(np.quantile(x, FAN_QUANTILES, axis=0), dtype=np.float64)


def _cvar(x: FloatArray, alpha: float = 0.05) -> float:
    k = max(1, math.ceil(alpha * x.size))
    return float(np.partition(x, k - 1)[:k].mean())


@dataclass
class SimulationResult:
    """Everything a run produces, with its resolved inputs echoed.

    Attributes
    ----------
    periods : pandas.PeriodIndex
        Simulated months.
    strategy_names : list of str
        Strategies, the baseline ``keep_mining`` first when present.
    npv_usd : dict
        Strategy -> NPV of every path, shape (n_paths,). [USD]
    deterministic_npv_usd : dict
        Strategy -> NPV on the centre path (all volatilities zero). [USD]
    treasury : dict
        (strategy, policy) -> per-path treasury totals.
    policies : tuple of str
        Policies run; the first is the main one.
    prob_reverse_margin_direct, prob_reverse_margin_total : ndarray, shape (n_periods,)
        Share of paths in reverse margin each month (keep-mining baseline). [-]
    fan : dict
        Name -> quantiles (len(FAN_QUANTILES), n_periods) of ``btc_price_usd``,
        ``hashprice_usd_per_ph_day``, ``power_price_usd_per_mwh`` and
        ``cash_usd:<strategy>`` (main policy).
    mean_cash_flow_usd : dict
        Strategy -> mean over paths of the NPV cash flow per month. [USD]
    inputs : dict
        Resolved settings, calibration and model parameters (JSON-ready).
    timings_s : dict
        Wall-clock seconds of ``setup``, ``chunks`` and ``combine``. [s]
    """

    periods: pd.PeriodIndex
    strategy_names: list[str]
    npv_usd: dict[str, FloatArray]
    deterministic_npv_usd: dict[str, float]
    treasury: dict[tuple[str, str], TreasuryPathSummary]
    policies: tuple[str, ...]
    prob_reverse_margin_direct: FloatArray
    prob_reverse_margin_total: FloatArray
    fan: dict[str, FloatArray]
    mean_cash_flow_usd: dict[str, FloatArray]
    inputs: dict[str, Any] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def n_paths(self) -> int:
        """Number of paths. [-]"""
        return int(next(iter(self.npv_usd.values())).size)

    @property
    def baseline(self) -> str | None:
        """Name of the keep-mining baseline, if it was simulated."""
        return BASELINE if BASELINE in self.npv_usd else None

    def strategy_stats(self, name: str) -> dict[str, float]:
        """Summary of one strategy's NPV distribution and treasury (main policy).

        Returns
        -------
        dict
            ``npv_mean_usd, npv_p5_usd, npv_p50_usd, npv_p95_usd, var95_usd, cvar95_usd,
            npv_deterministic_usd, prob_beats_baseline, npv_vs_baseline_mean_usd,
            npv_vs_baseline_p5_usd`` plus the treasury metrics of
            :meth:`TreasuryPathSummary.metrics`.
        """
        x = self.npv_usd[name]
        p5, p50, p95 = (float(v) for v in np.percentile(x, [5, 50, 95]))
        out: dict[str, float] = {
            "npv_mean_usd": float(x.mean()),
            "npv_p5_usd": p5,
            "npv_p50_usd": p50,
            "npv_p95_usd": p95,
            "var95_usd": p5,
            "cvar95_usd": _cvar(x),
            "npv_deterministic_usd": self.deterministic_npv_usd.get(name, float("nan")),
        }
        base = self.baseline
        if base is not None:
            d = x - self.npv_usd[base]
            out["prob_beats_baseline"] = float((d > 0).mean()) if name != base else 0.0
            out["npv_vs_baseline_mean_usd"] = float(d.mean())
            out["npv_vs_baseline_p5_usd"] = float(np.percentile(d, 5))
        else:
            out["prob_beats_baseline"] = float("nan")
        out.update(self.treasury[(name, self.policies[0])].metrics())
        return out

    def forced_sales_by_policy(self) -> dict[str, dict[str, float]]:
        """Expected BTC sold under duress: strategy -> policy -> BTC. [BTC]"""
        return {
            s: {
                p: float(self.treasury[(s, p)].forced_btc.mean())
                for p in self.policies
            }
            for s in self.strategy_names
        }

    def to_json(self) -> dict[str, Any]:
        """One JSON-ready object: per-strategy figures, reverse margin, inputs."""

        def clean(v: float) -> float | None:
            return None if not math.isfinite(v) else v

        strategies = {
            n: {k: clean(v) for k, v in self.strategy_stats(n).items()}
            for n in self.strategy_names
        }
        return {
            "n_paths": self.n_paths,
            "periods": [str(self.periods[0]), str(self.periods[-1])],
            "main_policy": self.policies[0],
            "strategies": strategies,
            "forced_sale_btc_by_policy": self.forced_sales_by_policy(),
            "prob_reverse_margin_direct_by_month": {
                str(p): float(v)
                for p, v in zip(self.periods, self.prob_reverse_margin_direct, strict=True)
            },
            "prob_reverse_margin_total_by_month": {
                str(p): float(v)
                for p, v in zip(self.periods, self.prob_reverse_margin_total, strict=True)
            },
            "inputs": self.inputs,
            "timings_s": self.timings_s,
        }


def combine_chunks(
    results: Sequence[ChunkResult],
    strategy_names: Sequence[str],
    policies: Sequence[str],
    periods: pd.PeriodIndex,
) -> SimulationResult:
    """Join chunk results in chunk order (independent of the order they finished in)."""
    rs = sorted(results, key=lambda r: r.k)
    n = sum(r.n for r in rs)
    npv_all = np.concatenate([r.npv_usd for r in rs], axis=1)
    treasury = {
        key: TreasuryPathSummary.concatenate([r.treasury[key] for r in rs])
        for key in rs[0].treasury
    }
    fan: dict[str, FloatArray] = {
        "btc_price_usd": _quantiles(np.concatenate([r.fan_btc_price_usd for r in rs])),
        "hashprice_usd_per_ph_day": _quantiles(
            np.concatenate([r.fan_hashprice_usd_per_ph_day for r in rs])
        ),
    }
    if rs[0].fan_power_usd_per_mwh is not None:
        fan["power_price_usd_per_mwh"] = _quantiles(
            np.concatenate(
                [r.fan_power_usd_per_mwh for r in rs if r.fan_power_usd_per_mwh is not None]
            )
        )
    main = policies[0]
    for s in strategy_names:
        fan[f"cash_usd:{s}"] = _quantiles(treasury[(s, main)].cash_sample_usd)
    fcf = np.sum([r.mean_fcf_usd_sum for r in rs], axis=0) / n
    return SimulationResult(
        periods=periods,
        strategy_names=list(strategy_names),
        npv_usd={s: npv_all[i].copy() for i, s in enumerate(strategy_names)},
        deterministic_npv_usd={},
        treasury=treasury,
        policies=tuple(policies),
        prob_reverse_margin_direct=np.sum([r.reverse_direct_count for r in rs], axis=0) / n,
        prob_reverse_margin_total=np.sum([r.reverse_total_count for r in rs], axis=0) / n,
        fan=fan,
        mean_cash_flow_usd={s: fcf[i] for i, s in enumerate(strategy_names)},
    )


# --------------------------------------------------------------------------------------
# setup helpers
# --------------------------------------------------------------------------------------
def noncash_cost_usd_per_month(portfolio: Any, n_periods: int) -> FloatArray:
    """Depreciation and stock-based compensation per month of a portfolio. [USD]

    Sums the cost items tagged ``depreciation`` or ``stock_based_compensation`` (site and
    portfolio level, ``usd_per_year / 12``) and the straight-line depreciation of fleet
    entries that give ``capex_usd_per_th`` and ``depreciation_years`` (over those years
    from the first month).
    """
    out = np.zeros(n_periods)
    noncash = {"depreciation", "stock_based_compensation"}
    items = list(getattr(portfolio, "cost_items", []) or [])
    for site in getattr(portfolio, "sites", []) or []:
        items += list(getattr(site, "cost_items", []) or [])
        for fe in getattr(site, "fleet", []) or []:
            capex = getattr(fe, "capex_usd_per_th", None)
            years = getattr(fe, "depreciation_years", None)
            if capex and years:
                monthly = capex * fe.hashrate_th_s * fe.count / (years * 12.0)
                n_dep = min(n_periods, round(years * 12))
                out[:n_dep] += monthly
    for it in items:
        if str(getattr(it, "category", "")) in noncash:
            out += float(it.usd_per_year) / 12.0
    return out


def corporate_cash_cost_usd_per_month(portfolio: Any, n_periods: int) -> FloatArray:
    """Portfolio-level (corporate) cash cost items per month. [USD]

    The pivot model leaves portfolio-level items out (they are the same in every strategy
    and cancel in NPV differences) but a treasury pays them. Categories ``depreciation``
    and ``stock_based_compensation`` are not cash; ``interest`` is left to
    ``[treasury].debt`` (listing a debt in both places would count it twice).
    """
    out = np.zeros(n_periods)
    skip = {"depreciation", "stock_based_compensation", "interest"}
    for it in list(getattr(portfolio, "cost_items", []) or []):
        if str(getattr(it, "category", "")) not in skip:
            out += float(it.usd_per_year) / 12.0
    return out


def _index_contract(portfolio: Any, site_name: str | None) -> Any | None:
    for site in getattr(portfolio, "sites", []) or []:
        if site_name is not None and site.name != site_name:
            continue
        pc = getattr(site, "power_contract", None)
        if pc is not None and getattr(pc, "kind", None) == "index":
            return pc
    return None


def load_calibration(spec: ScenarioSpec) -> MarketCalibration:
    """Calibrate on the bundled BTC history over the spec's window."""
    from hashpivot.io import btc_daily_range, load_btc_daily

    first, last = btc_daily_range()
    start = max(spec.calibration_start, first)
    end = last if spec.calibration_end is None else min(spec.calibration_end, last)
    try:
        daily = load_btc_daily(start, end)
        return calibrate_market(daily, spec.hashrate_lag_months)
    except DataError as exc:
        raise InputError(
            Problem("scenario.calibration_start", f"cannot calibrate: {exc}")
        ) from exc


def load_power_fit(spec: ScenarioSpec) -> PowerFit | None:
    """Calibrate the power model on the bundled market named by the spec (or None)."""
    if spec.power_calibrate_on is None:
        return None
    from hashpivot.io.power_prices import load_market_prices

    try:
        return fit_power(load_market_prices(spec.power_calibrate_on))
    except (InputError, DataError) as exc:
        if isinstance(exc, InputError):
            msg = "; ".join(p.message for p in exc.problems)
        else:
            msg = str(exc)
        raise InputError(Problem("scenario.power_calibrate_on", msg)) from exc


@dataclass(frozen=True)
class PreparedRun:
    """Resolved inputs of a run (built once; chunks only read it)."""

    task: ChunkTask
    chunks: list[tuple[int, int, np.random.SeedSequence]]
    center: MarketPaths
    inputs: dict[str, Any]


def prepare(
    portfolio: Any,
    config: SimulationConfig,
    *,
    pivot: PivotModel | ModuleType | None = None,
    calibration: MarketCalibration | None = None,
    power_fit: PowerFit | None = None,
    source: str = "",
) -> PreparedRun:
    """Resolve every input of a run (stage 1 of the pipeline).

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio (``scenario`` and ``treasury`` are optional fields).
    config : SimulationConfig
        Run settings.
    pivot : module or object, optional
        Provides ``build_strategies``, ``deterministic_market`` and
        ``strategy_cash_flows``; default :mod:`hashpivot.engines.pivot`.
    calibration, power_fit : optional
        Pre-computed calibrations (default: computed from the bundled data).
    source : str
        Portfolio file name for error messages.
    """
    problems = config.problems()
    if problems:
        raise InputError(problems)
    pv: Any = pivot if pivot is not None else _default_pivot()
    spec: ScenarioSpec = getattr(portfolio, "scenario", None) or ScenarioSpec()
    tspec: TreasurySpec = getattr(portfolio, "treasury", None) or TreasurySpec()
    start_s = config.start or spec.start
    start = pd.Period(start_s, "M") if start_s else None
    center = pv.deterministic_market(portfolio, start, config.horizon_months)
    if spec.step != "monthly":
        raise InputError(
            Problem("scenario.step", "the simulation engine needs monthly steps", source)
        )
    needs_cal = any(
        v is None
        for v in (
            spec.btc_volatility_per_year,
            spec.hashrate_elasticity,
            spec.hashrate_volatility_per_year,
            spec.price_hashrate_correlation,
            spec.fees_lognormal_sigma,
        )
    ) or spec.anchor == "history" or spec.price_model == "bootstrap"
    cal = calibration
    if cal is None and needs_cal:
        cal = load_calibration(spec)
    contract = _index_contract(portfolio, config.site_name)
    pfit = power_fit
    if contract is not None and pfit is None:
        pfit = load_power_fit(spec)
    params = build_scenario_params(
        spec,
        center.periods,
        cal,
        center=center if spec.anchor == "deterministic" else None,
        power_fit=pfit,
        power_mean_usd_per_mwh=(
            None if contract is None else float(contract.price_usd_per_mwh)
        ),
        simulate_power=contract is not None,
        source=source,
    )
    kwargs: dict[str, Any] = {}
    if config.site_name is not None:
        kwargs["site_name"] = config.site_name
    if config.convert_mw is not None:
        kwargs["convert_mw"] = config.convert_mw
    if config.convert_start is not None:
        kwargs["start"] = pd.Period(config.convert_start, "M")
    strategies = list(pv.build_strategies(portfolio, **kwargs))
    names = tuple(str(s.name) for s in strategies)
    if BASELINE in names and names[0] != BASELINE:
        order = sorted(range(len(names)), key=lambda i: names[i] != BASELINE)
        strategies = [strategies[i] for i in order]
        names = tuple(names[i] for i in order)
    rate = config.discount_rate if config.discount_rate is not None else (
        default_discount_rate(portfolio)
    )
    T = len(center.periods)
    r_m = (1.0 + rate) ** (1.0 / 12.0) - 1.0
    dfac = (1.0 + r_m) ** -(np.arange(T, dtype=np.float64) + 1.0)
    sched = debt_schedule(list(tspec.debt), center.periods, source)
    policies = config.policies or (tspec.policy,)
    task = ChunkTask(
        portfolio=portfolio,
        strategies=tuple(strategies),
        strategy_names=names,
        params=params,
        treasury=tspec,
        debt_service_usd=sched.service_usd,
        discount_factors=dfac,
        policies=tuple(policies),
        noncash_cost_usd=noncash_cost_usd_per_month(portfolio, T),
        corporate_cash_cost_usd=corporate_cash_cost_usd_per_month(portfolio, T),
        site_name=config.site_name,
        fan_paths=config.fan_paths_per_chunk,
        npv_cash_flow=config.npv_cash_flow,
        pivot=pv,
    )
    chunks = chunk_seeds(config.seed, config.n_paths, config.chunk_paths)
    inputs: dict[str, Any] = {
        "n_paths": config.n_paths,
        "horizon_months": T,
        "seed": config.seed,
        "chunk_paths": config.chunk_paths,
        "discount_rate": rate,
        "npv_cash_flow": config.npv_cash_flow,
        "start": str(center.periods[0]),
        "strategies": list(names),
        "policies": list(policies),
        "scenario": spec.model_dump(mode="json"),
        "treasury": tspec.model_dump(mode="json"),
        "calibration": None if cal is None else cal.summary(),
        "power_fit": None if pfit is None else pfit.as_dict(),
        "resolved": {
            "btc_volatility_per_year": float(params.price_volatility_per_year.mean()),
            "hashrate_elasticity": params.hashrate_elasticity,
            "hashrate_volatility_per_year": float(params.hashrate_noise_per_step.mean())
            * math.sqrt(12),
            "price_hashrate_correlation": params.price_hashrate_correlation,
            "fees_lognormal_sigma": params.fees_sigma,
            "power_simulated": params.power_center_usd_per_mwh is not None,
        },
    }
    return PreparedRun(task=task, chunks=chunks, center=center, inputs=inputs)


def default_discount_rate(portfolio: Any) -> float:
    """The pivot model's discount rate: ``portfolio.pivot.discount_rate`` or its default."""
    pivot_spec = getattr(portfolio, "pivot", None)
    rate = getattr(pivot_spec, "discount_rate", None)
    if rate is None:
        from hashpivot.models.hosting import PivotSpec

        rate = PivotSpec().discount_rate
    return float(rate)


# --------------------------------------------------------------------------------------
# execution
# --------------------------------------------------------------------------------------
def simulate(
    portfolio: Any,
    config: SimulationConfig,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int = 1,
    progress: ProgressFn | None = None,
    pivot: PivotModel | ModuleType | None = None,
    calibration: MarketCalibration | None = None,
    power_fit: PowerFit | None = None,
    source: str = "",
) -> SimulationResult:
    """Run the Monte Carlo simulation of every strategy.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    config : SimulationConfig
        Paths, horizon, seed, chunk size, discount rate, policies.
    workers : int, optional
        Start a ``dask.distributed.LocalCluster`` with this many single-threaded worker
        processes and run the chunks on it.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``). Its workers run
        faster with ``MALLOC_TRIM_THRESHOLD_=268435456`` and
        ``MALLOC_MMAP_THRESHOLD_=33554432`` in their environment (what ``workers=N`` sets;
        Dask's default trim threshold makes numpy's large temporaries page-fault).
    threads : int
        Local run only: chunks run on this many threads (numpy releases the GIL). The
        result does not depend on it.
    progress : callable, optional
        ``progress(done_chunks, total_chunks)`` after each chunk.
    pivot, calibration, power_fit, source
        See :func:`prepare`.

    Returns
    -------
    SimulationResult
        Identical for the same seed and chunk size, however the chunks are run.
    """
    if workers is not None and scheduler is not None:
        raise InputError(Problem("workers", "give --workers or --scheduler, not both"))
    t0 = time.perf_counter()
    run = prepare(
        portfolio, config, pivot=pivot, calibration=calibration, power_fit=power_fit,
        source=source,
    )
    t1 = time.perf_counter()
    if workers is not None or scheduler is not None:
        results = _run_dask(run, workers, scheduler, progress)
    else:
        results = _run_local(run, threads, progress)
    t2 = time.perf_counter()
    res = combine_chunks(
        results, run.task.strategy_names, run.task.policies, run.center.periods
    )
    # deterministic reference: the centre path, every volatility zero
    det_params = run.task.params.zero_volatility()
    det_market = generate_chunk(det_params, np.random.SeedSequence(0), 1)
    for name, strat in zip(run.task.strategy_names, run.task.strategies, strict=True):
        cf = run.task.pivot.strategy_cash_flows(portfolio, strat, det_market, config.site_name)
        flow = cf.unlevered_fcf_usd if config.npv_cash_flow == "unlevered" else cf.levered_fcf_usd
        res.deterministic_npv_usd[name] = float(
            (np.asarray(flow, dtype=np.float64) * run.task.discount_factors).sum()
        )
    res.inputs = run.inputs
    res.inputs["executor"] = (
        f"dask:{scheduler}" if scheduler else f"dask:LocalCluster({workers})"
        if workers is not None
        else f"local:threads={threads}"
    )
    res.timings_s = {
        "setup": t1 - t0,
        "chunks": t2 - t1,
        "combine": time.perf_counter() - t2,
        "chunk_cpu_sum": float(sum(r.seconds for r in results)),
    }
    return res


def _run_local(
    run: PreparedRun, threads: int, progress: ProgressFn | None
) -> list[ChunkResult]:
    total = len(run.chunks)
    out: list[ChunkResult] = []
    if threads <= 1 or total == 1:
        for k, size, ss in run.chunks:
            out.append(run_chunk(run.task, k, size, ss))
            if progress:
                progress(len(out), total)
        return out
    with ThreadPoolExecutor(max_workers=threads) as ex:
        futs = [ex.submit(run_chunk, run.task, k, size, ss) for k, size, ss in run.chunks]
        for f in futs:
            out.append(f.result())
            if progress:
                progress(len(out), total)
    return out


#: glibc settings of the workers of the LocalCluster started by ``workers=N``.
_WORKER_MALLOC_ENV: dict[str, int] = {
    "MALLOC_TRIM_THRESHOLD_": 256 * 2**20,
    "MALLOC_MMAP_THRESHOLD_": 32 * 2**20,
}


def _run_dask(
    run: PreparedRun,
    workers: int | None,
    scheduler: str | None,
    progress: ProgressFn | None,
) -> list[ChunkResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            Problem(
                "workers",
                "Dask is not installed: pip install 'hashpivot[dask]' (or run without "
                "--workers/--scheduler)",
            )
        ) from exc
    cluster = None
    if scheduler is None:
        import dask

        n = int(workers or os.cpu_count() or 1)
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's dynamic
        # mmap threshold: every multi-MB numpy temporary is then mmapped and page-faulted
        # anew (chunks ran ~2x slower). Keep such arrays on the heap instead.
        environ = {
            **dask.config.get("distributed.nanny.pre-spawn-environ", {}),
            **_WORKER_MALLOC_ENV,
        }
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="10s")
    try:
        task_f = client.scatter(run.task, broadcast=True)
        token = uuid.uuid4().hex  # keys unique per run on a shared scheduler
        futs = [
            client.submit(run_chunk, task_f, k, size, ss, pure=False, key=f"hp-{token}-{k}")
            for k, size, ss in run.chunks
        ]
        out: list[ChunkResult] = []
        for fut in as_completed(futs):
            out.append(fut.result())
            if progress:
                progress(len(out), len(futs))
        return out
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
