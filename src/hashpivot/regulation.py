"""Which regulation rules apply to a site, and what they do: the optimizer's bounds
(:mod:`hashpivot.optimize.inputs`) and pivot's notes on the strategies it values
(:mod:`hashpivot.engines.pivot.regulation`).

A rule applies to a site when every attribute it names matches (state, grid operator,
power source, behind the meter, load ``capacity_mw`` at least ``min_load_mw`` (more than
it where the rule's threshold is exclusive), connection date) and it is in force on some
day of the planning horizon. :func:`site_effects` folds the applicable rules of a site
into :class:`SiteRuleEffects`, the numbers the model uses;
:func:`without_fleet_replacement` turns ``forbid_new_mining`` off into the portfolio every
engine values (``[[sites]] fleet_replacement = false``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from hashpivot.io.regulation import RegulationRule

if TYPE_CHECKING:
    from hashpivot.models import Portfolio, Site


class ConversionBan(NamedTuple):
    """The window of one ``forbid_conversion`` rule: no conversion starts in it."""

    rule_id: str
    start: dt.date
    end: dt.date | None  # the last day barred (None: open)

    def covers(self, day: dt.date) -> bool:
        """True when a conversion starting on ``day`` is barred."""
        return self.start <= day <= (self.end or dt.date.max)

    def describe(self) -> str:
        """``<rule_id> (<start> to <end or 'open'>)``."""
        return f"{self.rule_id} ({self.start} to {self.end or 'open'})"


@dataclass(frozen=True)
class SiteRuleEffects:
    """What the applicable rules do to one site.

    Attributes
    ----------
    rules : tuple of RegulationRule
        Every rule that applies (matches the site and is in force in the horizon).
    no_new_mining : bool
        No new mining capacity: the fleet is not replaced (``forbid_new_mining``).
    conversion_bans : tuple of ConversionBan
        Every ``forbid_conversion`` rule's window, in the rules' order: no conversion
        starts in any of them (a rules file may hold several for one site).
    cap_mw : float
        Most gross MW converted at the site (``cap_mw``; ``inf`` without a cap). [MW]
    delay_quarters : int
        No conversion starts in the first quarters of the horizon (``study_delay_quarters``,
        the longest applicable delay). [quarter]
    cost_usd : float
        One-time cost when the site starts converting (``add_cost_usd``, summed). [USD]
    """

    rules: tuple[RegulationRule, ...] = ()
    no_new_mining: bool = False
    conversion_bans: tuple[ConversionBan, ...] = ()
    cap_mw: float = math.inf
    delay_quarters: int = 0
    cost_usd: float = 0.0
    by_effect: dict[str, list[str]] = field(default_factory=dict)

    def barred_start(self, quarter: int, day: dt.date) -> str | None:
        """Why no conversion may start at the site in the horizon's quarter ``quarter``
        (from 0) whose first day is ``day``: the rules that bar it and how, in words;
        None when they allow it. The optimizer's bounds and its check of the committed
        conversions read it (:func:`hashpivot.optimize.resolve.resolve_problem`).
        """
        if quarter < self.delay_quarters:
            ids = ", ".join(self.by_effect.get("study_delay_quarters", []))
            return (f"the {self.delay_quarters}-quarter study delay of {ids} (no conversion "
                    f"starts in the horizon's first {self.delay_quarters} quarters)")
        ban = self.ban_on(day)
        return None if ban is None else f"the conversion ban of {ban.describe()}"

    def ban_on(self, day: dt.date) -> ConversionBan | None:
        """The first conversion ban whose window holds ``day``; None outside them all."""
        return next((b for b in self.conversion_bans if b.covers(day)), None)


def site_load_mw(site: Site) -> float:
    """The load a rule threshold is compared with: ``capacity_mw``, else the fleet. [MW]"""
    return float(site.capacity_mw if site.capacity_mw is not None else site.fleet_power_mw)


def rule_matches(rule: RegulationRule, site: Site) -> bool:
    """True when every site attribute the rule names matches ``site``.

    A rule naming an attribute the site leaves unset (``state``, ``power_source``,
    ``connection_date``) does not match: unset attributes never trigger a rule. A site's
    grid operator (``iso``, else ``region``) matches in any case, and a zone
    (``NYISO_J``, ``PJM_EAST``: the emissions table's regions) matches its operator's
    rules (``NYISO``, ``PJM``).
    """
    if rule.states and (site.state or "").upper() not in rule.states:
        return False
    operator = site.grid_operator.upper()  # a zone (NYISO_J) is its operator's
    if rule.isos and not {operator, operator.split("_")[0]} & set(rule.isos):
        return False
    if rule.power_sources and (site.power_source or "") not in rule.power_sources:
        return False
    if rule.behind_the_meter is not None and site.behind_the_meter != rule.behind_the_meter:
        return False
    load_mw = site_load_mw(site)
    if load_mw < rule.min_load_mw or (rule.min_load_exclusive and load_mw <= rule.min_load_mw):
        return False
    if rule.connected_after is not None or rule.connected_before is not None:
        if site.connection_date is None:
            return False
        when = dt.date.fromisoformat(site.connection_date)
        if rule.connected_after is not None and not when > rule.connected_after:
            return False
        if rule.connected_before is not None and not when < rule.connected_before:
            return False
    return True


def site_effects(
    site: Site, rules: list[RegulationRule], start: dt.date, end: dt.date
) -> SiteRuleEffects:
    """Fold the rules that apply to ``site`` in ``[start, end]`` into model effects.

    Parameters
    ----------
    site : Site
        The site (its regulation attributes).
    rules : list of RegulationRule
        Bundled and user rules.
    start, end : datetime.date
        First and last day of the planning horizon.
    """
    applicable = tuple(r for r in rules if rule_matches(r, site) and r.in_force(start, end))
    no_mining = False
    bans: list[ConversionBan] = []
    cap = math.inf
    delay = 0
    cost = 0.0
    by: dict[str, list[str]] = {}
    for r in applicable:
        by.setdefault(r.effect, []).append(r.rule_id)
        if r.effect == "forbid_new_mining":
            no_mining = True
        elif r.effect == "forbid_conversion":
            bans.append(ConversionBan(r.rule_id, r.effective_start or start,
                                      r.effective_end))
        elif r.effect == "cap_mw":
            cap = min(cap, r.value)
        elif r.effect == "study_delay_quarters":
            delay = max(delay, math.ceil(r.value))
        elif r.effect == "add_cost_usd":
            cost += r.value
    return SiteRuleEffects(applicable, no_mining, tuple(bans), cap, delay, cost, by)


def describe_effect(effect: str, value: float, summary: str = "") -> str:
    """What a rule does, in words; an obligation, which changes no figure, says what it
    is (``summary``, the rule's one line). pivot's and simulate's resolved assumptions
    and optimize's rules table (``what``) tell each rule in these words."""
    if effect == "record_obligation":
        return "an obligation recorded (no effect on the figures)" + (
            f": {summary}" if summary else "")
    return {
        "study_delay_quarters": f"no conversion in the first {value:g} quarters (a study)",
        "forbid_conversion": "no conversion in its window",
        "cap_mw": f"at most {value:,.1f} MW converted",
        "add_cost_usd": f"a one-time cost of {value:,.0f} USD, paid in the first month "
                        "by a strategy that converts at the site",
        "forbid_new_mining": "no new mining capacity (no fleet replacement)",
    }.get(effect, "an obligation recorded (no effect on the figures)")


def without_fleet_replacement(portfolio: Portfolio,
                              effects: Mapping[str, SiteRuleEffects]) -> Portfolio:
    """``portfolio`` with ``fleet_replacement = false`` at every site where a
    ``forbid_new_mining`` rule applies (``effects`` by site name): its fleet is not
    replaced, in ``pivot`` and ``simulate`` as in ``optimize``. The same object when no
    site changes.
    """
    barred = {name for name, e in effects.items() if e.no_new_mining}
    if not any(s.name in barred and s.fleet_replacement for s in portfolio.sites):
        return portfolio
    sites = [s.model_copy(update={"fleet_replacement": False}) if s.name in barred else s
             for s in portfolio.sites]
    return portfolio.model_copy(update={"sites": sites})
