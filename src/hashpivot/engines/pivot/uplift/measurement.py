"""Measuring a site's dispatch uplift: the dispatch engine at each hashprice multiplier.

:func:`measure_dispatch_uplift` runs the dispatch engine (:mod:`hashpivot.engines.
dispatch`) on the bundled prices of the site's market with its hashprice scaled by each
multiplier ``k`` of :data:`MULTIPLIERS` (``k = 1``: the price year's own hashprice; a site
whose intervals are linked, exactly at :data:`ANCHORS`) and keeps the curve that
:class:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift` maps onto each month.
:mod:`~hashpivot.engines.pivot.uplift.cache` measures each distinct site once per
process and hands the curves to the processes that run a Monte Carlo's chunks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from hashpivot.engines.pivot.uplift.curve import DispatchUplift
from hashpivot.engines.pivot.uplift.supply_settlement import measure_supply_settlement
from hashpivot.units import HOURS_PER_MONTH

if TYPE_CHECKING:
    import pandas as pd

    from hashpivot.models import Site
    from hashpivot.power.results import DispatchResult

#: Hashprice multipliers at which the dispatch engine measures the gain [-]: from a
#: fiftieth of the price year's hashprice (two halvings, a falling price and a decayed
#: fleet at a dearer power price reach 0.05 within ten years) to five times it, closer at
#: the low end where the gain bends most.
MULTIPLIERS: tuple[float, ...] = (
    0.02, 0.03, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0,
    1.25, 1.6, 2.0, 3.0, 5.0,
)

#: The multipliers at which a site whose intervals are linked (ramps, min up/down times,
#: flexible AI load) is dispatched exactly, one HiGHS solve each (:func:`_gain_curve`):
#: a subset of :data:`MULTIPLIERS`, spread evenly in ``log k``. [-]
ANCHORS: tuple[float, ...] = (0.02, 0.075, 0.2, 0.5, 1.0, 2.0, 5.0)


def _ai_fourcp_usd(result: Any) -> float:
    """The 4CP charge of the AI load alone: in each peak interval its load less the
    renewable supply available then, at the interval's rate (what the site pays with every
    miner curtailed; the firm load is served in every interval, in every strategy, so the
    dispatch cannot avoid it and the miners' gain is not charged with it). [USD]"""
    acc = result.baseline_accounts
    problem = result.problem
    withdrawal = np.maximum(acc.ai_mw - problem.renewable(), 0.0)
    return float((problem.fourcp_usd_per_mw() * withdrawal).sum())


def measure_dispatch_uplift(site: Site) -> tuple[DispatchUplift | None, str]:
    """The flexibility curve of a site with ``[sites.dispatch]`` (module docstring).

    The dispatch engine (:func:`hashpivot.engines.dispatch.run_dispatch`) runs on the
    bundled prices of the site's market, first with the site's own hashprice (the price
    year's daily hashprice, or ``dispatch.hashprice_usd_per_ph_day``), then with that
    series times each of :data:`MULTIPLIERS`.

    Returns
    -------
    uplift : DispatchUplift or None
        None when the site has no ``[sites.dispatch]``, no fleet, no market, or its
        market's prices are not bundled (its point, ISO or year); its
        ``reference_th_s_per_mw`` is 0 (:meth:`DispatchUplift.for_fleet`).
    note : str
        How the figure was obtained, or why it was not (the monthly model then values
        mining without it).

    Raises
    ------
    InputError
        A side file of ``[sites.dispatch]`` that cannot be read (missing, unreadable,
        values out of range), at its field (``dispatch.renewable.profile_file``): as the
        dispatch engine, the run stops (until 2026-12-06 it went on without the
        flexibility). The emissions file is not read here: with no carbon price it moves
        no dollar (pivot's CO2 reads it). A contract market that is not a market reference
        (not ``iso:point[:year][:da]``), at ``power_contract.market``, as ``dispatch``
        refuses it, with the side files' problems. A well-formed reference that no
        bundled prices answer (a node or an ISO not bundled, or a mistyped point such as
        ``ercot:NOPE``) is a note, with the bundled markets, as a year not bundled is:
        the same file is valid for ``dispatch`` with its own price file, and the
        flexibility is a refinement of the monthly model, not its input.
    """
    spec = site.dispatch
    if spec is None:
        return None, ""
    if spec.emissions_file is not None:  # (no carbon price: the CO2 moves no dollar)
        spec = spec.model_copy(update={"emissions_file": None})
        site = site.model_copy(update={"dispatch": spec})
    import pandas as pd

    from hashpivot.engines.dispatch import run_dispatch
    from hashpivot.engines.dispatch.sources import (
        CONTRACT_MARKET_FIELD,
        contract_market,
        side_file_value_problems,
    )
    from hashpivot.exceptions import HashpivotError, InputError
    from hashpivot.io import load_market_prices, region_timezone
    from hashpivot.io.bundled_markets import parse_market
    from hashpivot.models.file_refs import FILE_SUFFIX

    raw = site.power_contract.market if site.power_contract is not None else None
    try:  # a reference that is no market reference at all is bad input, as dispatch says
        if raw:
            parse_market(str(raw), CONTRACT_MARKET_FIELD)
    except InputError as exc:  # (with the side files' problems)
        raise InputError([*exc.problems, *side_file_value_problems(
            spec, None, region_timezone(site.region))]) from None
    try:  # (pivot takes no price file: the contract's market is the only source)
        market = contract_market(site)
    except InputError as exc:  # a market not bundled (a node, another ISO, or a typo)
        return None, _not_measured(exc)
    if market is None:
        return None, (f"dispatch uplift not measured (no {CONTRACT_MARKET_FIELD}: it is "
                      "measured on that market's bundled prices); flat mining value used")
    try:
        prices = load_market_prices(market, CONTRACT_MARKET_FIELD)
        first = run_dispatch(site, prices)
        problem = first.problem
        hp = pd.Series(np.asarray(problem.hashprice_usd_per_ph_day_series, dtype=np.float64),
                       index=problem.index)
        fleet_mw = float(site.fleet_power_mw)
        hours = float(np.sum(problem.interval_hours_series))
        if fleet_mw <= 0 or hours <= 0 or not float(hp.mean()) > 0:
            return None, "dispatch uplift not measured (no fleet or no hashprice)"
        per = HOURS_PER_MONTH / fleet_mw / hours  # USD over the year -> USD/MW/month
        curve, how = _gain_curve(site, prices, first, hp)
        s = first.summary()  # (its always-on totals too)
        base = first.baseline_totals or {}
        # the monthly model's always-on pays no 4CP charge: the gain is over that; the
        # firm AI load's share of it is the AI load's, paid in every strategy alike, not
        # the miners' (it was charged to their flexibility: 942 USD/MW-month less on the
        # West Texas example, a bias toward converting)
        fourcp_on = float(base["fourcp_charge_usd"])
        fourcp_ai = _ai_fourcp_usd(first) if fourcp_on else 0.0
        gains = tuple((c.gain_usd - fourcp_on + fourcp_ai) * per for c in curve)
        set_rate = tuple((c.set_rate_usd - fourcp_on + fourcp_ai) * per for c in curve)
        energy = float(base["energy_mwh"])
        paid = float(base["power_cost_usd"]) - fourcp_on - float(base["resale_credits_usd"])
        adder_usd_per_mwh = float(problem.grid_adder_usd_per_mwh)
        revenue_usd_per_mw_month = float(base["mining_revenue_usd"]) * per
        adder_usd_per_mw_month = adder_usd_per_mwh * float(base["energy_mining_mwh"]) * per
        adder_paid_usd = adder_usd_per_mwh * float(base["energy_grid_mwh"])
        # (G is over an always-on with it; per MW of the fleet the engine ran)
        supply = measure_supply_settlement(first, per, fleet_mw)
        index_mean = float(np.dot(np.asarray(problem.price_usd_per_mwh_series, dtype=np.float64),
                                  np.asarray(problem.interval_hours_series, dtype=np.float64))
                           ) / hours
    except (HashpivotError, OSError, ValueError) as exc:
        named = [p for p in exc.problems if p.path.endswith(FILE_SUFFIX)] if isinstance(
            exc, InputError) else []
        if named:  # a side file the user named cannot be read: the run stops, as dispatch
            raise InputError(named) from None
        return None, _not_measured(exc)
    if energy <= 0 or not all(math.isfinite(g) for g in gains):
        return None, "dispatch uplift not measured (no energy always on, or not finite)"
    hp_mean = float(hp.mean())
    p_ref = paid / energy
    contract = site.power_contract
    # the level a month's index price is a multiple of: the price year's mean index; a
    # fixed price follows none (lambda = 1: the monthly model's price is the fixed one)
    i_ref = (float(contract.price_usd_per_mwh)
             if contract is not None and contract.kind == "fixed" else index_mean)
    with_adder = adder_usd_per_mw_month != 0 and revenue_usd_per_mw_month > 0
    uplift = DispatchUplift(
        multipliers=MULTIPLIERS,
        gain_usd_per_mw_month=gains,
        reference_hashprice_usd_per_th_day=hp_mean / 1000.0,
        reference_power_price_usd_per_mwh=p_ref,
        revenue_share=tuple(c.revenue_share for c in curve),
        energy_share=tuple(c.energy_share for c in curve),
        set_rate_gain_usd_per_mw_month=set_rate if any(set_rate) else (),
        reference_adder_usd_per_mwh=adder_paid_usd / energy,
        contract_adder_usd_per_mwh=float(contract.adder_usd_per_mwh or 0.0)
        if contract is not None else 0.0,
        mining_revenue_usd_per_mw_month=revenue_usd_per_mw_month,
        mining_adder_usd_per_mw_month=adder_usd_per_mw_month if with_adder else 0.0,
        mining_energy_mwh_per_mw_month=float(base["energy_mining_mwh"]) * per,
        adder_saving_usd_per_mw_month=tuple(
            adder_usd_per_mwh * c.grid_saved_mwh * per for c in curve) if with_adder else (),
        reference_index_price_usd_per_mwh=i_ref,
        supply=supply,
        prices_source=str(prices.attrs.get("source") or market),
    )
    gain = float(s["net_margin_gain_vs_always_on_usd"]) - fourcp_on + fourcp_ai  # (G(1)'s)
    note = (
        f"dispatch {s.get('solver', '')} on {len(prices):,} intervals of the bundled "
        f"prices ({p_ref:,.1f} USD/MWh always on) at {len(MULTIPLIERS)} hashprice levels, "
        f"gain over always-on {uplift.points_text()} ({gain / 1e6:,.1f} M USD at k = 1); "
        f"k = the month's revenue per MW over the price year's ({hp_mean:,.1f} USD/PH/day), "
        + ("the prices as the price year's (a fixed contract follows no index), "
           if contract is not None and contract.kind == "fixed" else
           f"the prices scaled to the month's level (the month's index price over the "
           f"price year's mean, {i_ref:,.1f} USD/MWh), " if i_ref > 0 else
           "the prices not scaled (the price year's mean index is at or below zero), ")
        + (f"the grid adder ({adder_usd_per_mwh:g} USD/MWh) paid at its rate, "
           if uplift.mining_adder_usd_per_mw_month else "")
        + ("demand-response income less the 4CP charge the miners still pay not scaled ("
           f"{float(uplift.set_rate_gain(np.array(1.0))):,.0f} USD/MW-month at k = 1), "
           if uplift.set_rate_gain_usd_per_mw_month else "")
        # (with the AI load's share, the figures that take the dispatch engine's gain
        # over always-on to G(1))
        + (f"always-on without its 4CP charge ({fourcp_on * per:,.0f} USD/MW-month: the "
           "monthly model's power price has none"
           + (f"; the firm AI load's own ({fourcp_ai * per:,.0f}) not charged to the "
              "miners" if fourcp_ai > 0 else "") + "), " if fourcp_on > 0 else "")
        + (f"{supply.text()}, " if supply is not None else "")
        + "less what curtailing the whole month saves"
        f"{how}{_solver_note(s)}{_terms_note(s)}"
    )
    return replace(uplift, note=note), note


#: The dispatch summary's notes on the terms that move the gain (how the PPA's unused
#: energy settles, whether the demand-response commitment may be withdrawn), in its words.
_TERMS_NOTES = ("ppa_note", "dr_availability_note")


def _terms_note(summary: dict[str, Any]) -> str:
    """The terms of the site's contracts that move its gain, as a clause of the note (the
    defaults among them too: ``withdrawable``, ``curtail_at_negative_price``); "" when it
    has none."""
    notes = [str(summary[key]) for key in _TERMS_NOTES if summary.get(key)]
    return "; " + "; ".join(notes) if notes else ""


def _solver_note(summary: dict[str, Any]) -> str:
    """How the dispatch switches the fleet (the MILP's blocks, or a block size it does not
    use), as a clause of the note; "" when it says nothing."""
    note = summary.get("commitment_note")
    if not note:
        return ""
    return f"; MILP with {note}" if summary.get("solver") == "milp" else f"; {note}"


@dataclass(frozen=True)
class _Point:
    """The engine's figures at one multiplier: its gain over always-on and the part of it
    paid at set rates (demand-response income, 4CP charges avoided) [USD over the price
    year], the shares of always-on's mining revenue and energy it keeps [-], and the grid
    energy it does not import that always-on does [MWh] (on which the adder is saved)."""

    gain_usd: float
    revenue_share: float
    energy_share: float
    set_rate_usd: float
    grid_saved_mwh: float = 0.0


def _gain_curve(site: Site, prices: pd.Series, first: DispatchResult, hp: pd.Series
                ) -> tuple[list[_Point], str]:
    """At each of :data:`MULTIPLIERS`: the engine's figures (:class:`_Point`); and what
    was done when the site's intervals are linked (else "").

    Ramps, min up/down times and flexible AI load link the intervals and make each run a
    HiGHS LP or MILP over the whole price year (up to ``time_limit_seconds`` each). Then
    the engine runs exactly at the :data:`ANCHORS` only; the fast path runs the site
    without the links (no ramp or min up/down time, the flexible AI load served flat at
    its mean) at every multiplier, and each figure is that site's plus the exact figures'
    difference from it, interpolated linearly in ``log k`` between the anchors: exact at
    the anchors, the relaxed curve's shape between them. (One exact run at ``k = 1``
    scaling the relaxed curve was off by up to 12 % with a ramp limit and, with flexible
    AI load, where ``G(1)`` was used at every margin, by up to 77 %; the anchors keep it
    within 3.3 % on the test sites, ``tests/engines/pivot/test_dispatch_uplift.py``.)
    """
    from hashpivot.engines.dispatch import run_dispatch

    def figures(r: DispatchResult) -> _Point:
        s = r.summary()
        base = r.baseline_totals or {}
        return _Point(float(s["net_margin_gain_vs_always_on_usd"]),
                      _share(s["mining_revenue_usd"], base["mining_revenue_usd"]),
                      _share(s["energy_mining_mwh"], base["energy_mining_mwh"]),
                      float(s["dr_income_usd"]) - float(base["dr_income_usd"])
                      + float(s["fourcp_avoided_usd"]),
                      float(base["energy_grid_mwh"]) - float(s["energy_grid_mwh"]))

    exact = figures(first)
    if not first.problem.links_intervals:
        return [exact if k == 1.0 else figures(_at_multiplier(first, k))
                for k in MULTIPLIERS], ""
    assert site.dispatch is not None
    # the fields of DispatchProblem.links_intervals, none of them linking
    limits = site.dispatch.limits.model_copy(
        update={"ramp_mw_per_interval": None, "min_up_intervals": 1, "min_down_intervals": 1})
    unlinked = site.dispatch.model_copy(update={"limits": limits, "ai_flexible_fraction": 0.0})
    one = run_dispatch(site, prices, solver="fast", spec=unlinked, hashprice=hp)
    relaxed = [figures(one if k == 1.0 else _at_multiplier(one, k)) for k in MULTIPLIERS]
    at = [MULTIPLIERS.index(k) for k in ANCHORS]
    runs = {k: first if k == 1.0 else run_dispatch(site, prices, hashprice=hp * k)
            for k in ANCHORS}
    exact_at = [exact if k == 1.0 else figures(r) for k, r in runs.items()]
    log_k, log_anchors = np.log(MULTIPLIERS), np.log(ANCHORS)
    columns = {}
    for name in (f.name for f in fields(_Point)):
        gap = [getattr(e, name) - getattr(relaxed[i], name) for e, i in zip(exact_at, at,
                                                                             strict=True)]
        columns[name] = (np.array([getattr(r, name) for r in relaxed])
                         + np.interp(log_k, log_anchors, gap))
    for name in ("revenue_share", "energy_share"):
        columns[name] = np.clip(columns[name], 0.0, 1.0)
    curve = [_Point(**{name: float(v[j]) for name, v in columns.items()})
             for j in range(len(MULTIPLIERS))]
    return curve, (
        "; ramps, min up/down times or flexible AI load link the intervals: the engine's "
        f"exact figures at k = {', '.join(f'{k:g}' for k in ANCHORS)}, between them the "
        "site without those links (fast path, flexible AI load flat) plus the exact "
        "figures' difference from it, interpolated in log k"
        + _unimproved_note({k: r.summary() for k, r in runs.items()}))


def _unimproved_note(summaries: dict[float, dict[str, Any]]) -> str:
    """The anchors at which the time limit left rolling windows at their starting
    schedule, as a clause of the note ("" when none did)."""
    left = {k: s for k, s in summaries.items() if s.get("windows_unimproved")}
    if not left:
        return ""
    worst = max(left, key=lambda k: int(left[k]["windows_unimproved"]))
    at = ", ".join(f"{int(s['windows_unimproved'])} at k = {k:g}" for k, s in left.items())
    return (f"; rolling windows of {int(left[worst]['windows'])} kept their starting "
            f"schedule ({at}): the time limit, so the flexibility may be understated "
            "(raise [sites.dispatch] time_limit_seconds)")


def _at_multiplier(result: DispatchResult, k: float) -> DispatchResult:
    """The fast-path dispatch of ``result``'s problem with its hashprice times ``k``.

    The problem is not rebuilt (only its hashprice changes) and the always-on baseline is
    not re-run: its schedule does not depend on the hashprice, so its mining revenue is
    ``k`` times and its net margin that of ``k = 1`` plus ``(k - 1)`` times the revenue
    (the same totals as ``run_dispatch`` with the scaled hashprice, to rounding: tested).
    """
    from hashpivot.power.fast import solve_fast
    from hashpivot.power.results import DispatchResult

    problem = result.problem.replace(hashprice_usd_per_ph_day_series=np.asarray(
        result.problem.hashprice_usd_per_ph_day_series, dtype=np.float64) * k)
    schedule, report = solve_fast(problem)
    result.summary()  # (computes the always-on totals if they are not yet)
    base = result.baseline_totals or {}
    revenue = float(base["mining_revenue_usd"])
    scaled = {**base, "mining_revenue_usd": k * revenue,
              "net_margin_usd": float(base["net_margin_usd"]) + (k - 1.0) * revenue}
    return DispatchResult(problem, schedule, report, baseline_totals=scaled)


def _share(part: float, whole: float) -> float:
    """``part / whole``, 1 when ``whole`` is not positive. [-]"""
    return float(part) / float(whole) if float(whole) > 0 else 1.0


__all__ = [
    "ANCHORS",
    "MULTIPLIERS",
    "measure_dispatch_uplift",
]


def _not_measured(exc: Exception) -> str:
    """The note of a flexibility not measured for ``exc`` (each problem with its field, on
    the note's one line): the monthly model then values mining flat."""
    from hashpivot.exceptions import InputError

    why = "; ".join(map(str, exc.problems)) if isinstance(exc, InputError) else str(exc)
    return f"dispatch uplift not measured ({why}); flat mining value used"
