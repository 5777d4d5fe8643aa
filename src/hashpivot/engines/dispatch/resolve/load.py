"""The site's load: mining tranches from the fleet, the AI/HPC load and its flexibility
windows, the grid import limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.resolve.provenance import Provenance
from hashpivot.exceptions import InputError, Problem
from hashpivot.models import Site
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.intervals import FloatArray
from hashpivot.power.tranches import Tranche

__all__ = ["AiLoad", "resolve_ai_load", "resolve_import_limit", "resolve_tranches"]


def resolve_tranches(site: Site, spec: DispatchSpec,
                     within: tuple[pd.Timestamp, pd.Timestamp] | None = None
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
    within : (pandas.Timestamp, pandas.Timestamp), optional
        The prices' first and last interval, for a dispatch of the file's own prices:
        the entries installed (their ``start``/``end``) on the first day some are, the
        prices' first day where some are then; none where none is installed within
        them. None: every entry (each slot's first, for a swap).

    Returns
    -------
    tranches : tuple of Tranche
    provenance : dict
        Empty (the tranches are echoed in the result), but ``fleet_note`` where entries
        were left out: those not installed ``on`` that day, or a swap's later entries
        (:attr:`~hashpivot.models.Site.fleet_slots`: only the fleet at the start runs,
        each slot's first entry; the old and the new machines never run together).
    """
    overhead = float(site.power_overhead_factor)
    availability = float(spec.availability_fraction)
    out: list[Tranche] = []
    problems: list[Problem] = []
    provenance: Provenance = {}
    installed = np.ones(len(site.fleet), dtype=bool)
    day = None
    if within is not None and site.fleet:
        lo, hi = (t.tz_localize(None).normalize() if t.tzinfo else t.normalize()
                  for t in within)
        days = pd.date_range(lo, hi, freq="D")
        active = np.array([e.active_on(days) for e in site.fleet], dtype=bool)
        some = active.any(axis=0)
        first = int(np.argmax(some)) if some.any() else None
        installed = active[:, first] if first is not None else np.zeros_like(installed)
        day = days[first] if first is not None else None
        if first is None:
            provenance["fleet_note"] = (
                f"{site.name}: no fleet entry is installed between {days[0].date()} and "
                f"{days[-1].date()} (the prices' days): the dispatch runs no machines")
            if spec.ai_load_mw <= 0:
                raise InputError(Problem(
                    "fleet", f"no fleet entry is installed between {days[0].date()} and "
                    f"{days[-1].date()} (the prices' days), and there is no AI load"))
    if not installed.all():  # the fleet standing that day
        left = [f"fleet[{j}] ({e.label})" for j, e in enumerate(site.fleet)
                if not installed[j]]
        if day is not None:
            when = ("the prices' first day" if day == days[0] else
                    "the first of the prices' days any is installed")
            provenance["fleet_note"] = (
                f"{site.name}: the dispatch runs the fleet installed on {day.date()} "
                f"({when}), not " + ", ".join(left))
        running: range | list[int] = [j for j in range(len(site.fleet)) if installed[j]]
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
    return tuple(out), provenance


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
    """Grid import limit: ``dispatch.limits.import_mw``, else the site's ``capacity_mw``,
    else none (infinite). [MW]"""
    limit = spec.limits.import_mw
    if limit is None and site.capacity_mw is not None:
        return float(site.capacity_mw), {"import_limit_source": "site capacity_mw"}
    return (float(limit) if limit is not None else math.inf), {}
