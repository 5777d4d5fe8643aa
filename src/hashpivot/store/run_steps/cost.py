"""The cost run (unit economics on one day's network conditions): its resolve step (the
network conditions of the date, or of the latest data day, with the given figures; a given
difficulty whose network the fleet exceeds refused), its execute step and its chart's MW
split by site (:func:`mw_split`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models import Portfolio
from hashpivot.reports.serialize import jsonable
from hashpivot.store import run_params
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.run_steps.context import RunContext, RunOutput


def _network(params: run_params.CostParams) -> Any:
    from hashpivot.engines.economics import NetworkConditions

    if params.network is not None:
        return NetworkConditions(**params.network.model_dump())
    try:  # (no date: the latest data day)
        base = NetworkConditions.from_history(params.date)
    except DataError as exc:
        raise InputError([Problem("date", str(exc), PARAMS_SOURCE)]) from None
    return base.with_given("run parameters", btc_price_usd=params.btc_price_usd,
                           difficulty=params.difficulty,
                           fees_btc_per_block=params.fees_btc_per_block)


def resolve(portfolio: Portfolio, params: run_params.CostParams) -> dict[str, Any]:
    from hashpivot.engines.economics import compute_unit_economics

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
    from hashpivot.engines.economics import NetworkConditions
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


def execute(
    portfolio: Portfolio, params: run_params.CostParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.economics import compute_unit_economics

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
    site already serves (``[sites.dispatch] ai_load_mw``) and the halls already in service
    (``[[sites.hosting.in_service]]``, ``in_service_mw``), both kept from both.

    Returns
    -------
    list of dict
        ``site, mining_mw, mining_after_plan_mw, ai_mw, ai_load_mw, in_service_mw,
        capacity_mw`` [MW].
    """
    rows = []
    for s in portfolio.sites:
        ai = sum(p.gross_mw for p in s.hosting.phases) if s.hosting is not None else 0.0
        served = float(s.dispatch.ai_load_mw) if s.dispatch is not None else 0.0
        # the halls in service: neither mined nor converted
        halls = s.hosting.in_service_gross_mw if s.hosting is not None else 0.0
        fleet = float(s.peak_fleet_power_mw)  # (machines swapped in turn never add up)
        cap = s.capacity_mw if s.capacity_mw is not None else fleet + served + halls
        rows.append(
            {
                "site": s.name,
                "mining_mw": min(fleet, cap - served - halls),
                "mining_after_plan_mw": max(0.0, min(fleet,
                                                     cap - served - halls - float(ai))),
                "ai_mw": float(ai),
                "ai_load_mw": served,
                "in_service_mw": halls,
                "capacity_mw": s.capacity_mw,
            }
        )
    return rows


__all__ = ["execute", "mw_split", "resolve"]
