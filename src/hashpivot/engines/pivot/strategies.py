"""Conversion strategies: named plans of conversion phases.

A :class:`Strategy` is a tuple of :class:`ConversionPhase` (``gross_mw`` of a site stop
mining at ``start``); :func:`build_strategies` builds the plans to compare from the
portfolio, ``keep_mining`` (no phases) first; :func:`within_horizon` leaves out the phases
that would start after the horizon.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from hashpivot.engines.pivot.inputs import _pivot_spec, resolve_sites
from hashpivot.engines.pivot.market import market_start
from hashpivot.engines.pivot.signing import check_signing
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.pivot import FILE_START_FIELD, PivotSpec

if TYPE_CHECKING:
    from hashpivot.models import Portfolio


@dataclass(frozen=True)
class ConversionPhase:
    """One conversion tranche: ``gross_mw`` of ``site`` start construction at ``start``.

    Attributes
    ----------
    site : str
        Site name.
    start : pandas.Period
        Month construction starts (the MW stop mining). [month]
    gross_mw : float
        Gross (utility) MW converted. [MW]
    lease : tuple of (str, float)
        The hall's own lease terms, ``(field, value)`` pairs of
        :data:`hashpivot.models.hosting.LEASE_TERM_FIELDS` (a tenant's rent, escalator,
        term); empty: the site's ``[sites.hosting]`` terms.
    tenant : str or None
        The hall's tenant, a label.
    probability_signing : float
        Probability the tenant signs (:mod:`hashpivot.engines.pivot.signing`); 1: the hall
        is built. [-]
    """

    site: str
    start: pd.Period
    gross_mw: float
    lease: tuple[tuple[str, float], ...] = ()
    tenant: str | None = None
    probability_signing: float = 1.0

    def with_lease(self, **terms: float) -> ConversionPhase:
        """This phase with some of its own lease terms set (the others kept)."""
        return dataclasses.replace(self, lease=tuple({**dict(self.lease), **terms}.items()))


@dataclass(frozen=True)
class Strategy:
    """A named conversion plan; ``keep_mining`` has no phases.

    Attributes
    ----------
    name : str
        Strategy name.
    phases : tuple of ConversionPhase
        The conversions, in order of start.
    site_fees_usd : tuple of (str, float)
        One-time costs the regulation rules charge at the sites the strategy converts
        (``add_cost_usd``; :func:`hashpivot.engines.pivot.regulation.with_site_fees`):
        (site, USD) pairs, paid in the horizon's first month with the hall capex, the
        tenants signing or not. [USD]
    """

    name: str
    phases: tuple[ConversionPhase, ...] = ()
    site_fees_usd: tuple[tuple[str, float], ...] = ()

    @property
    def converted_gross_mw(self) -> float:
        """Total gross MW converted by the end of the plan. [MW]"""
        return float(sum(p.gross_mw for p in self.phases))


def _period(value: pd.Period | str, path: str) -> pd.Period:
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as exc:
        raise InputError([Problem(path, f"{value!r} is not a month 'YYYY-MM'")]) from exc


def _convert_start(raw: pd.Period | str | None, path: str, model_start: pd.Period,
                   horizon_months: int | None, problems: list[Problem]) -> pd.Period | None:
    """The ``convert`` strategy's start month (``raw``, default the model start), or None
    with its problem added to ``problems``: not a month, before the model start, after
    ``horizon_months``. [month]"""
    try:
        when = model_start if raw is None else _period(raw, path)
    except InputError as exc:  # (the MW are checked all the same)
        problems += exc.problems
        return None
    last = model_start + (horizon_months - 1) if horizon_months else None
    if when < model_start:
        problems.append(Problem(path, f"{when} is before the model start {model_start}"))
    elif last is not None and when > last:
        problems.append(Problem(
            path, f"{when} is after the model horizon ({model_start} to {last})"))
    return when


def build_strategies(
    portfolio: Portfolio,
    site_name: str | None = None,
    convert_mw: float | None = None,
    start: pd.Period | str | None = None,
    horizon_months: int | None = None,
) -> list[Strategy]:
    """The strategies to compare, ``keep_mining`` first.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio (``pivot.strategies`` picks the strategies).
    site_name : str, optional
        Restrict conversions to this site.
    convert_mw : float, optional
        Gross MW of the ``convert`` strategy (overrides ``pivot.convert_mw``). [MW]
    start : pandas.Period or 'YYYY-MM', optional
        Construction start of ``convert`` (overrides ``pivot.convert_start``); default the
        model start.
    horizon_months : int, optional
        Months modelled from the model start; when given, a ``convert`` start after them
        is an input error (the conversion would be invisible to the valuation). [month]

    Returns
    -------
    list of Strategy
        ``keep_mining``, then ``convert_all``, ``convert_<mw>mw_<yyyy-mm>`` (only when a
        MW figure is given) and ``phased``, in the order of ``pivot.strategies``.
        Conversions apply to the sites with a ``[sites.hosting]`` section (in file order
        for ``convert``); when no site has one, to every site with default terms.

    Raises
    ------
    InputError
        ``convert`` is listed by the file with no MW figure (the argument's or the
        file's; the default list's ``convert`` runs only with one),
        ``convert_mw`` exceeds the convertible MW, a start precedes the model start, the
        ``convert`` start falls after ``horizon_months``, or ``start`` is given with no MW
        figure (the argument's or the file's). A problem with an argument is at the
        argument's name (``convert_mw``, ``start``), one with the file's value at its field
        (``pivot.convert_mw``, ``pivot.convert_start``).
    """
    spec = _pivot_spec(portfolio)
    model_start = market_start(spec).start
    # (the months valued: a dated fleet's periods after them are not measured)
    last = model_start + (horizon_months - 1) if horizon_months else None
    sites = resolve_sites(portfolio, site_name, model_start, last)
    hosting_sites = [s for s in sites if not s.hosting_is_default] or sites
    out = [Strategy("keep_mining")]
    mw = convert_mw if convert_mw is not None else spec.convert_mw
    kinds = list(dict.fromkeys(spec.strategies))
    # where a problem lies: the run's argument (``convert_mw``, ``start``) or the file
    mw_at = "convert_mw" if convert_mw is not None else "pivot.convert_mw"
    start_at = "start" if start is not None else FILE_START_FIELD
    if start is not None and mw is None:
        raise InputError([Problem(
            "start", "a construction start needs a MW figure: give `convert_mw` or set "
            "[pivot] convert_mw")])
    if (convert_mw is not None or start is not None) and "convert" not in kinds:
        kinds.append("convert")
    problems: list[Problem] = []  # every problem of the strategies at once
    for kind in kinds:
        if kind == "convert_all":
            phases = tuple(
                ConversionPhase(s.name, model_start, s.convertible_gross_mw)
                for s in hosting_sites
                if s.convertible_gross_mw > 0
            )
            out.append(Strategy("convert_all", phases))
        elif kind == "convert":
            if mw is None:
                if spec.strategies != PivotSpec().strategies:  # the file's own list: a problem
                    problems.append(Problem(  # (dropped without a word until 2026-12-06)
                        "pivot.strategies", "'convert' needs a MW figure: set [pivot] "
                        "convert_mw or give `convert_mw`"))
                continue  # (the default list's: only with a MW figure)
            when = _convert_start(start if start is not None else spec.convert_start,
                                  start_at, model_start, horizon_months, problems)
            total = sum(s.convertible_gross_mw for s in hosting_sites)
            if mw > total + 1e-9:
                problems.append(Problem(
                    mw_at, f"{mw:g} MW exceeds the {total:g} MW that can be converted"))
            if problems or when is None:
                continue
            left = float(mw)
            phases_l: list[ConversionPhase] = []
            for s in hosting_sites:
                take = min(left, s.convertible_gross_mw)
                if take > 0:
                    phases_l.append(ConversionPhase(s.name, when, take))
                left -= take
            out.append(Strategy(f"convert_{mw:g}mw_{when.strftime('%Y-%m')}", tuple(phases_l)))
        elif kind == "phased":
            phases_p: list[ConversionPhase] = []
            for s in hosting_sites:
                h = s.hosting
                if h.phases:
                    for j, ph in enumerate(h.phases):
                        where = f"sites[{s.index}].hosting.phases[{j}].start"
                        p = _period(ph.start, where)
                        if p < model_start:
                            problems.append(Problem(
                                where, f"{p} is before the model start {model_start}"))
                        phases_p.append(
                            ConversionPhase(s.name, p, float(ph.gross_mw),
                                            tuple(ph.lease_terms().items()), ph.tenant,
                                            ph.resolved_probability_signing)
                        )
                    total_p = sum(ph.gross_mw for ph in h.phases)
                    if total_p > s.convertible_gross_mw + 1e-9:
                        problems.append(Problem(
                            f"sites[{s.index}].hosting.phases",
                            f"phases total {total_p:g} MW, more than the "
                            f"{s.convertible_gross_mw:g} MW convertible"))
                else:
                    n = h.phased_tranches
                    for j in range(n):
                        phases_p.append(
                            ConversionPhase(
                                s.name,
                                model_start + j * h.phase_interval_months,
                                s.convertible_gross_mw / n,
                            )
                        )
            try:
                check_signing(portfolio)
            except InputError as exc:
                problems += exc.problems
            out.append(Strategy("phased", tuple(phases_p)))
    if problems:
        raise InputError(problems)
    return out


def conversion_problems(portfolio: Portfolio, site_name: str | None = None,
                        convert_mw: float | None = None,
                        start: pd.Period | str | None = None,
                        horizon_months: int | None = None,
                        first_month: pd.Period | str | None = None) -> list[Problem]:
    """The problems of a run's site, MW and start as the engines take them, found
    before the run (with the other problems of its input, not in a run of their own).

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    site_name, convert_mw, start : optional
        As :func:`build_strategies` takes them. [-, MW, month]
    horizon_months : int, optional
        Months valued; default ``[pivot].horizon_years``. [month]
    first_month : pandas.Period or 'YYYY-MM', optional
        First month valued (``simulate`` takes ``[scenario] start`` when given); default
        the pivot model's start.

    Returns
    -------
    list of Problem
        Those of :func:`build_strategies` (an unknown site, MW beyond the convertible
        ones, a start outside the horizon or with no MW figure) and of
        :func:`~hashpivot.engines.standing.standing_portfolio` (a valued site whose every
        machine retired before the first month), each at the argument's name or the
        file's field path; empty when the run can go.
    """
    from hashpivot.engines.standing import standing_portfolio

    spec = _pivot_spec(portfolio)
    n = horizon_months or spec.horizon_years * 12
    problems: list[Problem] = []
    try:
        build_strategies(portfolio, site_name, convert_mw, start, horizon_months=n)
    except InputError as exc:  # (the standing portfolio's problems too: independent)
        problems += exc.problems
    first = (pd.Period(first_month, "M") if first_month is not None
             else market_start(spec).start)
    try:
        standing_portfolio(portfolio, pd.period_range(first, periods=n, freq="M"), site_name)
    except InputError as exc:
        problems += [p for p in exc.problems if p not in problems]  # (the site's, once)
    return problems


def within_horizon(strategies: Sequence[Strategy], last: pd.Period
                   ) -> tuple[list[Strategy], list[str]]:
    """The strategies without the phases that would start after ``last``, and a note per
    strategy changed.

    A phase that starts after the horizon converts nothing within it, so the MW it would
    take still mine at the horizon and the mining terminal value counts them for ever,
    while the hosting terminal value would count its hall too: the same MW valued twice.
    ``convert`` refuses such a start (:func:`build_strategies`); the phased plans (the
    file's ``phases``, or ``phased_tranches`` a ``phase_interval_months`` apart on a short
    horizon) keep the phases that start within the horizon.

    Parameters
    ----------
    strategies : sequence of Strategy
    last : pandas.Period
        The horizon's last month.

    Returns
    -------
    strategies : list of Strategy
    notes : list of str
    """
    out: list[Strategy] = []
    notes: list[str] = []
    for strategy in strategies:
        late = [ph for ph in strategy.phases if ph.start > last]
        if late:
            gone = "; ".join(f"{ph.gross_mw:,.1f} MW at {ph.site!r} starting {ph.start}"
                             for ph in late)
            verb, its = ("it starts", "its") if len(late) == 1 else ("they start", "their")
            notes.append(f"{strategy.name}: {gone} left out: {verb} after the horizon's "
                         f"last month ({last}); valued, {its} MW would count twice past the "
                         "horizon (mining on in the mining terminal value, leased in the "
                         "hosting one)")
            strategy = dataclasses.replace(
                strategy, phases=tuple(ph for ph in strategy.phases if ph.start <= last))
        out.append(strategy)
    return out, notes
