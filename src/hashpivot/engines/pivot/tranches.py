"""A site's fleet entries as mining tranches: displaced least efficient first, each
curtailed, replaced and dispatched at its own margin.

A site of several ``[[sites.fleet]]`` entries mines each as a tranche of its own, a site
in itself (:func:`tranche_site`: the entry's hashrate, power at the meter and uptime, its
share of the site's cost items). A conversion displaces the spare capacity first, then
the tranches in order of efficiency, the least efficient (most J/TH) first
(:func:`tranche_mw`): an operator retires and resells its oldest machines first. Each
tranche mines a month when its own revenue covers its power and variable costs, so the
old machines stop first when margins thin; each replaces its machines on its own gain
(:func:`~hashpivot.engines.pivot.fleet.site_market`), and a dispatching site's flexibility
is valued at each tranche's margin. This is how the decision engine
(:mod:`hashpivot.optimize`) values a fleet, one tranche per entry
(:func:`hashpivot.optimize.coefficients.mining_flows_per_mw` builds its tranches with
:func:`tranche_site`), so the two engines value a plan alike. A site of one entry is its
own tranche.

Entries that replace one another on the same power (a swap: :mod:`hashpivot.mining.slots`)
are mined as the units of their slots' bands, in the slots' order: the units of a band
occupy its MW in turn (each between its entry's dates), are displaced together
(:func:`tranche_mw`), and the optimizer's tranche of the band holds them all.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.mining.fleet import displacement_order
from hashpivot.units import W_PER_MW

__all__ = ["fleet_tranches", "tranche_entries", "tranche_labels", "tranche_mw", "tranche_site"]


def tranche_site(site: SiteInputs, gross_mw: float, hashrate_th_s: float,
                 uptime_fraction: float,
                 installed: tuple[str | None, str | None] = (None, None),
                 purchase_usd_per_th: float = 0.0, band: int | None = None,
                 entry: int | None = None) -> SiteInputs:
    """A block of a site's machines as a site of its own.

    Parameters
    ----------
    site : SiteInputs
        The whole site.
    gross_mw : float
        The block's power at the meter, site overhead included. [MW]
    hashrate_th_s : float
        Its hashrate. [TH/s]
    uptime_fraction : float
        Its machines' uptime. [-]
    installed : (str or None, str or None), optional
        Its entry's ``start`` and ``end`` (:mod:`~hashpivot.engines.pivot.availability`).
    purchase_usd_per_th : float, optional
        Its entry's purchase price, paid when it is planned. [USD/TH]
    band : int, optional
        The slot band it shares with other entries in turn (a swap:
        :mod:`~hashpivot.mining.slots`).
    entry : int, optional
        Its fleet entry (position in ``site.fleet_entries``): a dispatching site's
        tranche takes that entry's own curve (``site.fleet_uplifts``: the fleet left with
        it less the fleet left without it), else the site's.

    Returns
    -------
    SiteInputs
        The site with the block's fleet and its share (by MW) of the variable and fixed
        site items; the cash SG&A by its share of the MW the site keeps mining (only the
        replacement decision's terminal-value floor reads it: the site pays it once);
        no fleet entries of its own (it is one tranche); its entry's dispatch curve
        where the site has one per entry.
    """
    share = gross_mw / site.fleet_power_mw
    keep_share = gross_mw / min(site.fleet_power_mw, site.capacity_mw)
    return dataclasses.replace(
        site,
        fleet_hashrate_th_s=hashrate_th_s,
        fleet_power_mw=gross_mw,
        uptime_fraction=uptime_fraction,
        scaled_opex_usd_per_month=site.scaled_opex_usd_per_month * share,
        fixed_mining_opex_usd_per_month=site.fixed_mining_opex_usd_per_month * share,
        fixed_opex_usd_per_month=site.fixed_opex_usd_per_month * keep_share,
        dispatch_uplift=(site.fleet_uplifts[entry] or site.dispatch_uplift
                         if entry is not None and site.fleet_uplifts else site.dispatch_uplift),
        fleet_uplifts=(),
        fleet_entries=(),  # a tranche is its own (fleet_tranches gives none of it)
        fleet_windows=(),
        fleet_purchase_usd_per_th=(),
        fleet_bands=(),
        fleet_unit_entries=(),
        installed=installed,
        purchase_usd_per_th=purchase_usd_per_th,
        band=band,
    )


def fleet_tranches(site: SiteInputs) -> list[SiteInputs]:
    """A site's fleet entries as tranches, the least efficient first.

    Parameters
    ----------
    site : SiteInputs

    Returns
    -------
    list of SiteInputs
        One :func:`tranche_site` per ``[[sites.fleet]]`` entry, ordered by efficiency,
        most J/TH first (ties: file order), or per unit of a swap's bands in their order
        (``SiteInputs.fleet_bands``); empty when the site has one entry or none (the site
        is its own tranche).
    """
    out = []
    for j in _ordered_entries(site):
        _, hr, watts, uptime = site.fleet_entries[j]
        window = site.fleet_windows[j] if site.fleet_windows else (None, None)
        price = site.fleet_purchase_usd_per_th[j] if site.fleet_purchase_usd_per_th else 0.0
        band = site.fleet_bands[j] if site.fleet_bands else None
        out.append(tranche_site(site, watts * site.power_overhead_factor / W_PER_MW, hr,
                                uptime, window, price, band, j))
    return out


def tranche_labels(site: SiteInputs) -> list[str]:
    """The fleet entries' labels in the order of :func:`fleet_tranches` (empty when the
    site has one entry or none)."""
    return [site.fleet_entries[j][0] for j in _ordered_entries(site)]


def tranche_entries(site: SiteInputs) -> list[int]:
    """The fleet entry (position in the fleet valued) of each tranche of
    :func:`fleet_tranches` (a swap's units of one entry share it; empty when the site has
    one entry or none)."""
    units = site.fleet_unit_entries
    return [units[j] if units else j for j in _ordered_entries(site)]


def _ordered_entries(site: SiteInputs) -> list[int]:
    """Positions of the entries with machines, most J/TH first (ties: file order); none
    for one."""
    hashrate = [e[1] for e in site.fleet_entries]
    power = [e[2] for e in site.fleet_entries]
    if site.fleet_bands:  # a swap's units, already in the order of displacement
        entries = [j for j, (h, w) in enumerate(zip(hashrate, power, strict=True))
                   if h > 0 and w > 0]
        return entries if len(entries) > 1 else []
    return displacement_order(hashrate, power)


def tranche_mw(tranches: list[SiteInputs], mining_mw: FloatArray) -> list[FloatArray]:
    """The MW each tranche mines when the site mines ``mining_mw``: the least efficient
    displaced first.

    Parameters
    ----------
    tranches : list of SiteInputs
        :func:`fleet_tranches` of the site, in its order.
    mining_mw : ndarray (T,)
        MW of machines the site keeps mining each month (at most its fleet's). [MW]

    Returns
    -------
    list of ndarray (T,)
        Per tranche; they sum to ``mining_mw`` (the units of a swap's band, which occupy
        it in turn, each the band's MW: :mod:`~hashpivot.mining.slots`). [MW]
    """
    starts = [k for k, t in enumerate(tranches)  # each band's first unit
              if t.band is None or k == 0 or tranches[k - 1].band != t.band]
    fleet = float(sum(tranches[k].fleet_power_mw for k in starts))
    opens = set(starts)
    displaced = np.clip(fleet - np.asarray(mining_mw, dtype=np.float64), 0.0, None)
    out: list[FloatArray] = []
    before = 0.0
    for k, t in enumerate(tranches):
        if k in opens and k > 0:
            before += tranches[k - 1].fleet_power_mw
        gone = np.clip(displaced - before, 0.0, t.fleet_power_mw)
        out.append(t.fleet_power_mw - gone)
    return out
