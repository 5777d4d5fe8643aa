"""The dispatch run (one site's mining scheduled against bundled market prices): its
resolve step (the site and the market, then the site's dispatch inputs against those
prices), the check of its market and its execute step."""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.exceptions import InputError, Problem
from hashpivot.models import Portfolio
from hashpivot.reports.serialize import jsonable
from hashpivot.store import run_params
from hashpivot.store.run_params import PARAMS_SOURCE
from hashpivot.store.run_steps.checks import as_params, check_site, problems_of, site_of
from hashpivot.store.run_steps.context import RunContext, RunOutput


def check_market(portfolio: Portfolio, market: str | None) -> None:
    """An :class:`InputError` at ``market`` when no bundled prices answer ``market``
    (:func:`hashpivot.engines.dispatch.sources.check_market`); none without one."""
    from hashpivot.engines.dispatch.sources import check_market as check

    if market is not None:
        try:
            check(market)
        except InputError as exc:
            raise as_params(exc) from None


def resolve(portfolio: Portfolio, params: run_params.DispatchParams) -> dict[str, Any]:
    problems = problems_of(  # the site and the market: independent, listed together
        lambda: check_site(portfolio, params.site),
        lambda: check_market(portfolio, params.market))
    if problems:
        raise InputError(problems)
    site = site_of(portfolio, params.site)
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
            for p in as_params(exc).problems
        ]) from None
    return out


#: The fields of a site a dispatch problem may name (their paths get the site's prefix).
_SITE_FIELDS = frozenset({"power_contract", "dispatch", "fleet", "capacity_mw"})


def execute(
    portfolio: Portfolio, params: run_params.DispatchParams, context: RunContext
) -> RunOutput:
    from hashpivot.engines.dispatch import load_prices, run_dispatch
    from hashpivot.reports.dispatch import mining_heatmap_frame

    site = site_of(portfolio, params.site)
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


__all__ = ["check_market", "execute", "resolve"]
