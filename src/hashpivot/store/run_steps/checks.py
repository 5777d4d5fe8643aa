"""The checks of run parameters that several run kinds share: every problem of independent
checks at once (:func:`problems_of`), a problem at a run parameter sourced to the run's
parameters (:func:`as_params`), the run's site (:func:`check_site`) and its conversion
(site, MW and start, :func:`check_conversion`) as the engines take them."""

from __future__ import annotations

from collections.abc import Callable

from hashpivot.exceptions import InputError, Problem
from hashpivot.models import Portfolio, Site
from hashpivot.store.run_params import PARAMS_SOURCE


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


#: The parameters of a run that the engines name as arguments (a problem with one of them
#: is the run's, not the portfolio's).
RUN_ARGUMENTS = ("site", "convert_mw", "start", "discount_rate", "market")


def as_params(exc: InputError) -> InputError:
    """``exc`` with its problems at a run parameter sourced to the run's parameters."""
    return InputError([
        Problem(p.path, p.message, PARAMS_SOURCE) if p.path in RUN_ARGUMENTS else p
        for p in exc.problems
    ])


def check_conversion(portfolio: Portfolio, site: str | None, convert_mw: float | None,
                     start: str | None, horizon_months: int | None = None,
                     first_month: str | None = None) -> None:
    """The run's site, MW and start as the engine takes them, checked when the run is
    submitted (:func:`~hashpivot.engines.pivot.strategies.conversion_problems`): a 422
    at the parameter, not a run that fails."""
    from hashpivot.engines.pivot.strategies import conversion_problems

    problems = conversion_problems(portfolio, site, convert_mw, start, horizon_months,
                                   first_month)
    if problems:
        raise as_params(InputError(problems))


def check_network(portfolio: Portfolio, *tables: str) -> None:
    """An :class:`InputError` at the ``network_hashrate_th_s`` of each of ``tables``
    (``"pivot"``, ``"scenario"``) smaller than the portfolio's own fleet, as the engine
    refuses it (:func:`~hashpivot.engines.pivot.market.network_below_fleet`): a 422 at
    the field, not a run that fails."""
    from hashpivot.engines.pivot.market import network_below_fleet

    problems = network_below_fleet(portfolio, tables)
    if problems:
        raise InputError(problems)


def site_of(portfolio: Portfolio, name: str | None) -> Site:
    """The portfolio's site called ``name`` (:meth:`Portfolio.site`), its problem sourced
    to the run's parameters."""
    try:
        return portfolio.site(name)
    except InputError as exc:
        raise exc.with_source(PARAMS_SOURCE) from None


def check_site(portfolio: Portfolio, name: str | None) -> None:
    """An :class:`InputError` at ``site`` when the portfolio has no site called ``name``
    (none without a name: every site, or the first)."""
    if name is not None:
        site_of(portfolio, name)


__all__ = ["RUN_ARGUMENTS", "as_params", "check_conversion", "check_network", "check_site",
           "problems_of", "site_of"]
