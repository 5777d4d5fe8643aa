"""The site's load: mining tranches from the fleet, the AI/HPC load and its flexibility
windows, the grid import limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot.engines.dispatch.resolve.provenance import Provenance
from hashpivot.engines.mining_terms import mining_term_facts
from hashpivot.exceptions import InputError, Problem
from hashpivot.models import FleetEntry, Site
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.intervals import FloatArray
from hashpivot.power.tranches import Tranche

__all__ = [
    "AiLoad", "entries_installed", "resolve_ai_load", "resolve_import_limit",
    "resolve_tranches",
]


def entries_installed(site: Site, index: pd.DatetimeIndex) -> npt.NDArray[np.bool_]:
    """Fleet entry j's machines run in interval t: installed (its ``start``/``end``) and
    the site connected (``connection_date``), on the interval's local day; shape (T, J).

    Parameters
    ----------
    site : Site
    index : pandas.DatetimeIndex
        Interval starts (tz-aware, market local time).

    Returns
    -------
    numpy.ndarray of bool
    """
    naive = index.tz_localize(None) if index.tz is not None else index
    days, day_of = np.unique(np.asarray(naive.normalize()), return_inverse=True)
    by_day = site.running_on(pd.DatetimeIndex(days))  # (J, days)
    return np.ascontiguousarray(by_day[:, day_of].T)


def _dated_note(site: Site, active: npt.NDArray[np.bool_], index: pd.DatetimeIndex) -> str:
    """What a dispatch of dated entries runs: each between its dates, those installed on
    none of the prices' days left out."""
    first, last = (t.date() for t in (index[0], index[-1]))
    parts, left = [], []
    for j, entry in enumerate(site.fleet):
        name = f"fleet[{j}] ({entry.label})"
        on = active[:, j]
        if not on.any():
            left.append(name)
        elif not on.all():
            since = index[int(np.argmax(on))].date()
            until = index[len(on) - 1 - int(np.argmax(on[::-1]))].date()
            span = ([f"from {since}"] if since > first else []) + (
                [f"until {until}"] if until < last else [])
            parts.append(f"{name} " + " ".join(span))
    note = f"{site.name}: each fleet entry runs on the days it is installed"
    if parts:
        note += ": " + ", ".join(parts)
    if left:
        note += (f"; left out (installed on none of the prices' days, {first} to {last}): "
                 + ", ".join(left))
    return note


def resolve_tranches(site: Site, spec: DispatchSpec,
                     index: pd.DatetimeIndex | None = None,
                     active: npt.NDArray[np.bool_] | None = None,
                     ) -> tuple[tuple[Tranche, ...], Provenance]:
    """One tranche per fleet entry of a site.

    ``power_mw = count * power_w * power_overhead_factor * availability / 1e6`` and
    ``hashrate_ph_s = count * hashrate_th_s * availability / 1000``. The fleet's
    ``uptime_fraction`` is not applied: in the portfolio it includes curtailment, which
    dispatch decides itself; machines out of service are the ``availability_fraction``.

    Parameters
    ----------
    site : Site
    spec : DispatchSpec
        Underclocking range and availability.
    index : pandas.DatetimeIndex, optional
        The prices' intervals, for a dispatch of the file's own prices: the entries
        installed (their ``start``/``end``) on some of their days, each running on those
        (:func:`entries_installed`); none where none is. None: every entry (each slot's
        first, for a swap).
    active : numpy.ndarray of bool, shape (T, J), optional
        :func:`entries_installed` of ``index`` where the caller has it.

    Returns
    -------
    tranches : tuple of Tranche
    provenance : dict
        ``fleet_running``, the entries that run (their indices in ``site.fleet``), and
        ``fleet_dated``, whether each runs on its own days of ``index``; ``fleet_note``
        where entries run part of the prices' days or not at all, or a swap's later
        entries were left out (:attr:`~hashpivot.models.Site.fleet_slots`: only the fleet
        at the start runs, each slot's first entry; the old and the new machines never run
        together). (The tranches are echoed in the result.)
    """
    overhead = float(site.power_overhead_factor)
    availability = float(spec.availability_fraction)
    out: list[Tranche] = []
    problems: list[Problem] = []
    provenance: Provenance = {}
    running: range | list[int]
    if index is not None and len(index) and site.fleet:
        active = entries_installed(site, index) if active is None else active
        running = [j for j in range(len(site.fleet)) if active[:, j].any()]
        if not active.all():
            provenance["fleet_note"] = _dated_note(site, active, index)
        if not running:
            first, last = index[0].date(), index[-1].date()
            provenance["fleet_note"] = (
                f"{site.name}: no fleet entry is installed between {first} and {last} (the "
                "prices' days): the dispatch runs no machines")
            if spec.ai_load_mw <= 0:
                raise InputError(Problem(
                    "fleet", f"no fleet entry is installed between {first} and {last} (the "
                    "prices' days), and there is no AI load"))
        slots = None
    else:
        slots = site.fleet_slots
        running = (range(len(site.fleet)) if slots is None
                   else sorted(slot[0] for slot in slots))
    if slots is not None:
        later = [f"fleet[{j}] ({site.fleet[j].label})" for slot in slots for j in slot[1:]]
        provenance["fleet_note"] = (
            f"{site.name}: fleet entries dated one after the other replace one another on "
            "the same power (together they draw more than capacity_mw): the dispatch runs "
            "the fleet at the start, not " + ", ".join(later))
    for i in running:
        entry = site.fleet[i]
        th, power_w = entry.hashrate_th_s, entry.power_w
        if power_w is None and th is not None and entry.efficiency_j_per_th is not None:
            power_w = float(th) * float(entry.efficiency_j_per_th)
        if th is None or power_w is None:
            problems.append(
                Problem(
                    path=f"fleet[{i}]",
                    message="needs hashrate_th_s and power_w (or efficiency_j_per_th)",
                )
            )
            continue
        out.append(
            Tranche(
                name=str(entry.name or entry.asic or f"tranche {i}"),
                power_mw=entry.count * float(power_w) * overhead * availability / 1e6,
                hashrate_ph_s=entry.count * float(th) * availability / 1000.0,
                min_power_fraction=float(spec.underclock_min_power_fraction),
                hashrate_fraction_at_min=spec.underclock_hashrate_fraction,
            )
        )
    if problems:
        raise InputError(problems)
    # the entries the dispatch runs, and whether each runs on its own days (the row of the
    # fleet: engines.dispatch.assumptions)
    provenance["fleet_running"] = list(running)
    provenance["fleet_dated"] = index is not None and len(index) > 0
    note = _uptime_note(site, spec, [site.fleet[i] for i in running])
    if note:
        provenance["uptime_note"] = note
    return tuple(out), provenance


def _uptime_note(site: Site, spec: DispatchSpec, entries: list[FleetEntry]) -> str | None:
    """What the dispatch does with the fleet's ``uptime_fraction`` where it is not the
    ``availability_fraction`` the machines run at: the uptime other engines count (cost
    and backtest always, pivot, simulate and optimize on a site without
    ``[sites.dispatch]``) is not applied. None where the two are the same or nothing
    runs."""
    if not entries:
        return None
    facts = mining_term_facts(site, entries)
    uptime = float(facts["uptime_fraction"])
    availability = float(spec.availability_fraction)
    if abs(uptime - availability) <= 1e-12:
        return None
    given = ("default" if "availability_fraction" not in spec.model_fields_set
             else "file" if spec is site.dispatch else "given")
    others = ("cost, backtest, pivot, simulate and optimize count it" if site.dispatch is None
              else "cost and backtest count it (pivot, simulate and optimize the "
              "availability)")
    return (f"{site.name}: the fleet's uptime_fraction ({uptime:g}, weighted by hashrate; "
            f"{facts['sources']['uptime_fraction']}) is not applied: the dispatch curtails "
            "interval by interval itself and runs the machines in service, "
            f"[sites.dispatch] availability_fraction {availability:g} ({given}); {others}")


@dataclass(frozen=True)
class AiLoad:
    """The AI/HPC load of a hybrid site.

    Parameters
    ----------
    firm_mw : float
        Load that always runs. [MW]
    flexible_mw : float
        Mean flexible load per window. [MW]
    flexible_max_mw : float
        Highest flexible load in an interval. [MW]
    window : numpy.ndarray of int
        Index of the flexibility window of each interval. [-]
    """

    firm_mw: float
    flexible_mw: float
    flexible_max_mw: float
    window: np.ndarray


def resolve_ai_load(interval_hours: FloatArray, spec: DispatchSpec) -> tuple[AiLoad, Provenance]:
    """Split ``dispatch.ai_load_mw`` into firm and flexible load and number the windows.

    Parameters
    ----------
    interval_hours : numpy.ndarray
        [h]
    spec : DispatchSpec

    Returns
    -------
    ai : AiLoad
    provenance : dict
        Empty (the spec's values are echoed).
    """
    flex_mean = spec.ai_load_mw * spec.ai_flexible_fraction
    firm = spec.ai_load_mw - flex_mean
    flex_max = spec.ai_flexible_max_mw if spec.ai_flexible_max_mw is not None else 2 * flex_mean
    elapsed = np.concatenate([[0.0], np.cumsum(interval_hours)[:-1]])
    windows = np.floor(elapsed / spec.ai_flexible_window_hours + 1e-9).astype(np.int64)
    return AiLoad(firm, flex_mean, max(flex_max, flex_mean), windows), {}


def resolve_import_limit(site: Site, spec: DispatchSpec) -> tuple[float, Provenance]:
    """Grid import limit: ``dispatch.limits.import_mw``, else the site's ``capacity_mw``
    less its halls already in service (``[[sites.hosting.in_service]]``: their MW are
    theirs, as in the monthly engines), else none (infinite). [MW]"""
    limit = spec.limits.import_mw
    if limit is None and site.capacity_mw is not None:
        halls = site.hosting.in_service_gross_mw if site.hosting is not None else 0.0
        return float(site.capacity_mw) - halls, {"import_limit_source": "site capacity_mw" + (
            f" less {halls:g} MW of halls in service" if halls else "")}
    return (float(limit) if limit is not None else math.inf), {}
