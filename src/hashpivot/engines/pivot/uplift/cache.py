"""The dispatch uplift curves of a process: each distinct site measured once.

:func:`site_dispatch_uplift` measures a site's curve
(:func:`~hashpivot.engines.pivot.uplift.measurement.measure_dispatch_uplift`) the first
time a run asks for it (a run resolves its sites several times: tornado, break-even,
per-site values, every Monte Carlo chunk) and again only when the side files it was
measured from change; :func:`measured_dispatch_uplifts` and
:func:`remember_dispatch_uplifts` hand the curves to the processes that run a Monte
Carlo's chunks, so that they do not measure them again. A site whose PPA block has a
``start`` or an ``end`` has two curves, with and without the block
(:mod:`~hashpivot.engines.pivot.uplift.ppa_term`), each measured and cached as a site's (the
window is not part of the curve's key: the block is measured on the price year whatever
its term; it is read from the site on every call). A site of several fleet entries has
a curve per fleet left as a conversion displaces them (:func:`entry_dispatch_uplifts`),
each measured and cached as a site's too; with dated entries, per fleet left of the
entries installed in each period
(:mod:`~hashpivot.engines.pivot.uplift.installed_layers`), a swap's in the order its
slots are displaced.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hashpivot.engines.pivot.uplift.curve import DispatchUplift
from hashpivot.engines.pivot.uplift.installed_layers import InstalledLayers, installed_periods
from hashpivot.engines.pivot.uplift.layered import layered
from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift
from hashpivot.engines.pivot.uplift.ppa_term import PpaTerm
from hashpivot.mining.fleet import displacement_order

if TYPE_CHECKING:
    import pandas as pd

    from hashpivot.models import Site

#: A measured curve and its note. [-]
Measured = tuple[DispatchUplift | None, str]

#: Curves measured in this process (or handed to it), by the site's JSON, with the state
#: of the side files they were measured from (None when handed over); the oldest of more
#: than :data:`_CACHE_SIZE` is dropped.
_CACHE: dict[str, tuple[Measured, tuple[Any, ...] | None]] = {}
_CACHE_SIZE = 64


def _side_files_state(site: Site) -> tuple[Any, ...]:
    """Each side file the measurement reads (the dispatch's, the emissions file aside)
    with its modification time [ns] and size [bytes] (``None`` when it cannot be looked
    up): a curve measured from other contents of the same names is measured again (an
    edited or created file in a notebook)."""
    from hashpivot.engines.dispatch.sources import side_file_names

    spec = site.dispatch
    if spec is None:
        return ()
    state: list[Any] = []
    for name in side_file_names(spec.model_copy(update={"emissions_file": None})):
        try:
            st = os.stat(name)
            state.append((name, st.st_mtime_ns, st.st_size))
        except (OSError, ValueError):  # (a NUL byte in the name: the reader says so)
            state.append((name, None))
    return tuple(state)


def site_dispatch_uplift(site: Site) -> Measured:
    """:func:`measure_dispatch_uplift`, computed once per distinct site and process (a run
    resolves its sites several times: tornado, break-even, per-site values, every Monte
    Carlo chunk), or handed over by :func:`remember_dispatch_uplifts`. A PPA block with a
    ``start`` or an ``end``: the curve with the block, its
    :class:`~hashpivot.engines.pivot.uplift.ppa_term.PpaTerm` holding the curve of the site
    without it."""
    measured = _site_curve(site)
    uplift, note = measured
    window = _ppa_window(site)
    if uplift is None or window is None:
        return measured  # (the cache's own entry: the same object on every call)
    without, without_note = _site_curve(_without_ppa(site))
    if without is None and without_note:
        note += f"; {_outside_words(*window)} {without_note.removeprefix('dispatch ')}"
    return dataclasses.replace(uplift, ppa_term=PpaTerm(*window, without)), note


def _ppa_window(site: Site) -> tuple[str | None, str | None] | None:
    """``[sites.dispatch.ppa] start`` and ``end``, None without a block or either."""
    ppa = site.dispatch.ppa if site.dispatch is not None else None
    if ppa is None or (ppa.start is None and ppa.end is None):
        return None
    return ppa.start, ppa.end


def _outside_words(start: str | None, end: str | None) -> str:
    """The months outside a block's window, in a note: "before the PPA's start
    (2027-07)", "after the PPA's end (2030-12)", or "before the PPA's start (2027-07) and
    after its end (2030-12)"."""
    if start is None:
        return f"after the PPA's end ({end})"
    return f"before the PPA's start ({start})" + (f" and after its end ({end})" if end else "")


def _without_ppa(site: Site) -> Site:
    """The site without its PPA block: the site outside the block's window."""
    assert site.dispatch is not None
    return site.model_copy(update={"dispatch": site.dispatch.model_copy(update={"ppa": None})})


def _site_curve(site: Site) -> Measured:
    """The curve of ``site`` as measured, no term (the cache's entry)."""
    if site.dispatch is None:
        return None, ""
    site = _measured_site(site)
    key = site.model_dump_json()
    cached = _CACHE.get(key)
    if cached is not None and cached[1] is None:  # handed over: measured elsewhere
        return cached[0]
    state = _side_files_state(site)
    if cached is None or cached[1] != state:
        cached = (measure_dispatch_uplift(site), state)
        _remember(key, cached)
    return cached[0]


def _fleets_left(site: Site, members: frozenset[int] | None = None
                 ) -> list[tuple[int, Site]]:
    """Each fleet entry a conversion displaces in turn (:func:`_displaced`), with the
    site of the fleet left with it (it and the entries displaced after it, in file
    order; the first, the whole fleet of entries with machines); none for a site of one
    entry. With ``members`` (positions in the fleet), of those entries alone: one of
    them, its own site. A swap's entries are never all installed at once: its fleets
    left are those of ``members``, none of every entry."""
    if site.dispatch is None or (members is None and site.fleet_slots is not None):
        return []
    order = _displaced(site, members)
    return [(j, site.model_copy(update={"fleet": [site.fleet[i] for i in sorted(order[n:])]}))
            for n, j in enumerate(order)]


def _displaced(site: Site, members: frozenset[int] | None) -> list[int]:
    """The entries with machines of ``members`` (default every entry) in the order a
    conversion displaces them, as the monthly cash flows do
    (:func:`~hashpivot.engines.pivot.tranches.tranche_mw`): the least efficient first
    (:func:`~hashpivot.mining.fleet.displacement_order`, on each entry's hashrate and
    power as :func:`~hashpivot.engines.pivot.inputs.resolve_sites` counts them; none
    where every entry is asked for and one has machines); a swap's in the order of their
    slots' bands
    (:attr:`~hashpivot.models.Site.fleet_swap_units`: a slot keeps its place, its first
    entry's J/TH, whatever holds it)."""
    hashrate = [e.count * float(e.hashrate_th_s or 0.0)
                if members is None or j in members else 0.0 for j, e in enumerate(site.fleet)]
    power = site.entry_power_mw
    units = site.fleet_swap_units
    if units is not None:
        band: dict[int, int] = {}
        for u in units:  # (in the order of their bands)
            band.setdefault(u.entry, u.band)
        return sorted((j for j in band if hashrate[j] > 0 and power[j] > 0),
                      key=band.__getitem__)
    # (overhead included: the same factor on every entry, the same order of J/TH)
    order = displacement_order(hashrate, power)
    if not order and members is not None:  # (one entry with machines: its own site)
        order = [j for j, (h, w) in enumerate(zip(hashrate, power, strict=True))
                 if h > 0 and w > 0]
    return order


def _layers(site: Site, members: frozenset[int] | None = None
            ) -> dict[int, DispatchUplift] | None:
    """Each entry's layer of the fleet ``members`` (default every entry): the curve of
    the fleet left with it less that of the fleet left without it, per MW of the entry
    (:func:`~hashpivot.engines.pivot.uplift.layered.layered`); None where a fleet left
    could not be measured; empty for a site of one entry, or of a swap without
    ``members``."""
    left = _fleets_left(site, members)
    curves = [site_dispatch_uplift(s)[0] for _, s in left]
    out: dict[int, DispatchUplift] = {}
    for n, ((j, with_site), with_curve) in enumerate(zip(left, curves, strict=True)):
        if with_curve is None:
            return None
        rest = n + 1 < len(left)
        without = curves[n + 1] if rest else None
        out[j] = layered(with_curve, without, with_site.fleet_power_mw,
                         left[n + 1][1].fleet_power_mw if rest else 0.0)
    return out


def _dated_sets(site: Site, first_month: pd.Period | None, last_month: pd.Period | None
                ) -> tuple[tuple[int, ...], tuple[frozenset[int], ...]] | None:
    """:func:`~hashpivot.engines.pivot.uplift.installed_layers.installed_periods` of the
    site's fleet from ``first_month`` through ``last_month``; None where every entry is
    installed throughout (undated, or dated outside them), or the dates are not run (a
    fleet over its capacity in no slots, taken as it stands:
    :mod:`~hashpivot.engines.pivot.availability`). A swap's always (its entries are never
    all installed at once)."""
    if site.dispatch is None or len(site.fleet) < 2 or (
            not site.fleet_fits_capacity and site.fleet_slots is None):
        return None
    bounds, installed = installed_periods([(e.start, e.end) for e in site.fleet],
                                          first_month, last_month)
    every = frozenset(range(len(site.fleet)))
    return None if all(s == every for s in installed) else (bounds, installed)


def entry_dispatch_uplifts(site: Site, first_month: pd.Period | None = None,
                           last_month: pd.Period | None = None
                           ) -> tuple[DispatchUplift | None, ...]:
    """Each fleet entry's own curve, in file order (None for an entry without machines)
    (:func:`~hashpivot.engines.pivot.uplift.layered.layered`): the curve of the fleet left
    with it less that of the fleet left without it, per MW of the entry, each fleet left
    measured once per process as a site (:func:`site_dispatch_uplift`; the whole fleet's
    is the site's own curve). Its ``reference_th_s_per_mw`` is 0 (the entry's to set:
    :meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.for_fleet`). Empty for a
    site of one entry, and where a fleet left could not be measured (the entries then
    take the site's curve at their own ``k``, as until 2026-12-07).

    Where the entries installed change from ``first_month`` through ``last_month`` (their
    ``start`` and ``end``; a change after ``last_month`` makes no period: no month
    valued has it, and its fleets left are not measured), each curve holds the entry's
    layer of the entries installed in each period
    (:class:`~hashpivot.engines.pivot.uplift.installed_layers.InstalledLayers`; in a
    period whose fleets left could not be measured, its layer of every entry). A swap's
    entries (:attr:`~hashpivot.models.Site.fleet_slots`) take theirs in the order their
    slots are displaced (:func:`_swap_layers`; until 2026-12-07 its bands took the
    site's curve at their own ``k``)."""
    if site.fleet_slots is not None:
        return _swap_layers(site, first_month, last_month)
    every = _layers(site)
    if not every:
        return ()
    out: list[DispatchUplift | None] = [every.get(j) for j in range(len(site.fleet))]
    dated = _dated_sets(site, first_month, last_month)
    if dated is None:
        return tuple(out)
    bounds, installed = dated
    whole = frozenset(range(len(site.fleet)))
    by_set = {s: every if s == whole else _layers(site, s) for s in set(installed)}
    for j, curve in enumerate(out):
        if curve is None:
            continue
        periods = tuple(None if j not in s else (by_set[s] or every).get(j, curve)
                        for s in installed)
        out[j] = dataclasses.replace(curve, installed_layers=InstalledLayers(bounds, periods))
    return tuple(out)


def _swap_layers(site: Site, first_month: pd.Period | None, last_month: pd.Period | None
                 ) -> tuple[DispatchUplift | None, ...]:
    """:func:`entry_dispatch_uplifts` of a swap: each entry's layer of the entries
    installed in each period, in the order their slots are displaced
    (:func:`_displaced`), each unit of a band on its entry's layer per MW; the curve of
    the first period it is installed in (its layers by period where there are several;
    None where it is installed in no period, or has no machines). Empty where a fleet
    left could not be measured (the bands then take the site's curve at their own
    ``k``, as until 2026-12-07)."""
    dated = _dated_sets(site, first_month, last_month)
    if dated is None:
        return ()
    bounds, installed = dated
    by_set = {s: _layers(site, s) for s in dict.fromkeys(installed)}
    measured = {s: layers for s, layers in by_set.items() if layers is not None}
    if len(measured) < len(by_set):
        return ()
    out: list[DispatchUplift | None] = []
    for j in range(len(site.fleet)):
        periods = tuple(measured[s].get(j) if j in s else None for s in installed)
        first = next((c for c in periods if c is not None), None)
        out.append(first if first is None or len(periods) == 1 else dataclasses.replace(
            first, installed_layers=InstalledLayers(bounds, periods)))
    return tuple(out)


def _fleets_measured(site: Site, first_month: pd.Period | None,
                     last_month: pd.Period | None) -> list[Site]:
    """The site and each fleet left :func:`entry_dispatch_uplifts` measures."""
    dated = _dated_sets(site, first_month, last_month)
    sets = [None, *dict.fromkeys(dated[1] if dated else ())]
    return [site, *(left for s in sets for _, left in _fleets_left(site, s))]


def measured_dispatch_uplifts(sites: Iterable[Site], first_month: pd.Period | None = None,
                              last_month: pd.Period | None = None
                              ) -> tuple[tuple[str, Measured], ...]:
    """The curve of each site with ``[sites.dispatch]`` (measured here, once), keyed for
    :func:`remember_dispatch_uplifts`: what a task carries to the processes that run its
    chunks, so that they do not measure it again (seven HiGHS solves for a site whose
    intervals are linked); a site of several fleet entries, each fleet left
    (:func:`entry_dispatch_uplifts`, from ``first_month`` through ``last_month``)."""
    every = [s for site in sites if site.dispatch is not None
             for s in _fleets_measured(site, first_month, last_month)]
    with_after = [s for site in every
                  for s in ((site, _without_ppa(site)) if _ppa_window(site) else (site,))]
    return tuple((_measured_site(site).model_dump_json(), _site_curve(site))
                 for site in with_after)


def _measured_site(site: Site) -> Site:
    """The site whose dispatch is measured: a swap's fleet at the start, each slot's first
    entry (:attr:`~hashpivot.models.Site.fleet_slots`; the old and the new machines never
    run together), else the site itself; its PPA block without its ``start`` and ``end``
    (the block is measured on the price year whatever its term)."""
    if _ppa_window(site) is not None:
        assert site.dispatch is not None and site.dispatch.ppa is not None
        ppa = site.dispatch.ppa.model_copy(update={"start": None, "end": None})
        site = site.model_copy(update={"dispatch": site.dispatch.model_copy(
            update={"ppa": ppa})})
    slots = site.fleet_slots
    if slots is None:
        return site
    return site.model_copy(update={"fleet": [site.fleet[j] for j in sorted(s[0] for s in slots)]})


def remember_dispatch_uplifts(entries: Iterable[tuple[str, Measured]]) -> None:
    """Take curves measured elsewhere (:func:`measured_dispatch_uplifts`) into this
    process's cache: the same figures as measuring them here (the measurement is
    deterministic)."""
    for key, value in entries:
        if key not in _CACHE:
            _remember(key, (value, None))


def clear_dispatch_uplift_cache() -> None:
    """Forget every curve (the next run measures afresh: benchmarks)."""
    _CACHE.clear()


def _remember(key: str, value: tuple[Measured, tuple[Any, ...] | None]) -> None:
    while len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    _CACHE[key] = value


__all__ = [
    "Measured",
    "clear_dispatch_uplift_cache",
    "entry_dispatch_uplifts",
    "measured_dispatch_uplifts",
    "remember_dispatch_uplifts",
    "site_dispatch_uplift",
]
