"""The one adapter between stored runs and the engines.

Every run kind has a parameter model (units in the names, every default explicit), a
``resolve`` step that fills in what the engine would otherwise pick itself (network
conditions of the latest day, the backtest window...) and an ``execute`` step that calls
the engine's public entry point and returns the same JSON object as the CLI's ``--json``
plus compact chart data. The service, the worker processes and ``hashpivot runs
reproduce`` all go through :func:`execute_run`, so engine changes land here only.

To add a run kind: write its parameter model, ``resolve`` and ``execute`` functions, add
a :class:`RunKind` to :data:`RUN_KINDS` and its name to ``web.schemas.RunKindName``; the
API, ``runs reproduce`` and the run forms pick it up (charts: ``web.charts.for_run``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.resources
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models import Portfolio, Site
from hashpivot.models.loader import problems_from_validation
from hashpivot.reports.serialize import jsonable

ProgressFn = Callable[[float, str], None]
"""``progress(fraction_done, message)``."""

_PARAMS = ConfigDict(extra="forbid", allow_inf_nan=False)
_SOURCE = "<run parameters>"


class CostParams(BaseModel):
    """Parameters of a ``cost`` run (``hashpivot cost``)."""

    model_config = _PARAMS

    date: dt.date | None = Field(
        None, description="Network conditions of this day (bundled history); default latest."
    )
    btc_price_usd: float | None = Field(None, gt=0, le=1e8, description="BTC price. [USD]")
    difficulty: float | None = Field(None, gt=0, le=1e18, description="Network difficulty. [-]")
    fees_btc_per_block: float | None = Field(
        None, ge=0, le=100, description="Average fees per block. [BTC]"
    )
    network: dict[str, Any] | None = Field(
        None, description="Resolved network conditions (filled in by the service)."
    )


class BacktestParams(BaseModel):
    """Parameters of a ``backtest`` run: a window of the bundled history."""

    model_config = _PARAMS

    start: dt.date | None = Field(None, description="First day; default a year before end.")
    end: dt.date | None = Field(None, description="Last day; default the latest bundled day.")


class PivotParams(BaseModel):
    """Parameters of a ``pivot`` run (``hashpivot pivot``)."""

    model_config = _PARAMS

    site: str | None = Field(None, max_length=200, description="Only this site.")
    convert_mw: float | None = Field(
        None, gt=0, le=10_000, description="Gross MW of the 'convert' strategy. [MW]"
    )
    start: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}$", description="Construction start of convert, YYYY-MM."
    )


class SimulateParams(BaseModel):
    """Parameters of a ``simulate`` run (``hashpivot simulate``)."""

    model_config = _PARAMS

    paths: int = Field(2_000, ge=1, le=200_000, description="Number of paths. [-]")
    years: float | None = Field(
        None, ge=0.1, le=40, description="Horizon; default [pivot].horizon_years. [years]"
    )
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root random seed. [-]")
    chunk_paths: int = Field(1_000, ge=1, le=200_000, description="Paths per chunk. [-]")
    policy: str | None = Field(
        None, description="Treasury policy (hold, sell_all, sell_to_cover, min_cash, all)."
    )
    discount_rate: float | None = Field(
        None, ge=-0.5, le=1.0, description="Annual discount rate. [fraction]"
    )
    site: str | None = Field(None, max_length=200, description="Only this site.")
    convert_mw: float | None = Field(
        None, gt=0, le=10_000, description="MW of the convert strategy. [MW]"
    )
    start: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}$", description="Construction start of convert, YYYY-MM."
    )
    price_model: Literal["gbm", "bootstrap"] | None = Field(
        None, description="Override [scenario].price_model."
    )


class DispatchParams(BaseModel):
    """Parameters of a ``dispatch`` run (bundled markets only: no files from requests)."""

    model_config = _PARAMS

    market: str | None = Field(
        None,
        max_length=60,
        description="Bundled prices, e.g. ercot:HB_WEST:2024; default the contract's market.",
    )
    site: str | None = Field(None, max_length=200, description="Site name; default the first.")
    solver: Literal["auto", "fast", "lp"] | None = Field(None, description="Dispatch solver.")
    hashprice_usd_per_ph_day: float | None = Field(
        None, ge=0, le=1e6, description="Constant hashprice. [USD per PH/s per day]"
    )


class OptimizeParams(BaseModel):
    """Parameters of an ``optimize`` run (``hashpivot optimize``): the portfolio's
    ``[optimize]`` table with the bundled regulation rules (no ``rules_file``)."""

    model_config = _PARAMS

    scenarios: int = Field(50, ge=1, le=5_000, description="In-sample market scenarios. [-]")
    risk_aversion: float = Field(0.0, ge=0, le=1, description="Weight of CVaR95. [0..1]")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root random seed. [-]")
    time_limit_s: float = Field(300.0, ge=0.1, le=3_600, description="HiGHS time limit. [s]")
    gap: float = Field(1e-3, ge=0, le=1, description="Relative MIP gap. [fraction]")
    fixed_through: str | None = Field(
        None, pattern=r"^\d{4}Q[1-4]$", description="Fix decisions up to this quarter, YYYYQn."
    )
    continuous: bool = Field(False, description="Continuous MW instead of hall blocks.")
    oos_scenarios: int | None = Field(
        None, ge=2, le=5_000, description="Out-of-sample scenarios; default as many. [-]"
    )
    evpi_scenarios: int = Field(
        5, ge=1, le=500, description="Scenarios solved with perfect information. [-]"
    )
    deterministic: bool = Field(False, description="One scenario, every volatility zero.")


@dataclasses.dataclass(frozen=True)
class RunOutput:
    """What a run stores: the CLI's ``--json`` object and compact chart data."""

    results: dict[str, Any]
    charts: dict[str, Any]


Resolver = Callable[[Portfolio, Any], dict[str, Any]]
Executor = Callable[[Portfolio, Any, ProgressFn], RunOutput]


@dataclasses.dataclass(frozen=True)
class RunKind:
    """A run kind: its parameter model, resolve step and execute step."""

    name: str
    title: str
    params: type[BaseModel]
    resolve: Resolver
    execute: Executor


# --------------------------------------------------------------------------------------
# cost
# --------------------------------------------------------------------------------------
def _network(params: CostParams) -> Any:
    from hashpivot.engines.unit_economics import NetworkConditions
    from hashpivot.io import btc_daily_range

    if params.network is not None:
        net = dict(params.network)
        net["date"] = dt.date.fromisoformat(net["date"]) if net.get("date") else None
        return NetworkConditions(**net)
    day = params.date or btc_daily_range()[1]
    try:
        base = NetworkConditions.from_history(day)
    except DataError as exc:
        raise InputError([Problem("date", str(exc), _SOURCE)]) from None
    over = {
        k: v
        for k, v in (
            ("btc_price_usd", params.btc_price_usd),
            ("difficulty", params.difficulty),
            ("fees_btc_per_block", params.fees_btc_per_block),
        )
        if v is not None
    }
    if not over:
        return base
    over_any: dict[str, Any] = {
        **over,
        "source": f"run parameters; other fields from {base.source} on {base.date}",
    }
    return dataclasses.replace(base, **over_any)


def _resolve_cost(portfolio: Portfolio, params: CostParams) -> dict[str, Any]:
    net = dataclasses.asdict(_network(params))
    net["date"] = net["date"].isoformat() if net.get("date") else None
    return {**params.model_dump(mode="json"), "network": net}


def _execute_cost(portfolio: Portfolio, params: CostParams, progress: ProgressFn) -> RunOutput:
    from hashpivot.engines.unit_economics import compute_unit_economics

    network = _network(params)
    progress(0.1, "computing unit economics")
    result = compute_unit_economics(portfolio, network)
    out = jsonable(result.to_dict())
    return RunOutput(out, {"mw_split": mw_split(portfolio)})


def mw_split(portfolio: Portfolio) -> list[dict[str, Any]]:
    """Per site: mining MW (fleet with overhead) and AI/HPC MW planned in its hosting phases.

    Returns
    -------
    list of dict
        ``site, mining_mw, ai_mw, capacity_mw`` [MW].
    """
    rows = []
    for s in portfolio.sites:
        ai = sum(p.gross_mw for p in s.hosting.phases) if s.hosting is not None else 0.0
        rows.append(
            {
                "site": s.name,
                "mining_mw": float(s.fleet_power_mw),
                "ai_mw": float(ai),
                "capacity_mw": s.capacity_mw,
            }
        )
    return rows


# --------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------
def _resolve_backtest(portfolio: Portfolio, params: BacktestParams) -> dict[str, Any]:
    from hashpivot.io import btc_daily_range

    first, last = btc_daily_range()
    end = params.end or last
    start = params.start or max(first, end - dt.timedelta(days=364))
    if start > end:
        raise InputError([Problem("end", f"must not be before start ({start})", _SOURCE)])
    return {"start": start.isoformat(), "end": end.isoformat()}


def _execute_backtest(
    portfolio: Portfolio, params: BacktestParams, progress: ProgressFn
) -> RunOutput:
    from hashpivot.engines.backtest import run_backtest

    progress(0.1, "running the backtest")
    assert params.start is not None and params.end is not None
    try:
        result = run_backtest(portfolio, params.start.isoformat(), params.end.isoformat())
    except DataError as exc:
        raise InputError([Problem("start", str(exc), _SOURCE)]) from None
    daily = result.daily
    cols = [
        "btc_price_usd",
        "hashprice_usd_per_ph_day",
        "cost_per_btc_direct_usd",
        "cost_per_btc_total_usd",
    ]
    charts = {
        "dates": [d.strftime("%Y-%m-%d") for d in daily.index],
        **{c: daily[c].to_list() for c in cols if c in daily},
    }
    return RunOutput(jsonable({"summary": result.summary, "files": []}), jsonable(charts))


# --------------------------------------------------------------------------------------
# pivot
# --------------------------------------------------------------------------------------
def _resolve_identity(portfolio: Portfolio, params: BaseModel) -> dict[str, Any]:
    return dict(params.model_dump(mode="json"))


def _execute_pivot(portfolio: Portfolio, params: PivotParams, progress: ProgressFn) -> RunOutput:
    from hashpivot.engines.pivot import run_pivot

    progress(0.1, "valuing the strategies")
    result = run_pivot(
        portfolio, site_name=params.site, convert_mw=params.convert_mw, start=params.start
    )
    periods = [str(p) for p in result.strategies[0].cash_flows.periods]
    charts = {
        "periods": periods,
        "cumulative_fcf_usd": {
            s.name: np.cumsum(s.cash_flows.unlevered_fcf_usd[0]).tolist()
            for s in result.strategies
        },
        "npv_usd": {s.name: s.npv_usd for s in result.strategies},
        "tornado": result.tornado.to_dict("records") if not result.tornado.empty else [],
    }
    return RunOutput(jsonable(result.to_json_dict()), jsonable(charts))


# --------------------------------------------------------------------------------------
# simulate
# --------------------------------------------------------------------------------------
def _simulate_policies(portfolio: Portfolio, policy: str | None) -> tuple[str, ...]:
    from hashpivot.treasury import policy_order

    try:
        return policy_order(portfolio.treasury, policy)
    except InputError as exc:
        raise exc.with_source(_SOURCE) from None


def _resolve_simulate(portfolio: Portfolio, params: SimulateParams) -> dict[str, Any]:
    _simulate_policies(portfolio, params.policy)
    return dict(params.model_dump(mode="json"))


def _execute_simulate(
    portfolio: Portfolio, params: SimulateParams, progress: ProgressFn
) -> RunOutput:
    from hashpivot.engines.simulate import FAN_QUANTILES, SimulationConfig, simulate
    from hashpivot.models.risk import ScenarioSpec

    if params.price_model is not None:
        spec = portfolio.scenario or ScenarioSpec()
        portfolio = portfolio.model_copy(
            update={"scenario": spec.model_copy(update={"price_model": params.price_model})}
        )
    config = SimulationConfig(
        n_paths=params.paths,
        horizon_months=None if params.years is None else max(1, round(params.years * 12)),
        seed=params.seed,
        chunk_paths=params.chunk_paths,
        discount_rate=params.discount_rate,
        site_name=params.site,
        convert_mw=params.convert_mw,
        convert_start=params.start,
        policies=_simulate_policies(portfolio, params.policy),
    )

    def chunks(done: int, total: int) -> None:
        progress(0.05 + 0.9 * done / max(total, 1), f"{done}/{total} chunks")

    result = simulate(portfolio, config, threads=1, progress=chunks, source=_SOURCE)
    charts = {
        "periods": [str(p) for p in result.periods],
        "quantiles": list(FAN_QUANTILES),
        "fan": {k: np.asarray(v).tolist() for k, v in result.fan.items()},
        "npv_usd": {
            n: np.quantile(np.asarray(v), [0.05, 0.25, 0.5, 0.75, 0.95]).tolist()
            for n, v in result.npv_usd.items()
        },
    }
    return RunOutput(jsonable(result.to_json()), jsonable(charts))


# --------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------
def _site_of(portfolio: Portfolio, name: str | None) -> Site:
    try:
        return portfolio.site(name)
    except InputError as exc:
        raise exc.with_source(_SOURCE) from None


def _resolve_dispatch(portfolio: Portfolio, params: DispatchParams) -> dict[str, Any]:
    site = _site_of(portfolio, params.site)
    out = dict(params.model_dump(mode="json"))
    out["site"] = site.name
    if params.market is None:
        contract = site.power_contract.market if site.power_contract else None
        if not contract:
            raise InputError(
                [Problem("market", "give a bundled market, e.g. ercot:HB_WEST:2024", _SOURCE)]
            )
    return out


def _execute_dispatch(
    portfolio: Portfolio, params: DispatchParams, progress: ProgressFn
) -> RunOutput:
    from hashpivot.engines.dispatch import load_prices, run_dispatch
    from hashpivot.reports.dispatch import mining_heatmap_frame

    site = _site_of(portfolio, params.site)
    progress(0.05, "loading prices")
    prices = load_prices(site, None, params.market)
    progress(0.2, "dispatching")
    result = run_dispatch(
        site, prices, solver=params.solver, hashprice=params.hashprice_usd_per_ph_day
    )
    heat = mining_heatmap_frame(result.schedule_frame())
    charts = {
        "days": [d.strftime("%Y-%m-%d") for d in heat.index],
        "hours": list(range(24)),
        "mining_mw": heat.to_numpy().round(3).tolist(),
    }
    return RunOutput(jsonable(result.summary()), jsonable(charts))


# --------------------------------------------------------------------------------------
# optimize
# --------------------------------------------------------------------------------------
def _resolve_optimize(portfolio: Portfolio, params: OptimizeParams) -> dict[str, Any]:
    if getattr(portfolio, "optimize", None) is None:
        raise InputError(
            [Problem("optimize", "the portfolio has no [optimize] table", _SOURCE)]
        )
    return dict(params.model_dump(mode="json"))


def _execute_optimize(
    portfolio: Portfolio, params: OptimizeParams, progress: ProgressFn
) -> RunOutput:
    from hashpivot.optimize import OptimizeConfig, optimize_plan

    config = OptimizeConfig(
        n_scenarios=params.scenarios,
        seed=params.seed,
        risk_aversion=params.risk_aversion,
        time_limit_s=params.time_limit_s,
        gap=params.gap,
        fixed_through=params.fixed_through,
        continuous=params.continuous,
        oos_scenarios=params.oos_scenarios,
        evpi_scenarios=params.evpi_scenarios,
        deterministic=params.deterministic,
    )

    def chunks(done: int, total: int) -> None:
        progress(0.05 + 0.6 * done / max(total, 1), f"scenario coefficients {done}/{total}")

    progress(0.02, "resolving the plan problem")
    result = optimize_plan(portfolio, config, progress=chunks, source=_SOURCE)
    out = jsonable(result.to_json())
    charts = {
        "plan": out.get("plan", []),
        "strategies": out.get("strategies", {}),
        "expected_npv_usd": out.get("expected_npv_usd"),
        "cvar95_usd": out.get("cvar95_usd"),
    }
    return RunOutput(out, charts)


RUN_KINDS: dict[str, RunKind] = {
    k.name: k
    for k in (
        RunKind("cost", "Unit economics", CostParams, _resolve_cost, _execute_cost),
        RunKind(
            "backtest", "Backtest", BacktestParams, _resolve_backtest, _execute_backtest
        ),
        RunKind("pivot", "AI/HPC pivot", PivotParams, _resolve_identity, _execute_pivot),
        RunKind("simulate", "Monte Carlo", SimulateParams, _resolve_simulate, _execute_simulate),
        RunKind("dispatch", "Dispatch", DispatchParams, _resolve_dispatch, _execute_dispatch),
        RunKind(
            "optimize", "Conversion plan", OptimizeParams, _resolve_optimize, _execute_optimize
        ),
    )
}


def run_kind(name: str) -> RunKind:
    """The run kind called ``name``."""
    try:
        return RUN_KINDS[name]
    except KeyError:
        raise InputError(
            [Problem("kind", f"unknown run kind {name!r}; kinds: {', '.join(RUN_KINDS)}", "")]
        ) from None


def parse_params(kind: str, raw: Any) -> BaseModel:
    """Validate run parameters; problems carry their field paths."""
    model = run_kind(kind).params
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, _SOURCE)) from None


def resolve_inputs(kind: str, portfolio: Portfolio, raw_params: Any) -> dict[str, Any]:
    """The resolved inputs of a run: the portfolio with every default and the parameters."""
    from hashpivot.store.portfolios import resolved_document

    k = run_kind(kind)
    params = parse_params(kind, raw_params)
    return {
        "kind": kind,
        "portfolio": resolved_document(portfolio),
        "params": jsonable(k.resolve(portfolio, params)),
    }


def execute_run(inputs: dict[str, Any], progress: ProgressFn | None = None) -> RunOutput:
    """Run an engine on resolved inputs (what workers and ``runs reproduce`` call)."""
    from hashpivot.store.portfolios import validate_document

    k = run_kind(str(inputs["kind"]))
    portfolio = validate_document(inputs["portfolio"], "<stored run inputs>")
    params = parse_params(k.name, inputs["params"])
    return k.execute(portfolio, params, progress or (lambda f, m: None))


@lru_cache(maxsize=1)
def bundled_data_versions() -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of every bundled data file."""
    out: dict[str, str] = {}
    root = importlib.resources.files("hashpivot") / "data"
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file() and not entry.name.endswith(".md"):
            out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest()[:16]
    return out


def provenance() -> dict[str, Any]:
    """Package version and data versions (bundled; updated files in the user data dir)."""
    import hashpivot
    from hashpivot.store.settings import default_data_dir

    updated: dict[str, str] = {}
    folder = default_data_dir() / "data"
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            if f.is_file():
                updated[f.name] = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
    return {
        "package_version": hashpivot.__version__,
        "data": {"bundled": bundled_data_versions(), "updated": updated},
    }
