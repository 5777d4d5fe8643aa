"""What the ``total`` cost view leaves out when a site's fleet has no purchase price.

The total cost per BTC (CoinShares' convention) adds depreciation to the cash costs. A
fleet entry is depreciated straight-line when it gives ``capex_usd_per_th`` and
``depreciation_years``; a site whose entries give neither, in a portfolio that lists no
depreciation cost item for it or company-wide, has no ASIC depreciation in the total view
(which then counts for that site what the direct view does), and a site where only some
entries give them has the others' depreciation missing, while ``pivot`` and
``simulate`` on the same file pay for new machines every ``[pivot]
fleet_replacement_years`` at ``replacement_capex_usd_per_th``.
:func:`missing_asic_depreciation_notes` says so, with the figure the file's own ``[pivot]``
implies, so a reverse-margin verdict on the total view is not read without it.
"""

from __future__ import annotations

import numpy as np

from hashpivot.mining import CostCategory
from hashpivot.models import Portfolio
from hashpivot.units import DAYS_PER_YEAR

__all__ = ["missing_asic_depreciation_notes"]


def missing_asic_depreciation_notes(
    portfolio: Portfolio,
    site_names: np.ndarray,
    labels: np.ndarray,
    hashrate_th_s: np.ndarray,
    priced: np.ndarray,
    btc_per_day: float,
) -> list[str]:
    """A note per site that mines with no ASIC depreciation in the total view, for the
    whole fleet or for some of its entries.

    Parameters
    ----------
    portfolio : Portfolio
        The portfolio (its sites' cost items and ``[pivot]``).
    site_names : ndarray of str
        Site of each fleet entry mining on the day.
    labels : ndarray of str
        Label of each entry (its model), named when only some of a site's entries have no
        purchase price.
    hashrate_th_s : ndarray
        Nameplate hashrate of each entry. [TH/s]
    priced : ndarray of bool
        Whether each entry gives ``capex_usd_per_th`` and ``depreciation_years`` (an entry
        that does is depreciated, or written off, as the file says: no note for it).
    btc_per_day : float
        BTC the portfolio mines per day (the denominator of cost per BTC). [BTC/day]

    Returns
    -------
    list of str
        None when the portfolio lists a company-wide depreciation item (it may hold the
        fleets' depreciation). With ``[pivot] fleet_replacement_years`` set, each note
        gives the depreciation that the replacement price implies for the hashrate
        without one, ``replacement_capex_usd_per_th x hashrate / fleet_replacement_years``
        [USD/year], and what it adds to the total cost per BTC; otherwise it names the
        fields to set. The figure is what that price implies, not what ``pivot``
        spends: it replaces only where replacing pays (and a rule allows).
    """
    spec = portfolio.pivot
    if any(item.category == CostCategory.DEPRECIATION for item in portfolio.cost_items):
        return []  # a company-wide depreciation item may hold the fleets': nothing to say
    notes = []
    for i, site in enumerate(portfolio.sites):
        mask = site_names == site.name
        bare = mask & ~np.asarray(priced, dtype=bool)
        if not bare.any():
            continue
        if any(item.category == CostCategory.DEPRECIATION for item in site.cost_items):
            continue
        if bare.sum() == mask.sum():
            note = (
                f"total view: no ASIC depreciation at {site.name} (its fleet gives no "
                f"sites[{i}].fleet[].capex_usd_per_th and depreciation_years, and it lists "
                "no depreciation cost item)"
            )
        else:  # the priced entries are counted, these are not
            names = ", ".join(dict.fromkeys(str(x) for x in labels[bare]))
            note = (
                f"total view: no ASIC depreciation for part of the fleet at {site.name} "
                f"({names}: those sites[{i}].fleet[] entries give no capex_usd_per_th and "
                "depreciation_years, and the site lists no depreciation cost item; its "
                "other entries are depreciated)"
            )
        if (spec is not None and spec.fleet_replacement_years is not None
                and site.fleet_replacement and btc_per_day > 0):
            th = float(hashrate_th_s[bare].sum())
            usd_per_year = spec.replacement_capex_usd_per_th * th / spec.fleet_replacement_years
            per_btc = usd_per_year / DAYS_PER_YEAR / btc_per_day
            # (what the replacement price implies, not what pivot spends: it replaces
            # only where replacing pays, and a rule may forbid it)
            years = spec.fleet_replacement_years
            note += (
                f"; [pivot]'s replacement price implies straight-line depreciation of "
                f"{usd_per_year / 1e6:,.1f} M USD/year on "
                f"{'its' if bare.sum() == mask.sum() else 'those entries'} "
                f"{th / 1e6:,.2f} EH/s ({spec.replacement_capex_usd_per_th:g} USD/TH over "
                f"fleet_replacement_years {years:g}), +{per_btc:,.0f} USD/BTC on the total "
                "view: give the fleet capex_usd_per_th and depreciation_years to count it "
                f"(pivot replaces the machines only at a {years:g}-year point where "
                "replacing pays, never where a regulation rule forbids new mining capacity)"
            )
        notes.append(note)
    return notes
