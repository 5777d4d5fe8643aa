"""The resolved assumptions of a dispatch: what can flip its verdict (curtail or run, the
gain over always-on), each with its source, as the rows ``cost``, ``backtest``, ``pivot``,
``simulate`` and ``optimize`` print (``name``, ``value``, ``unit``, ``source``: ``file``,
``default``, ``run setting``, ``given`` for an argument of the library call, or the
data it comes from).

- the prices (their file or bundled market, and who chose it) and their clock;
- the site: its power contract, the grid adder, the machines it runs
  (:func:`~hashpivot.engines.mining_terms.fleet_row`, as the other engines' rows), its
  mining terms (pool fee, power
  overhead factor and the ``availability_fraction`` its machines run at:
  :func:`~hashpivot.engines.mining_terms.mining_term_rows`, as the other engines' rows);
- the hashprice (its mean over the intervals, its source: the ``[sites.dispatch]`` fields
  that set it, or the window of the daily data) and the emissions factor (its
  time-weighted mean and source);
- the AI load, the PPA (curtailed at negative prices or not), the renewable plant, demand
  response (and the committed MW held outside the events) and the 4CP charge;
- the curtailment rule, the underclocking range and the limits that link intervals;
- the solver asked for and the one that ran, its MIP gap and time limit.

:func:`dispatch_assumptions` builds them from the site, the spec the run used, the
resolved problem (its ``meta``: where each value came from) and the solver's report.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.sources import CONTRACT_MARKET_FIELD
from hashpivot.engines.mining_terms import (
    availability_facts,
    fleet_facts,
    fleet_row,
    mining_term_facts,
    mining_term_rows,
    power_contract_row,
    power_contract_text,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

    from hashpivot.models import Site
    from hashpivot.models.dispatch import DispatchSpec
    from hashpivot.models.grid_programs import DemandResponseSpec, FourCPSpec
    from hashpivot.power.model import DispatchProblem
    from hashpivot.power.report import SolveReport

__all__ = ["dispatch_assumptions", "measured_terms"]

#: The network fields of ``[sites.dispatch]`` that set a hashprice from network
#: conditions.
_NETWORK_FIELDS = ("btc_price_usd", "network_difficulty", "fees_btc_per_block")


def _src(spec: BaseModel | None, field: str, default: str = "default") -> str:
    """``"file"`` where the table ``spec`` sets ``field``, else ``default``."""
    return "file" if spec is not None and field in spec.model_fields_set else default


def _row(name: str, value: Any, unit: str, source: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "source": source}


def _price_rows(site: Site, problem: DispatchProblem, given_as: str | None
                ) -> list[dict[str, Any]]:
    """The prices (what they are and who chose them) and their clock."""
    meta = problem.meta
    market = site.power_contract.market if site.power_contract is not None else None
    source = ("run setting" if given_as in ("prices_file", "market") else
              f"file: [sites.power_contract] market ({market})"
              if given_as == CONTRACT_MARKET_FIELD else "given")
    index = problem.index
    span = (f"{index[0].date()} .. {index[-1].date()}, {problem.n_intervals:,} intervals"
            if problem.n_intervals else "no interval")
    return [
        _row("prices", str(meta.get("price_source", "")), "USD/MWh", source),
        _row("prices' clock", f"{index.tz}, {float(meta.get('interval_minutes', 0.0)):g}-minute "
             f"intervals, {span}", "-",
             "the prices"),
    ]


def _site_rows(site: Site, spec: DispatchSpec, problem: DispatchProblem
               ) -> list[dict[str, Any]]:
    """The power contract, the grid adder and the mining terms of the site."""
    contract = site.power_contract
    how = problem.meta.get("power_contract")
    rows = [power_contract_row("", power_contract_text(contract),
                               "file" + (f"; {how}" if how else ""))]
    rows.append(_row(
        "[sites.dispatch] grid_adder_usd_per_mwh", problem.grid_adder_usd_per_mwh, "USD/MWh",
        _src(spec, "grid_adder_usd_per_mwh",
             "default: = [sites.power_contract] adder_usd_per_mwh")))
    running = problem.meta.get("fleet_running")
    if running:  # the machines it runs (each on its own days where they are dated)
        days = problem.index
        first, last = ((pd.Timestamp(days[0].date()), pd.Timestamp(days[-1].date()))
                       if problem.meta.get("fleet_dated") and len(days) else (None, None))
        rows.append(fleet_row("", fleet_facts(site, [site.fleet[j] for j in running],
                                              first, last)))
    elif running is not None:
        rows.append(_row("[sites.fleet]", "none running", "-",
                         "file; no entry installed on the prices' days"))
    rows += mining_term_rows("", availability_facts(
        mining_term_facts(site), spec.availability_fraction,
        "availability_fraction" in spec.model_fields_set))
    return rows


def _hashprice_row(spec: DispatchSpec, problem: DispatchProblem,
                   override: float | object | None) -> dict[str, Any]:
    """The hashprice: its mean over the intervals [USD/PH/day], where it comes from (the
    order of :func:`~hashpivot.engines.dispatch.resolve.prices.resolve_hashprice`) and,
    for the daily history, the UTC days it spans."""
    text = str(problem.meta.get("hashprice_source", ""))
    hp = np.asarray(problem.hashprice_usd_per_ph_day_series, dtype=float)
    given = [f for f in ("hashprice_usd_per_ph_day", *_NETWORK_FIELDS)
             if getattr(spec, f) is not None]
    if override is not None:
        origin = "run setting" if isinstance(override, int | float) else "given"
    elif given:  # the fields that set it (the constant wins over the network's)
        setting = given[:1] if given[0] == "hashprice_usd_per_ph_day" else given
        origin = f"file ([sites.dispatch] {', '.join(setting)})"
    else:
        days = problem.index.tz_convert("UTC")
        origin = (f"default (no [sites.dispatch] hashprice_usd_per_ph_day, "
                  f"{', '.join(_NETWORK_FIELDS)})"
                  + (f", UTC days {days[0].date()} .. {days[-1].date()}" if len(days) else ""))
    return _row("hashprice, mean over the intervals", float(hp.mean()) if hp.size else math.nan,
                "USD/PH/day", f"{origin}: {text}")


def _emissions_row(site: Site, spec: DispatchSpec, problem: DispatchProblem
                   ) -> dict[str, Any]:
    """The emissions factor: its time-weighted mean [t CO2/MWh] and its source (the order
    of :func:`~hashpivot.engines.dispatch.resolve.emissions.resolve_emissions`)."""
    ef = np.asarray(problem.emissions_tco2_per_mwh_series, dtype=float)
    hours = np.asarray(problem.interval_hours_series, dtype=float)
    text = str(problem.meta.get("emissions_source", ""))
    finite = bool(ef.size) and bool(np.isfinite(ef).all()) and float(hours.sum()) > 0
    varies = finite and float(np.ptp(ef)) > 0
    value: Any = (float(ef @ hours / hours.sum()) if varies else float(ef[0]) if finite
                  else "not computed")
    if text.startswith("emissions factor series"):
        origin = "given"
    elif (spec.emissions_file or spec.emissions_factor_tco2_per_mwh is not None
          or site.emissions_factor_tco2_per_mwh is not None):
        origin = "file"
    else:
        origin = "default"
    return _row("emissions factor" + (", time-weighted mean" if varies else ""), value,
                "t CO2/MWh", f"{origin}: {text}")


def _load_rows(spec: DispatchSpec, problem: DispatchProblem) -> list[dict[str, Any]]:
    """The AI load and its flexibility."""
    flexible = (f"; windows of {spec.ai_flexible_window_hours:g} h, at most "
                f"{problem.ai_flexible_max_mw:g} MW flexible in an interval"
                if problem.ai_flexible_mw > 0 else "")
    return [
        _row("[sites.dispatch] ai_load_mw", float(spec.ai_load_mw), "MW",
             _src(spec, "ai_load_mw") + ("; served in every interval"
                                         if spec.ai_load_mw > 0 else "")),
        _row("[sites.dispatch] ai_flexible_fraction", float(spec.ai_flexible_fraction), "-",
             _src(spec, "ai_flexible_fraction") + flexible),
    ]


def _table_row(spec: DispatchSpec, table: str, terms: str | None, source: str = "file"
               ) -> dict[str, Any]:
    """The row of ``[sites.dispatch.<table>]``: its ``terms`` in words from ``source``, or
    ``none`` where it has none (``terms`` None)."""
    name = f"[sites.dispatch.{table}]"
    return (_row(name, "none", "-", _src(spec, table)) if terms is None
            else _row(name, terms, "-", source))


def _dr_online(dr: DemandResponseSpec) -> str:
    """Whether mining holds the committed MW outside the events, and at what cost it may
    fall short (each moves the net margin: the example's ``withdrawable = false`` by 2.1 %,
    ``scripts/sweep_assumptions.py``)."""
    if not dr.keep_committed_load_online:
        return "not kept online outside them"
    if not dr.withdrawable:
        return "kept online outside them, firm"
    return (f"kept online outside them, withdrawable at {dr.unavailable_usd_per_mw_hour:g} "
            "USD/MW-h unavailable")


def _ppa_terms(spec: DispatchSpec) -> str | None:
    """The PPA block in words; None without one."""
    ppa = spec.ppa
    if ppa is None or ppa.volume_mw <= 0:
        return None
    term = " ".join([*([f"from {ppa.start}"] if ppa.start else []),
                     *([f"through {ppa.end}"] if ppa.end else [])])
    return (f"{ppa.volume_mw:g} MW at {ppa.price_usd_per_mwh:g} USD/MWh, {ppa.settlement}"
            + (", resale allowed" if ppa.resale_allowed else ", no resale")
            + (", curtailed at negative prices" if ppa.curtail_at_negative_price
               and ppa.settlement == "physical" else "")
            + (", renewable" if ppa.is_renewable else "") + (f", {term}" if term else ""))


def _renewable_terms(spec: DispatchSpec) -> str | None:
    """The renewable plant in words; None without one."""
    ren = spec.renewable
    if ren is None or ren.capacity_mw <= 0:
        return None
    return (f"{ren.kind} {ren.capacity_mw:g} MW at {ren.price_usd_per_mwh:g} USD/MWh"
            + (", resale allowed" if ren.resale_allowed else ", no resale"))


def _dr_terms(spec: DispatchSpec, events: str) -> str | None:
    """Demand response in words (``events``: how many of its events the prices hold);
    None without a commitment."""
    dr = spec.demand_response
    if dr is None or dr.committed_mw <= 0:
        return None
    return (f"{dr.committed_mw:g} MW committed, readiness {dr.readiness_usd_per_mw_hour:g} "
            f"USD/MW-h, penalty {dr.penalty_usd_per_mwh:g} USD/MWh, {events}; "
            + _dr_online(dr))


def _limit_mw(value: float | None, unset: str) -> str:
    """A limit in MW, or what stands when it is not set."""
    return unset if value is None else f"{value:g} MW"


#: The most listed 4CP peak intervals :func:`_peaks_text` writes out (a year's four); more
#: are written by their first and last.
PEAKS_WRITTEN = 4


def _peaks_text(cp: FourCPSpec) -> str:
    """The 4CP peaks in words: the listed ``peak_intervals`` (their count, each, or the
    first and last of a long list) and the intervals of ``peak_probability_file`` at
    ``probability_threshold`` or more."""
    times = [f"{t:%Y-%m-%d %H:%M%z}" for t in cp.peak_intervals]
    parts = ([f"peak_intervals ({len(times)}: "
              + (", ".join(times) if len(times) <= PEAKS_WRITTEN
                 else f"{times[0]} .. {times[-1]}") + ")"] if times else [])
    if cp.peak_probability_file:
        parts.append(f"the intervals of peak_probability_file {cp.peak_probability_file} at "
                     f"probability_threshold {cp.probability_threshold:g} or more")
    return " and ".join(parts) or "no peak interval (no charge)"


def measured_terms(spec: DispatchSpec) -> list[tuple[str, str]]:
    """What a site's flexibility is measured on beyond its prices and fleet, table by
    table (``ppa``, ``renewable``, ``demand_response``, ``four_cp``, ``limits`` of
    ``[sites.dispatch]``) in words ("none" where it has none), for the engines that take
    the measured curve (``pivot``, ``simulate``, ``optimize``: a ``[sites.dispatch.<table>]``
    row each): the renewable plant with its profile (a synthetic one's place), demand
    response with what it holds outside the events, as the dispatch's own rows give them.
    Each moves the flexibility (on the West Texas site in a pivot run:
    ``[sites.dispatch.limits] import_mw`` 15 %, demand response's commitment 2-9 %,
    ``scripts/sweep_assumptions.py``), which the flexibility row's value alone did not
    name."""
    ren, limits, cp = spec.renewable, spec.limits, spec.four_cp
    renewable = _renewable_terms(spec)
    if renewable is not None and ren is not None:
        if ren.profile_file:
            renewable += f", profile {ren.profile_file}"
        elif ren.kind == "solar":
            renewable += (f", synthetic clear-sky profile at {ren.latitude_deg:g} deg N, "
                          f"{ren.longitude_deg:g} deg E")
        else:
            renewable += f", synthetic profile of capacity factor {ren.capacity_factor:g}"
    dr = spec.demand_response
    parts = {
        "ppa": _ppa_terms(spec) or "none",
        "renewable": renewable or "none",
        "demand_response": (_dr_terms(spec, f"{len(dr.events)} events")
                            if dr is not None else None) or "none",
        "four_cp": (f"{cp.charge_usd_per_kw_year:g} USD/kW/year at {_peaks_text(cp)}"
                    if cp is not None and cp.charge_usd_per_kw_year > 0 else "none"),
        "limits": (f"import_mw {_limit_mw(limits.import_mw, '= [sites] capacity_mw, if set')}"
                   f", ramp_mw_per_interval "
                   f"{_limit_mw(limits.ramp_mw_per_interval, 'no limit')}, min_up_intervals "
                   f"{limits.min_up_intervals}, min_down_intervals "
                   f"{limits.min_down_intervals}"
                   + (f", blocks of {limits.commitment_block_mw:g} MW"
                      if limits.commitment_block_mw is not None else "")),
    }
    return list(parts.items())


def _supply_rows(spec: DispatchSpec, problem: DispatchProblem) -> list[dict[str, Any]]:
    """The PPA, the renewable plant, demand response and the 4CP charge: each ``none``
    without its table."""
    cp = spec.four_cp
    ppa_terms, ren_terms = _ppa_terms(spec), _renewable_terms(spec)
    dr = spec.demand_response
    dr_terms = None if dr is None else _dr_terms(
        spec, f"{len(dr.events)} events ({int(problem.event().sum()):,} intervals in the "
              "prices)")
    charged = cp is not None and cp.charge_usd_per_kw_year > 0
    peaks = int(problem.peak().sum())
    return [
        _table_row(spec, "ppa", ppa_terms),
        _table_row(spec, "renewable", ren_terms,
                   f"file; {problem.meta.get('renewable_profile', '')}"),
        _table_row(spec, "demand_response", dr_terms),
        _row("[sites.dispatch.four_cp] charge_usd_per_kw_year",
             float(cp.charge_usd_per_kw_year) if charged and cp is not None else "none",
             "USD/kW/year" if charged else "-",
             f"file; {peaks} peak interval{'s' if peaks != 1 else ''} in the prices"
             if charged else _src(spec, "four_cp")),
    ]


def _rule_rows(spec: DispatchSpec, problem: DispatchProblem) -> list[dict[str, Any]]:
    """The curtailment rule, the underclocking range and the limits."""
    limits = spec.limits
    hashrate = spec.underclock_hashrate_fraction
    import_source = (_src(limits, "import_mw") if "import_limit_source" not in problem.meta
                     else "default: = [sites] capacity_mw")
    ramp = problem.ramp_mw_per_interval
    return [
        _row("curtailment rule",
             "in each interval a tranche runs, down to its underclocked power, while its "
             "hash earns more than its power costs (hashprice x (1 - pool fee) against the "
             "grid price + adder, or the fixed price); the AI load is always served", "-",
             "model"),
        _row("[sites.dispatch] underclock_min_power_fraction",
             float(spec.underclock_min_power_fraction), "-",
             _src(spec, "underclock_min_power_fraction")
             + ("; 1: no underclocking" if spec.underclock_min_power_fraction >= 1 else "")),
        _row("[sites.dispatch] underclock_hashrate_fraction",
             float(hashrate if hashrate is not None else spec.underclock_min_power_fraction),
             "-", _src(spec, "underclock_hashrate_fraction",
                       "default: = underclock_min_power_fraction")),
        _row("[sites.dispatch.limits] import_mw",
             problem.import_limit_mw if math.isfinite(problem.import_limit_mw) else "no limit",
             "MW" if math.isfinite(problem.import_limit_mw) else "-", import_source),
        _row("[sites.dispatch.limits] ramp_mw_per_interval",
             ramp if math.isfinite(ramp) else "no limit",
             "MW" if math.isfinite(ramp) else "-", _src(limits, "ramp_mw_per_interval")),
        _row("[sites.dispatch.limits] min_up_intervals, min_down_intervals",
             f"{problem.min_up_intervals}, {problem.min_down_intervals}", "interval",
             "file" if {"min_up_intervals", "min_down_intervals"} & limits.model_fields_set
             else "default"),
    ]


def _solver_rows(spec: DispatchSpec, report: SolveReport, solver: str | None
                 ) -> list[dict[str, Any]]:
    """The solver asked for (``solver``, a run setting, else the spec's) and the one that
    ran, its MIP gap and time limit (not used by the exact fast path)."""
    fast = report.solver == "fast"
    unused = "; not used: the fast path is exact" if fast else ""
    reached = (f"; HiGHS reached {100 * report.mip_gap:.3g} %"
               if not fast and math.isfinite(report.mip_gap) else "")
    return [
        _row("[sites.dispatch] solver", solver or spec.solver, "-",
             ("run setting" if solver is not None else _src(spec, "solver"))
             + f"; ran {report.solver} ({report.termination_condition})"),
        _row("[sites.dispatch] mip_gap", float(spec.mip_gap), "-",
             _src(spec, "mip_gap") + (unused or reached)),
        _row("[sites.dispatch] time_limit_seconds", float(spec.time_limit_seconds), "s",
             _src(spec, "time_limit_seconds") + unused),
    ]


def dispatch_assumptions(site: Site, spec: DispatchSpec, problem: DispatchProblem,
                         report: SolveReport, solver: str | None = None,
                         hashprice: float | object | None = None,
                         prices_given_as: str | None = None) -> list[dict[str, Any]]:
    """The resolved assumptions of a dispatch.

    Parameters
    ----------
    site : Site
        The site dispatched (which of its fields its file sets).
    spec : DispatchSpec
        The ``[sites.dispatch]`` the run used.
    problem : DispatchProblem
        The resolved problem (its ``meta``: where each value came from).
    report : SolveReport
        The solver that ran and how it ended.
    solver : str, optional
        The solver given for the run (a run setting), else the spec's.
    hashprice : float or pandas.Series, optional
        The hashprice given for the run [USD/PH/day] (a run setting; a series, an
        argument), else the spec's or the data's.
    prices_given_as : str, optional
        How the prices were chosen
        (:data:`~hashpivot.engines.dispatch.sources.PRICES_GIVEN_AS`); None for prices
        given to the library call.

    Returns
    -------
    list of dict
        ``name``, ``value``, ``unit``, ``source`` per assumption.
    """
    return [
        *_price_rows(site, problem, prices_given_as),
        *_site_rows(site, spec, problem),
        _hashprice_row(spec, problem, hashprice),
        _emissions_row(site, spec, problem),
        *_load_rows(spec, problem),
        *_supply_rows(spec, problem),
        *_rule_rows(spec, problem),
        *_solver_rows(spec, report, solver),
    ]
