"""Intervals with a grid event: demand-response calls and ERCOT 4CP peaks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.alignment import align_to_index, localize_times
from hashpivot.engines.dispatch.resolve.provenance import Provenance
from hashpivot.engines.dispatch.resolve.ranges import range_problem
from hashpivot.exceptions import InputError, Problem
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.intervals import BoolArray, FloatArray

__all__ = ["resolve_demand_response", "resolve_four_cp"]


def resolve_demand_response(
    index: pd.DatetimeIndex, spec: DispatchSpec
) -> tuple[BoolArray, Provenance]:
    """Intervals inside a demand-response event of ``dispatch.demand_response.events``.

    Returns
    -------
    event : numpy.ndarray of bool
    provenance : dict
        ``dr_event_intervals``: how many intervals are in an event; when an event falls
        outside the prices, ``dr_events_outside_horizon`` and ``dr_events_note``.
    """
    dr = spec.demand_response
    event = np.zeros(len(index), dtype=bool)
    if dr is None or not dr.events:
        return event, {}
    outside: list[pd.Timestamp] = []
    for start, end in dr.events:
        s, e = localize_times([start, end], index.tz)
        inside = (index >= s) & (index < e)
        event |= inside
        if not inside.any():
            outside.append(s)
    meta: Provenance = {"dr_event_intervals": int(event.sum())}
    if outside:
        first = ", ".join(str(t) for t in outside[:2])
        meta["dr_events_outside_horizon"] = len(outside)
        meta["dr_events_note"] = (
            f"{len(outside)} of the {len(dr.events)} demand-response events "
            f"(dispatch.demand_response.events; {first}{'...' if len(outside) > 2 else ''}) "
            f"fall outside the prices ({index[0]} to {index[-1]}): no curtailment called then")
    return event, meta


def resolve_four_cp(
    index: pd.DatetimeIndex,
    interval_hours: FloatArray,
    spec: DispatchSpec,
    probability: pd.Series | None,
    from_file: bool = False,
) -> tuple[BoolArray, Provenance]:
    """Intervals that count as ERCOT 4CP peaks: the listed peak times, and intervals whose
    peak probability reaches the threshold.

    Returns
    -------
    peak : numpy.ndarray of bool
    provenance : dict
        ``fourcp_peaks_outside_horizon`` and, when a listed peak falls outside the prices
        or no peak falls in the horizon, ``fourcp_note`` (printed as a note).
    """
    n = len(index)
    cp = spec.four_cp
    peak = np.zeros(n, dtype=bool)
    meta: Provenance = {}
    if cp is None or cp.charge_usd_per_kw_year <= 0:
        return peak, meta
    if cp.peak_intervals:
        times = localize_times(list(cp.peak_intervals), index.tz)
        pos = index.searchsorted(times, side="right") - 1
        at = np.clip(pos, 0, n - 1)  # the interval each peak time falls in, and its end
        ends = index[at] + pd.to_timedelta(np.asarray(interval_hours)[at], unit="h")
        ok = (pos >= 0) & (times < ends)
        peak[pos[ok]] = True
        outside = int((~ok).sum())
        meta["fourcp_peaks_outside_horizon"] = outside
        if outside:
            first = ", ".join(str(t) for t in times[~ok][:2])
            meta["fourcp_note"] = (
                f"{outside} of the {len(times)} listed 4CP peak intervals "
                f"(dispatch.four_cp.peak_intervals; {first}{'...' if outside > 2 else ''}) "
                f"fall outside the prices ({index[0]} to {index[-1]}): not charged")
    if probability is not None:
        field = "dispatch.four_cp.peak_probability_file" if from_file else ""
        p = align_to_index(probability, index, "4CP peak probability", field)
        message = range_problem("peak_probability", p, nan_ok=False)  # (a percentage, 5)
        if message is not None:
            raise InputError(Problem(path=field or "peak_probability", message=message))
        peak |= p >= cp.probability_threshold
    if not peak.any():
        said = "no 4CP peak interval falls in the horizon: no charge"
    else:  # the rate and what a MW withdrawn in a peak costs (it moves the gain most);
        # the withdrawal is power.accounts' base: grid imports and the PPA energy used
        listed = np.zeros(n, dtype=bool)
        if cp.peak_intervals:
            listed[pos[ok]] = True
        n_peaks, more = int(peak.sum()), int((peak & ~listed).sum())
        how = f"{int(listed.sum())} listed" + (
            f", {more} more at a peak probability of {cp.probability_threshold:g} or more"
            if more else "")
        said = (f"4CP charge {cp.charge_usd_per_kw_year:g} USD/kW/year "
                "(dispatch.four_cp.charge_usd_per_kw_year) on the mean grid withdrawal (grid "
                f"import and PPA energy used) over the {n_peaks} peak "
                f"interval{'s' if n_peaks > 1 else ''} in the horizon ({how}): "
                f"{cp.charge_usd_per_kw_year * 1000.0 / n_peaks:,.0f} USD a year for each MW "
                f"withdrawn in {'one' if n_peaks > 1 else 'it'}")
    meta["fourcp_note"] = f"{meta['fourcp_note']}; {said}" if "fourcp_note" in meta else said
    return peak, meta
