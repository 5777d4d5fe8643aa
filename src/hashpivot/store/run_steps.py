"""The resolve and execute steps of every stored run kind.

``_resolve_<kind>(portfolio, params)`` fills in what the engine would otherwise pick itself
(network conditions of the latest day, the backtest window...) and returns the stored
parameters; ``_execute_<kind>(portfolio, params, context)`` calls the engine's public
entry point and returns a :class:`RunOutput`: the same JSON object as the CLI's ``--json``
plus compact chart data. :data:`hashpivot.store.runs.RUN_KINDS` pairs them with the
parameter models of :mod:`hashpivot.store.run_params`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models import Portfolio, Site
from hashpivot.reports.serialize import jsonable
from hashpivot.store import run_params
from hashpivot.store.run_params import PARAMS_SOURCE

ProgressFn = Callable[[float, str], None]
"""``progress(fraction_done, message)``."""


def problems_of(*checks: Callable[[], object]) -> list[Problem]:
    """The problems of independent checks, each run (every problem listed at once): those
    of the :class:`InputError` each raises, in order."""
    problems: list[Problem] = []
    for check in checks:
        try:
            check()
        except InputError as exc:
            problems += exc.problems
    return problems


def _no_progress(fraction: float, message: str) -> None:
    """Report nothing."""


@dataclasses.dataclass(frozen=True)
class RunContext:
    """Where a run executes: how it reports progress and how much memory it may use.

    Not part of a run's inputs: the same inputs give the same results on any machine.

    Attributes
    ----------
    progress : ProgressFn
        ``progress(fraction_done, message)``.
    max_memory_mib : float or None
        A simulation whose memory estimate exceeds this is refused before it starts;
        None: the memory available when it starts (``MemAvailable``). [MiB]
    """

    progress: ProgressFn = _no_progress
    max_memory_mib: float | None = None


@dataclasses.dataclass(frozen=True)
class RunOutput:
    """What a run stores: the CLI's ``--json`` object and compact chart data."""

    results: dict[str, Any]
    charts: dict[str, Any]



# --------------------------------------------------------------------------------------
# cost
# --------------------------------------------------------------------------------------
def _network(params: run_params.CostParams) -> Any:
    from hashpivot.engines.network_conditions import NetworkConditions

    if params.network is not None:
        return NetworkConditions(**params.network.model_dump())
    try:  # (no date: the latest data day)
        base = NetworkConditions.from_history(params.date)
    except DataError as exc:
        raise InputError([Problem("date", str(exc), PARAMS_SOURCE)]) from None
    return base.with_given("run parameters", btc_price_usd=params.btc_price_usd,
                           difficulty=params.difficulty,
                           fees_btc_per_block=params.fees_btc_per_block)


def _resolve_cost(portfolio: Portfolio, params: run_params.CostParams) -> dict[str, Any]:
    from hashpivot.engines.unit_economics import compute_unit_economics

    network = _network(params)
    _check_given_difficulty(portfolio, params, network)
    try:  # as the run will compute it (milliseconds): a day nothing runs is the date's
        compute_unit_economics(portfolio, network)
    except InputError as exc:  # nothing installed that day: the date's; no fleet: the file's
        dated = any(site.fleet for site in portfolio.sites)
        raise InputError([
            Problem("date", p.message, PARAMS_SOURCE) if p.path == "sites" and dated else p
            for p in exc.problems
        ]) from None
    net = dataclasses.asdict(network)
    net["date"] = net["date"].isoformat() if net.get("date") else None
    return {**params.model_dump(mode="json"), "network": net}


def _check_given_difficulty(
    portfolio: Portfolio, params: run_params.CostParams, network: Any
) -> None:
    """As ``hashpivot cost --difficulty``: a given difficulty (``difficulty``, or that of
    given ``network`` figures other than the history's of their day) whose network is
    smaller than the portfolio's fleet is an :class:`InputError` at its parameter."""
    from hashpivot.engines.network_conditions import NetworkConditions
    from hashpivot.network_limits import fleet_exceeds_network

    if params.difficulty is not None:
        path = "difficulty"
    elif params.network is not None:
        path = "network.difficulty"
        if params.network.date is not None:
            try:  # the history's figure of that day (a stored run's): a what-if
                if NetworkConditions.from_history(params.network.date).difficulty == (
                        params.network.difficulty):
                    return
            except (DataError, InputError):
                pass
    else:
        return
    message = fleet_exceeds_network(portfolio, network, "the portfolio")
    if message:
        raise InputError([Problem(path, message, PARAMS_SOURCE)])


def _execute_cost(
    portfolio: Portfolio, params: run_params.CostParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.unit_economics import compute_unit_economics

    network = _network(params)
    context.progress(0.1, "computing unit economics")
    result = compute_unit_economics(portfolio, network)
    out = jsonable(result.to_dict())
    return RunOutput(out, {"mw_split": mw_split(portfolio)})


def mw_split(portfolio: Portfolio) -> list[dict[str, Any]]:
    """Per site: mining MW (fleet with overhead; of dated entries, the most installed at
    the same time) today and once its planned hosting phases
    are built (they take spare capacity first, as the pivot model: ``min(fleet, capacity -
    AI load - AI)``), the AI/HPC MW planned in them and the firm AI load a dispatching
    site already serves (``[sites.dispatch] ai_load_mw``, kept from both).

    Returns
    -------
    list of dict
        ``site, mining_mw, mining_after_plan_mw, ai_mw, ai_load_mw, capacity_mw`` [MW].
    """
    rows = []
    for s in portfolio.sites:
        ai = sum(p.gross_mw for p in s.hosting.phases) if s.hosting is not None else 0.0
        served = float(s.dispatch.ai_load_mw) if s.dispatch is not None else 0.0
        fleet = float(s.peak_fleet_power_mw)  # (machines swapped in turn never add up)
        cap = s.capacity_mw if s.capacity_mw is not None else fleet + served
        rows.append(
            {
                "site": s.name,
                "mining_mw": min(fleet, cap - served),
                "mining_after_plan_mw": max(0.0, min(fleet, cap - served - float(ai))),
                "ai_mw": float(ai),
                "ai_load_mw": served,
                "capacity_mw": s.capacity_mw,
            }
        )
    return rows


# --------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------
def _resolve_backtest(portfolio: Portfolio, params: run_params.BacktestParams) -> dict[str, Any]:
    from hashpivot.engines.unit_economics import idle_fleet_problems
    from hashpivot.io import btc_daily_range

    first, last = btc_daily_range()
    end = params.end or last
    start = params.start or max(first, end - dt.timedelta(days=364))
    span = f"the bundled history runs from {first} to {last}"
    problems = [
        Problem(name, f"{day} is {side} the data: {span}", PARAMS_SOURCE)
        for name, day, side in (("start", start, "before" if start < first else "after"),
                                ("end", end, "after" if end > last else "before"))
        if not first <= day <= last
    ]
    if not problems and start > end:
        problems.append(Problem("end", f"must not be before start ({start})", PARAMS_SOURCE))
    if not any(site.fleet for site in portfolio.sites):  # (the portfolio's problem)
        problems.append(Problem("sites", "no site has a fleet: nothing mines"))
    problems += idle_fleet_problems(portfolio, every=True)  # (as the engine refuses it)
    if problems:
        raise InputError(problems)
    return {"start": start.isoformat(), "end": end.isoformat()}


def _execute_backtest(
    portfolio: Portfolio, params: run_params.BacktestParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.backtest import run_backtest

    context.progress(0.1, "running the backtest")
    assert params.start is not None and params.end is not None
    try:
        result = run_backtest(portfolio, params.start.isoformat(), params.end.isoformat())
    except DataError as exc:
        raise InputError([Problem("start", str(exc), PARAMS_SOURCE)]) from None
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
        "history_source": result.history_source,  # (the chart's source line)
    }
    return RunOutput(jsonable({"summary": result.summary, "files": [], "notes": result.notes,
                               "resolved_assumptions": result.resolved_assumptions()}),
                     jsonable(charts))


# --------------------------------------------------------------------------------------
# pivot
# --------------------------------------------------------------------------------------
#: The parameters of a run that the engines name as arguments (a problem with one of them
#: is the run's, not the portfolio's).
_RUN_ARGUMENTS = ("site", "convert_mw", "start", "discount_rate", "market")


def _as_params(exc: InputError) -> InputError:
    """``exc`` with its problems at a run parameter sourced to the run's parameters."""
    return InputError([
        Problem(p.path, p.message, PARAMS_SOURCE) if p.path in _RUN_ARGUMENTS else p
        for p in exc.problems
    ])


def _check_conversion(portfolio: Portfolio, site: str | None, convert_mw: float | None,
                      start: str | None, horizon_months: int | None = None,
                      first_month: str | None = None) -> None:
    """The run's site, MW and start as the engine takes them, checked when the run is
    submitted (:func:`~hashpivot.engines.pivot.strategies.conversion_problems`): a 422
    at the parameter, not a run that fails."""
    from hashpivot.engines.pivot.strategies import conversion_problems

    problems = conversion_problems(portfolio, site, convert_mw, start, horizon_months,
                                   first_month)
    if problems:
        raise _as_params(InputError(problems))


def _resolve_pivot(portfolio: Portfolio, params: run_params.PivotParams) -> dict[str, Any]:
    _check_conversion(portfolio, params.site, params.convert_mw, params.start)
    return dict(params.model_dump(mode="json"))


def _execute_pivot(
    portfolio: Portfolio, params: run_params.PivotParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.pivot import run_pivot

    context.progress(0.1, "valuing the strategies")
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
        raise exc.with_source(PARAMS_SOURCE) from None


def _resolve_simulate(portfolio: Portfolio, params: run_params.SimulateParams) -> dict[str, Any]:
    from hashpivot.engines.simulate.config import horizon_months_for
    from hashpivot.models.risk import ScenarioSpec

    problems = problems_of(  # the three checks are independent: listed together
        lambda: check_policy(portfolio, params.policy),
        lambda: _check_conversion(portfolio, params.site, params.convert_mw, params.start,
                                  horizon_months_for(params.years),
                                  (portfolio.scenario or ScenarioSpec()).start),
        lambda: check_discount_rate(portfolio, params.discount_rate),
    )
    if problems:
        raise InputError(problems)
    return dict(params.model_dump(mode="json"))


def check_discount_rate(portfolio: Portfolio, discount_rate: float | None) -> None:
    """An :class:`InputError` at ``discount_rate`` when the file's Gordon terminal value
    cannot be taken at that rate (growth at or above it); none without a rate."""
    from hashpivot.models.pivot import PivotSpec, gordon_rate_problem

    if discount_rate is None:
        return
    tv = (portfolio.pivot or PivotSpec()).terminal_value
    gordon = gordon_rate_problem(tv, discount_rate, discount_rate)
    if gordon:
        raise InputError([Problem("discount_rate", f"[pivot.terminal_value] {gordon}",
                                  PARAMS_SOURCE)])


def check_policy(portfolio: Portfolio, policy: str | None) -> None:
    """An :class:`InputError` at ``policy`` when the treasury cannot run it."""
    _simulate_policies(portfolio, policy)


def _execute_simulate(
    portfolio: Portfolio, params: run_params.SimulateParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.simulate import FAN_QUANTILES, SimulationConfig, simulate
    from hashpivot.engines.simulate.config import horizon_months_for, with_price_model
    from hashpivot.engines.simulate.memory import MemoryEstimate, check_memory, memory_limit

    portfolio = with_price_model(portfolio, params.price_model)
    config = SimulationConfig(
        n_paths=params.paths,
        horizon_months=horizon_months_for(params.years),
        seed=params.seed,
        chunk_paths=params.chunk_paths,
        discount_rate=params.discount_rate,
        site_name=params.site,
        convert_mw=params.convert_mw,
        convert_start=params.start,
        policies=_simulate_policies(portfolio, params.policy),
    )

    def chunks(done: int, total: int) -> None:
        context.progress(0.05 + 0.9 * done / max(total, 1), f"{done}/{total} chunks")

    limit_bytes, limit_source = memory_limit(
        context.max_memory_mib, setting="HASHPIVOT_MAX_MEMORY_MIB"
    )

    def fits(estimate: MemoryEstimate) -> None:
        check_memory(
            estimate, limit_bytes, limit_source, source=PARAMS_SOURCE,
            fixed_settings=("chunk_paths",),  # one thread per run: no `threads` to lower
        )

    result = simulate(
        portfolio, config, threads=1, progress=chunks, on_estimate=fits, source=PARAMS_SOURCE
    )
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
        raise exc.with_source(PARAMS_SOURCE) from None


def check_site(portfolio: Portfolio, name: str | None) -> None:
    """An :class:`InputError` at ``site`` when the portfolio has no site called ``name``
    (none without a name: every site, or the first)."""
    if name is not None:
        _site_of(portfolio, name)


def check_market(portfolio: Portfolio, market: str | None) -> None:
    """An :class:`InputError` at ``market`` when no bundled prices answer ``market``
    (:func:`hashpivot.engines.dispatch.sources.check_market`); none without one."""
    from hashpivot.engines.dispatch.sources import check_market as check

    if market is not None:
        try:
            check(market)
        except InputError as exc:
            raise _as_params(exc) from None


def _resolve_dispatch(portfolio: Portfolio, params: run_params.DispatchParams) -> dict[str, Any]:
    problems = problems_of(  # the site and the market: independent, listed together
        lambda: check_site(portfolio, params.site),
        lambda: check_market(portfolio, params.market))
    if problems:
        raise InputError(problems)
    site = _site_of(portfolio, params.site)
    out = dict(params.model_dump(mode="json"))
    out["site"] = site.name
    if params.market is None:
        contract = site.power_contract.market if site.power_contract else None
        if not contract:
            raise InputError(
                [Problem("market", "give a bundled market, e.g. ercot:HB_WEST:2024", PARAMS_SOURCE)]
            )
    from hashpivot.engines.dispatch import build_dispatch_problem, load_prices
    from hashpivot.power.fast import check_firm_load

    index = portfolio.sites.index(site)
    try:  # the prices the run will dispatch against exist (a bundled file: milliseconds)
        prices = load_prices(site, None, params.market)
        # and the site's dispatch inputs fit them and its limits (as the run builds them;
        # the firm AI load within the import limit, as either solver first checks)
        problem = build_dispatch_problem(site, prices,
                                         hashprice=params.hashprice_usd_per_ph_day,
                                         fleet_by_date=True)
        check_firm_load(problem, np.full(problem.n_intervals, problem.ai_firm_mw),
                        "the firm AI load")
    except InputError as exc:
        raise InputError([  # the site's own fields are the site's
            Problem(f"sites[{index}].{p.path}", p.message, p.source)
            if p.path.split(".")[0].split("[")[0] in _SITE_FIELDS else p
            for p in _as_params(exc).problems
        ]) from None
    return out


#: The fields of a site a dispatch problem may name (their paths get the site's prefix).
_SITE_FIELDS = frozenset({"power_contract", "dispatch", "fleet", "capacity_mw"})


def _execute_dispatch(
    portfolio: Portfolio, params: run_params.DispatchParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.dispatch import load_prices, run_dispatch
    from hashpivot.reports.dispatch import mining_heatmap_frame

    site = _site_of(portfolio, params.site)
    context.progress(0.05, "loading prices")
    prices = load_prices(site, None, params.market)
    context.progress(0.2, "dispatching")
    result = run_dispatch(
        site, prices, solver=params.solver, hashprice=params.hashprice_usd_per_ph_day,
        fleet_by_date=True,  # (as the command line: each entry on the days it is installed)
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
def _resolve_optimize(portfolio: Portfolio, params: run_params.OptimizeParams) -> dict[str, Any]:
    # (a portfolio with no [optimize] table runs on its defaults, as `hashpivot optimize`)
    from hashpivot.optimize import resolve_problem

    try:  # as the run resolves it: tenants' sites, committed conversions (about a second)
        resolve_problem(portfolio, continuous=params.continuous,
                        fixed_through=params.fixed_through, source=PARAMS_SOURCE)
    except InputError as exc:  # a run parameter's problem is the run's, the rest the file's
        raise InputError([Problem(p.path, p.message, PARAMS_SOURCE if p.path in
                                  run_params.OptimizeParams.model_fields else "")
                          for p in exc.problems]) from None
    return dict(params.model_dump(mode="json"))


def _execute_optimize(
    portfolio: Portfolio, params: run_params.OptimizeParams, context: RunContext
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
        context.progress(0.05 + 0.6 * done / max(total, 1), f"scenario coefficients {done}/{total}")

    context.progress(0.02, "resolving the plan problem")
    result = optimize_plan(portfolio, config, progress=chunks, source=PARAMS_SOURCE)
    out = jsonable(result.to_json())
    charts = {
        "plan": out.get("plan", []),
        "strategies": out.get("strategies", {}),
        "expected_npv_usd": out.get("expected_npv_usd"),
        "cvar95_usd": out.get("cvar95_usd"),
    }
    return RunOutput(out, charts)


__all__ = [
    "ProgressFn",
    "RunOutput",
    "check_discount_rate",
    "check_market",
    "check_policy",
    "check_site",
    "mw_split",
    "problems_of",
]
