"""The regulation rules that apply to the valued sites, what they cost the strategies, and
which strategies they contradict.

``optimize`` builds the rules into its plan (:mod:`hashpivot.regulation`): a study delay
keeps conversions out of the first quarters, a moratorium out of its window, a cap limits
the MW, a fee is paid when a site starts converting, ``forbid_new_mining`` stops the fleet
being replaced. ``pivot`` and ``simulate`` pay the fee (:func:`with_site_fees`) and do not
replace the fleet there either (:func:`hashpivot.regulation.without_fleet_replacement`);
the rest they leave to the strategies the file gives, valued as given. So that the engines
tell the same story on the same file, they list every rule that applies to a valued site
and say where a strategy does what the rule forbids:

* ``study_delay_quarters``: a phase starts before the horizon's start plus the delay;
* ``forbid_conversion``: a phase starts inside the window;
* ``cap_mw``: a strategy converts more gross MW at the site than the cap;
* ``add_cost_usd``: paid by a strategy that converts at the site, in the horizon's first
  month (the study is applied for when the horizon starts, as the study delay counts
  from it), with the hall capex (:func:`with_site_fees`), as in optimize; listed, no note;
* ``forbid_new_mining``: the site's fleet is not replaced, where ``[pivot]
  fleet_replacement_years`` would replace it.

``record_obligation`` rules are listed and change nothing. The findings are notes: the NPVs
are those of the strategies as the file states them (with the fees, the fleets kept).
Where a strategy starts a conversion before a study delay ends or inside a moratorium that
ends, :func:`as_the_rules_allow` gives the same strategy with each such phase started on
the first month the rules allow, and ``pivot`` values it too: how much the verdict owes to
starting early; :func:`ranking_flips` says where that changes a verdict (a strategy's sign
against keep-mining, or the best strategy).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.strategies import Strategy
from hashpivot.io.regulation import (
    RegulationRule,
    load_portfolio_rules,
)
from hashpivot.regulation import (
    SiteRuleEffects,
    describe_effect,
    site_effects,
    without_fleet_replacement,
)
from hashpivot.units import MONTHS_PER_QUARTER

if TYPE_CHECKING:
    from hashpivot.engines.pivot.results import StrategyResult
    from hashpivot.models import Portfolio
    from hashpivot.models.pivot import PivotSpec

__all__ = [
    "as_the_rules_allow",
    "describe_effect",
    "portfolio_rules",
    "ranking_flips",
    "regulation_findings",
    "regulation_rows",
    "site_rule_effects",
    "under_the_rules",
    "with_site_fees",
]

def portfolio_rules(portfolio: Portfolio, source: str = "") -> list[RegulationRule]:
    """The rules of a portfolio for ``pivot`` and ``simulate``: the bundled ones and its
    ``[optimize].rules_file`` (relative to the portfolio file ``source``; to the working
    folder without one).

    Raises
    ------
    InputError
        The rules file cannot be read, at ``optimize.rules_file``: the rules shape the
        figures (fees paid, fleets kept), so the run stops, as ``optimize`` does (until
        2026-12-06 pivot and simulate ran on the bundled rules alone with a note).
    """
    opt = portfolio.optimize
    return load_portfolio_rules(opt.rules_file if opt is not None else None, source)


def _phase_conflicts(strategy: Strategy, site: str, effects: SiteRuleEffects,
                     start: pd.Period) -> list[str]:
    """What the strategy's phases at ``site`` do that the site's rules forbid."""
    phases = [p for p in strategy.phases if p.site == site]
    if not phases:
        return []
    out: list[str] = []
    earliest = start + MONTHS_PER_QUARTER * effects.delay_quarters
    early = [p for p in phases if p.start < earliest]
    if early:
        ids = ", ".join(effects.by_effect.get("study_delay_quarters", []))
        out.append(
            f"{strategy.name}: {sum(p.gross_mw for p in early):,.1f} MW at {site!r} start before "
            f"{earliest} ({', '.join(sorted({str(p.start) for p in early}))}), inside the "
            f"{effects.delay_quarters}-quarter study delay of {ids} (optimize starts no "
            "conversion there earlier)")
    for ban in effects.conversion_bans:
        barred = [p for p in phases if ban.covers(p.start.start_time.date())]
        if barred:
            out.append(f"{strategy.name}: conversion at {site!r} starting "
                       f"{', '.join(sorted({str(p.start) for p in barred}))} is forbidden "
                       f"by {ban.describe()}")
    converted = sum(p.gross_mw for p in phases)
    if converted > effects.cap_mw:
        ids = ", ".join(effects.by_effect.get("cap_mw", []))
        out.append(f"{strategy.name}: converts {converted:,.1f} MW at {site!r}, above the "
                   f"{effects.cap_mw:,.1f} MW cap of {ids}")
    return out


def with_site_fees(strategy: Strategy, effects: Mapping[str, SiteRuleEffects]) -> Strategy:
    """``strategy`` paying the one-time cost of the rules (``add_cost_usd``) at each site
    it converts (:attr:`~hashpivot.engines.pivot.strategies.Strategy.site_fees_usd`);
    the same object when it pays none."""
    fees = tuple((site, e.cost_usd) for site, e in effects.items()
                 if e.cost_usd > 0.0 and any(p.site == site for p in strategy.phases))
    return dataclasses.replace(strategy, site_fees_usd=fees) if fees else strategy


def site_rule_effects(portfolio: Portfolio, sites: Sequence[SiteInputs],
                      rules: list[RegulationRule], periods: pd.PeriodIndex
                      ) -> dict[str, SiteRuleEffects]:
    """Each valued site's :class:`~hashpivot.regulation.SiteRuleEffects` over the
    horizon's months, by site name."""
    first, last = periods[0].start_time.date(), periods[-1].end_time.date()
    return {si.name: site_effects(portfolio.sites[si.index], rules, first, last)
            for si in sites}


def under_the_rules(portfolio: Portfolio, sites: Sequence[SiteInputs],
                    rules: list[RegulationRule], periods: pd.PeriodIndex,
                    ) -> tuple[Portfolio, list[SiteInputs], dict[str, SiteRuleEffects]]:
    """The portfolio and its valued sites as ``pivot`` and ``simulate`` value them: a site
    where no new mining capacity is allowed keeps its fleet
    (:func:`~hashpivot.regulation.without_fleet_replacement`), as in optimize.

    Returns
    -------
    portfolio : Portfolio
        ``portfolio``, or a copy with ``fleet_replacement = false`` at such sites.
    sites : list of SiteInputs
        ``sites`` with the same ``fleet_replacement``.
    effects : dict of str to SiteRuleEffects
        Each valued site's rules over the horizon (:func:`site_rule_effects`): for the
        fees (:func:`with_site_fees`) and the notes (:func:`regulation_findings`).
    """
    effects = site_rule_effects(portfolio, sites, rules, periods)
    ruled = without_fleet_replacement(portfolio, effects)
    kept = [dataclasses.replace(si, fleet_replacement=ruled.sites[si.index].fleet_replacement)
            for si in sites]
    return ruled, kept, effects


def _first_allowed(month: pd.Period, effects: SiteRuleEffects, start: pd.Period
                   ) -> pd.Period | None:
    """The first month at or after ``month`` when a conversion may start at the site:
    after the study delay and outside every moratorium's window (None: a window that
    never ends)."""
    month = max(month, start + MONTHS_PER_QUARTER * effects.delay_quarters)
    while (ban := effects.ban_on(month.start_time.date())) is not None:
        if ban.end is None:
            return None
        month = pd.Period(ban.end, freq="M") + 1  # past it, perhaps into another ban
    return month


def as_the_rules_allow(strategy: Strategy, effects: Mapping[str, SiteRuleEffects],
                       start: pd.Period) -> Strategy | None:
    """``strategy`` with each conversion that starts before a study delay ends or inside
    a moratorium started on the first month the rules allow, its MW, lease and tenant
    unchanged; None when no phase moves, or when one falls in a moratorium that never
    ends (no start is allowed)."""
    moved = []
    for p in strategy.phases:
        eff = effects.get(p.site)
        allowed = p.start if eff is None else _first_allowed(p.start, eff, start)
        if allowed is None:
            return None
        moved.append(dataclasses.replace(p, start=allowed))
    if all(a.start == p.start for a, p in zip(moved, strategy.phases, strict=True)):
        return None
    return dataclasses.replace(strategy, phases=tuple(moved))


def regulation_findings(
    effects: Mapping[str, SiteRuleEffects],
    strategies: Sequence[Strategy],
    spec: PivotSpec,
    start: pd.Period,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The rules that apply to the valued sites over the horizon, and the notes of what
    each strategy does against them.

    Parameters
    ----------
    effects : mapping of str to SiteRuleEffects
        Each valued site's rules over the horizon (:func:`site_rule_effects`), by name.
    strategies : sequence of Strategy
        The strategies valued, keep-mining first.
    spec : PivotSpec
        ``[pivot]`` (whether it replaces the fleet).
    start : pandas.Period
        The horizon's first month (a study delay counts from it).

    Returns
    -------
    rules : list of dict
        One per (site, rule) that applies: ``site, rule_id, effect, value, what`` (the
        effect in words), ``source, summary``.
    notes : list of str
        ``regulation: ...`` lines, strategy by strategy.
    """
    facts: list[dict[str, Any]] = []
    notes: list[str] = []
    for site, eff in effects.items():
        for r in eff.rules:
            facts.append({"site": site, "rule_id": r.rule_id, "effect": r.effect,
                          "value": r.value, "what": describe_effect(r.effect, r.value, r.summary),
                          "source": r.source, "summary": r.summary})
        if eff.no_new_mining and spec.fleet_replacement_years is not None:
            ids = ", ".join(eff.by_effect.get("forbid_new_mining", []))
            notes.append(f"regulation: {site!r} may not add mining capacity ({ids}): its "
                         "fleet is not replaced, whatever [pivot] fleet_replacement_years "
                         "says (as in optimize)")
        for s in strategies:
            notes += [f"regulation: {line}"
                      for line in _phase_conflicts(s, site, eff, start)]
    return facts, notes


def regulation_rows(facts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resolved-assumption rows of the rules that apply (``inputs["regulation_rules"]``),
    one per site and rule: ``<site>: rule <id>``, what it does, its source."""
    return [{"name": f"{r['site']}: rule {r['rule_id']}", "value": r["what"], "unit": "-",
             "source": r["source"]} for r in facts]


def ranking_flips(results: list[StrategyResult]) -> list[str]:
    """Warnings where starting the strategies when the rules allow changes a verdict: a
    strategy's sign against keep-mining, or the order of the strategies by NPV, to the
    horizon or with the terminal value (``results``: keep-mining first, ``rules_allow``
    set where it moved).
    """
    if not any(r.rules_allow for r in results[1:]):
        return []
    out: list[str] = []
    for label, key in (("to the horizon", "npv_vs_baseline_usd"),
                       ("with the terminal value", "npv_with_terminal_value_vs_baseline_usd")):
        filed = {r.name: float(getattr(r, key)) for r in results}
        allowed = {r.name: float(r.rules_allow[key]) if r.rules_allow else filed[r.name]
                   for r in results}
        for name in filed:
            if (filed[name] > 0) != (allowed[name] > 0):
                out.append(
                    f"regulation: started when the rules allow, {name} "
                    f"{'beats' if allowed[name] > 0 else 'no longer beats'} keep-mining "
                    f"{label} ({allowed[name] / 1e6:,.1f} M USD; as filed "
                    f"{filed[name] / 1e6:,.1f}): the verdict rests on starting before the "
                    "rules allow")
        order_filed = sorted(filed, key=lambda n: -filed[n])
        order_allowed = sorted(allowed, key=lambda n: -allowed[n])
        if order_filed != order_allowed:
            out.append(
                f"regulation: started when the rules allow, the strategies rank "
                f"{' > '.join(order_allowed)} {label}, not {' > '.join(order_filed)} as "
                "filed: the ranking rests on starting before the rules allow")
    return out
