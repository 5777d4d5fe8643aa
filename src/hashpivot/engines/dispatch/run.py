"""Run a dispatch: build the problem of a site and solve it (fast path or HiGHS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hashpivot.engines.dispatch.assumptions import dispatch_assumptions
from hashpivot.engines.dispatch.build import build_dispatch_problem
from hashpivot.engines.dispatch.sources import (
    PRICES_GIVEN_AS,
    load_prices,
    select_site,
    side_file_value_problems,
)
from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models import Site
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.results import DispatchResult
from hashpivot.power.solve import solve

__all__ = ["run_dispatch", "run_dispatch_file"]

#: Paths of problems that concern the arguments (the price series), not a field of the site.
_ARGUMENT_PATHS = frozenset({"prices", "prices_file", "market", "site"})


def run_dispatch(
    site: Site,
    prices: pd.Series,
    solver: str | None = None,
    spec: DispatchSpec | None = None,
    hashprice: float | pd.Series | None = None,
    **kwargs: Any,
) -> DispatchResult:
    """Build the problem of a site and solve it.

    Parameters
    ----------
    site : Site
        See :func:`build_dispatch_problem`.
    prices : pandas.Series
        Index prices per interval start. [USD/MWh]
    solver : {"auto", "fast", "lp"}, optional
        Default: the spec's ``solver``.
    spec : DispatchSpec, optional
    hashprice : float or pandas.Series, optional
        [USD/(PH/s)/day]
    **kwargs
        Passed to :func:`build_dispatch_problem`.

    Returns
    -------
    DispatchResult
        With its resolved assumptions
        (:func:`~hashpivot.engines.dispatch.assumptions.dispatch_assumptions`).
    """
    spec = spec if spec is not None else (site.dispatch or DispatchSpec())
    problem = build_dispatch_problem(site, prices, spec=spec, hashprice=hashprice, **kwargs)
    result = solve(
        problem,
        solver=solver or spec.solver,
        mip_gap=spec.mip_gap,
        time_limit_seconds=spec.time_limit_seconds,
    )
    result.assumptions = dispatch_assumptions(
        site, spec, problem, result.report, solver=solver, hashprice=hashprice,
        prices_given_as=prices.attrs.get(PRICES_GIVEN_AS))
    return result


def run_dispatch_file(
    path: str | Path,
    prices_file: str | Path | None = None,
    market: str | None = None,
    site_name: str | None = None,
    solver: str | None = None,
    hashprice: float | None = None,
) -> DispatchResult:
    """Load a portfolio TOML, pick a site and dispatch it.

    Problems in the site are reported at their path in the file (``sites[1].dispatch.
    emissions_file``) with the file's name.

    Parameters
    ----------
    path : path
        Portfolio TOML (``hashpivot.models.load_portfolio``).
    prices_file, market : optional
        Price source (see :func:`load_prices`).
    site_name : str, optional
        Default: the first site.
    solver : {"auto", "fast", "lp"}, optional
    hashprice : float, optional
        [USD/(PH/s)/day]

    Returns
    -------
    DispatchResult
    """
    from hashpivot.models import load_portfolio

    portfolio = load_portfolio(path)
    try:
        position, site = select_site(portfolio, site_name)
    except InputError as exc:
        raise exc.with_source(str(path)) from None
    base_dir = Path(path).resolve().parent
    try:
        try:
            prices = load_prices(site, prices_file, market)
        except InputError as exc:  # listed with the side files' problems
            raise InputError([*exc.problems, *_side_problems(site, base_dir)]) from None
        try:
            return run_dispatch(
                site, prices, solver=solver, hashprice=hashprice, base_dir=base_dir,
                fleet_by_date=True,
            )
        except DataError as exc:  # the price series' rows (missing values, intervals)
            side = _side_problems(site, base_dir)
            if not side:
                raise
            source = str(prices_file) if prices_file is not None else ""
            raise InputError([Problem("prices", str(exc), source), *side]) from None
    except InputError as exc:  # a field of the site: its path in the file, and the file
        raise InputError(
            [
                p
                if p.path in _ARGUMENT_PATHS
                else Problem(
                    f"sites[{position}].{p.path}" if p.path else f"sites[{position}]",
                    p.message,
                    p.source or str(path),
                )
                for p in exc.problems
            ]
        ) from None


def _side_problems(site: Site, base_dir: Path) -> list[Problem]:
    """The problems of the site's side files that show without prices (not there, not
    readable, values out of range: :func:`~hashpivot.engines.dispatch.sources.
    side_file_value_problems`), to list with those of the prices: their alignment to
    the prices is skipped (it needs good prices)."""
    from hashpivot.io import region_timezone

    spec = site.dispatch or DispatchSpec()
    return side_file_value_problems(spec, base_dir, region_timezone(site.region))
