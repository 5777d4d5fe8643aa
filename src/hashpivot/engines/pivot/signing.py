"""Halls whose tenant may not sign: a strategy's expected value over the signings.

A hall of ``[[sites.hosting.phases]]`` may give ``probability_signing`` (the optimizer's
plan, ``plan_portfolio.toml``, writes its tenants' probabilities there). The halls of one
tenant sign together and tenants sign independently, as in the optimizer's scenarios (a
hall without a tenant is a tenant of its own). ``pivot`` values the strategy as written,
every hall built (its table, tornado and break-even lease), and beside it the expected
value over the signings: each outcome (the set of tenants that sign) is the strategy with
only their halls, the others' MW mining on, valued as any strategy and weighted by its
probability. With ``k`` tenants below 1 that is ``2^k`` valuations on the central path:
exact, and at most :data:`MAX_UNCERTAIN_TENANTS` tenants keep it quick. ``simulate`` draws
the signings per path (:mod:`hashpivot.engines.simulate.signing`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hashpivot.exceptions import InputError, Problem

if TYPE_CHECKING:
    from hashpivot.engines.pivot.results import StrategyResult
    from hashpivot.engines.pivot.strategies import Strategy
    from hashpivot.models import Portfolio

#: The most tenants with a probability of signing below 1 a file may give (2^8 = 256
#: valuations of the central path).
MAX_UNCERTAIN_TENANTS = 8

#: The figures averaged over the outcomes (keys of ``PivotResult.to_json_dict``'s
#: strategies): to the horizon, with the terminal value, after tax.
_AVERAGED = (
    "npv_usd", "npv_with_terminal_value_usd", "npv_after_tax_usd",
    "npv_after_tax_with_terminal_value_usd",
)


@dataclass(frozen=True)
class SigningUnit:
    """The halls that sign together.

    Attributes
    ----------
    label : str
        The tenant, or ``"<site> hall <k>"`` for a hall without one (``k``: its position
        in the site's ``[[sites.hosting.phases]]``).
    probability : float
        Probability of signing, below 1. [-]
    phases : tuple of int
        Positions of its halls in the strategy's phases.
    gross_mw : float
        Gross MW of those halls. [MW]
    """

    label: str
    probability: float
    phases: tuple[int, ...]
    gross_mw: float


def signing_units(strategy: Strategy) -> list[SigningUnit]:
    """The tenants of ``strategy`` that sign with a probability below 1, in phase order."""
    groups: dict[str, list[int]] = {}
    local: dict[str, int] = {}  # a hall's position among its site's halls
    for j, p in enumerate(strategy.phases):
        k = local.get(p.site, 0)
        local[p.site] = k + 1
        if p.probability_signing < 1.0:
            # a hall without a tenant: "<site> hall <k>", k as in sites[i].hosting.phases[k]
            key = p.tenant if p.tenant else f"{p.site} hall {k}"
            groups.setdefault(key, []).append(j)
    return [
        SigningUnit(key, strategy.phases[idx[0]].probability_signing, tuple(idx),
                    float(sum(strategy.phases[j].gross_mw for j in idx)))
        for key, idx in groups.items()
    ]


def check_signing(portfolio: Portfolio) -> None:
    """Every hall of one tenant gives the same probability of signing, and at most
    :data:`MAX_UNCERTAIN_TENANTS` tenants give one below 1 (over the whole file, whichever
    site a run takes).

    Raises
    ------
    InputError
        At ``sites[i].hosting.phases[j].probability_signing``, every problem listed.
    """
    seen: dict[str, tuple[float, str]] = {}
    uncertain: list[str] = []
    problems: list[Problem] = []
    for i, site in enumerate(portfolio.sites):
        if site.hosting is None:
            continue
        for j, ph in enumerate(site.hosting.phases):
            p = ph.resolved_probability_signing
            where = f"sites[{i}].hosting.phases[{j}].probability_signing"
            key = ph.tenant if ph.tenant else f"{site.name} hall {j}"
            if key in seen and seen[key][0] != p:
                problems.append(Problem(
                    where, f"probability {p:g}, but {seen[key][1]} gives {seen[key][0]:g} "
                    f"for the same tenant {key!r}: a tenant's halls sign together, with one "
                    "probability"))
                continue
            if key not in seen:
                seen[key] = (p, where.removesuffix(".probability_signing"))
                if p < 1.0:
                    uncertain.append(key)
                    if len(uncertain) == MAX_UNCERTAIN_TENANTS + 1:
                        problems.append(Problem(
                            where, f"more than {MAX_UNCERTAIN_TENANTS} tenants with a "
                            "probability of signing below 1 (each outcome is valued: "
                            f"2^{MAX_UNCERTAIN_TENANTS} at most)"))
    if problems:
        raise InputError(problems)


def expected_over_signings(
    strategy: Strategy,
    value: Callable[[Strategy], StrategyResult],
    as_written: StrategyResult,
    baseline: StrategyResult,
) -> dict[str, Any] | None:
    """The expected value of ``strategy`` over its tenants' signings.

    Parameters
    ----------
    strategy : Strategy
        A strategy whose halls may give ``probability_signing``.
    value : callable
        Values a strategy on the central path, as the run values every strategy.
    as_written : StrategyResult
        ``strategy``'s own result (every hall built: the outcome where all sign).
    baseline : StrategyResult
        Keep mining.

    Returns
    -------
    dict or None
        None when every hall is certain. Otherwise ``tenants`` (label, probability,
        halls, gross MW), ``outcomes`` (how many were valued), ``probability_all_sign``,
        and for each of :data:`_AVERAGED` ``expected_<key>`` and
        ``expected_<key>_vs_baseline`` (None where the run has no such figure, e.g. pre-
        tax). [USD]
    """
    units = signing_units(strategy)
    if not units:
        return None
    certain = [j for j in range(len(strategy.phases))
               if not any(j in u.phases for u in units)]
    totals = dict.fromkeys(_AVERAGED, 0.0)
    for signed in itertools.product((True, False), repeat=len(units)):
        prob = math.prod(u.probability if s else 1.0 - u.probability
                         for u, s in zip(units, signed, strict=True))
        if all(signed):
            r = as_written
        else:
            keep = sorted(certain + [j for u, s in zip(units, signed, strict=True) if s
                                     for j in u.phases])
            r = value(dataclasses.replace(strategy, phases=tuple(strategy.phases[j] for j in keep)))
        for key in _AVERAGED:
            totals[key] += prob * float(getattr(r, key))
    out: dict[str, Any] = {
        "tenants": [{"tenant": u.label, "probability": u.probability, "halls": len(u.phases),
                     "gross_mw": u.gross_mw} for u in units],
        "outcomes": 2 ** len(units),
        "probability_all_sign": math.prod(u.probability for u in units),
    }
    for key in _AVERAGED:
        v = totals[key]
        base = float(getattr(baseline, key))
        out[f"expected_{key}"] = v if math.isfinite(v) else None
        out[f"expected_{key}_vs_baseline"] = v - base if math.isfinite(v - base) else None
    return out


__all__ = [
    "MAX_UNCERTAIN_TENANTS",
    "SigningUnit",
    "check_signing",
    "expected_over_signings",
    "signing_units",
]
