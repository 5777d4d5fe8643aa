"""A site's contracted supply (its ``[sites.dispatch.ppa]`` block, its
``[sites.dispatch.renewable]`` plant) worth with no miners: a stream of the site, the same
in every strategy.

:mod:`~hashpivot.engines.pivot.uplift.supply_settlement` splits what the supply is worth in a
month into ``P_idle``, its worth with no miners (a financial block, a contract for
differences, settles its whole volume whatever the site's load; a physical block and the
plant's output serve the AI load and are resold at the index where the contracts allow
it, else spilled), and ``P_on - P_idle``, what the miners' use of it adds (the grid adder
their use saves; on energy that may not be resold, the power they no longer spill).
Converting miners to AI hosting ends neither contract: the site keeps ``P_idle``. So
``P_idle`` is counted here, per path and month, from the site's whole fleet MW (the MW
the settlement was measured per: a swap's fleet at the start, each slot's first entry,
not its slots' power), from its connection on, in keep-mining and every
conversion alike, months curtailed included (:func:`site_supply_usd`; ``pivot``,
``simulate`` and ``optimize`` alike): it does not move ``NPV(convert) - NPV(keep)``. Only
``P_on - P_idle`` goes with the MW still mining, in each month's dispatch uplift, floored
with mining (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.breakdown`).

Until 2026-12-07 the whole PPA settlement went with the MW still mining: a MW converted
gave its share up, so a cheap block weighed against converting and a dear one for it (a
40 MW block at 20 USD/MWh on an index averaging 59.8 USD/MWh is worth about 13.9 M USD a
year); the renewable plant was not counted.

The renewable plant has no term, nor a PPA block without ``start`` or ``end``: they
settle through the horizon as the price year repeats. A block with ``[sites.dispatch.ppa]
start`` settles from that month, one with ``end`` through that month; outside them the
site has no PPA: its stream is that of the site without the block (0 without a renewable
plant) and each month's uplift that site's (:mod:`~hashpivot.engines.pivot.uplift.ppa_term`).
After the horizon the stream is valued by the mining line's method on its final year,
with the curve in force after the horizon (:func:`supply_at_horizon`: a block ended
within the horizon, its last month included, or starting after it, leaves none;
:func:`~hashpivot.engines.pivot.terminal.site_stream_value_at_horizon_usd`: the exit
multiple, Gordon growth, or nothing), on its own, not floored with mining (the contracts
settle whether anything mines, a dear one's loss as a cheap one's gain): the same in
every strategy. A block in force after the horizon with an ``end`` is valued over the
months left to that end only, as the hosting line's remaining lease terms: its part of
the final year times the value of 1 USD/year paid monthly over those months, at most the
method's factor (a block ending 18 months after a 10-year horizon was counted for ever,
8 years of it at the default exit multiple, until 2026-12-07).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.engines.pivot.fleet import site_power_price_usd_per_mwh
from hashpivot.engines.pivot.flows import SupplyAtHorizon
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.uplift.ppa_term import months_after_horizon, site_at_horizon
from hashpivot.market import MarketPaths
from hashpivot.terminal_value import final_year_usd
from hashpivot.units import HOURS_PER_DAY

#: How the contracted supply's settlement is counted (the resolved assumptions' row).
CONVENTION = (
    "always on at the price year's prices, each month at its index level (the contracts' "
    "prices fixed, the plant's output the price year's mean month); what the supply is "
    "worth with no miners is the site's, counted in every strategy from the whole fleet's "
    "MW (a conversion ends no contract), months curtailed included; only what the miners' "
    "use adds goes with the MW still mining; after the horizon the no-miner part is valued "
    "by the mining method on its own, the same in every strategy; a PPA block with a start "
    "or an end settles within them only: outside them the site has no PPA (no stream, the "
    "uplift measured without the block)")


def site_supply_usd(site: SiteInputs, market: MarketPaths) -> FloatArray | None:
    """``P_idle`` of the site's contracted supply in each path and month (module docstring):
    per MW of the fleet at the month's index level, times the fleet MW it was measured
    per (``SupplySettlement.fleet_power_mw``: a swap's fleet at the start) and the share
    of the month it is connected, shape (P, T); None without a PPA block or renewable
    supply. [USD]

    Parameters
    ----------
    site : SiteInputs
        The site (its ``dispatch_uplift`` carries the supply's measured worth).
    market : MarketPaths
        The paths (their power price sets each month's index level).
    """
    u = site.dispatch_uplift
    if u is None:
        return None
    per_mw = u.supply_idle_usd_per_mw_month(site_power_price_usd_per_mwh(site, market),
                                            HOURS_PER_DAY * market.days_per_period,
                                            market.periods)
    if per_mw is None:
        return None
    # the MW the settlement was measured per: the fleet the engine ran (a swap's fleet at
    # the start, not its slots' power: 191.1 against 199.0 MW on the S21 -> S21 XP swap,
    # whose stream was 4.1 % too large until 2026-12-07); the site's fleet MW for a
    # settlement built by hand (the curve outside a PPA's window was measured on the same
    # fleet)
    settlement = u.supply if u.supply is not None else (
        u.ppa_term.without.supply
        if u.ppa_term is not None and u.ppa_term.without is not None else None)
    mw = (settlement.fleet_power_mw if settlement is not None else 0.0) or site.fleet_power_mw
    return per_mw * (mw * connected_share(site.connection_date, market.periods))


def supply_at_horizon(site: SiteInputs, market: MarketPaths,
                      supply: FloatArray | None) -> SupplyAtHorizon:
    """The site's stream ``supply`` (:func:`site_supply_usd`) as the terminal value takes
    it: its final year ``S``, each month with the curve in force after the horizon
    (:func:`~hashpivot.engines.pivot.uplift.ppa_term.site_at_horizon`: a PPA block that
    ends within the final year, its last month included, leaves none of its months, one
    that starts within it all of them), shape (P,), 0 without a stream; and where that
    block has an ``end`` after the horizon, the block's part of ``S`` (``S`` less the
    final year of the site without the block: a renewable plant's goes on) and the
    months it settles after the horizon
    (:func:`~hashpivot.engines.pivot.uplift.ppa_term.months_after_horizon`).

    Parameters
    ----------
    site : SiteInputs
        The site.
    market : MarketPaths
        The paths.
    supply : ndarray (P, T) or None
        ``site_supply_usd(site, market)``. [USD]
    """
    at_end = site_at_horizon(site, market.periods)
    if at_end is not None:
        supply = site_supply_usd(at_end, market)
    if supply is None:
        return SupplyAtHorizon()
    paths = (market.n_paths,)
    s = np.broadcast_to(final_year_usd(supply), paths)
    term = site.dispatch_uplift.ppa_term if site.dispatch_uplift is not None else None
    left = None if term is None else months_after_horizon(term, market.periods)
    if term is None or left is None:
        return SupplyAtHorizon(s)
    after = site_supply_usd(dataclasses.replace(site, dispatch_uplift=term.without), market)
    ending = s if after is None else s - np.broadcast_to(final_year_usd(after), paths)
    return SupplyAtHorizon(s, ending, left)


__all__ = ["CONVENTION", "site_supply_usd", "supply_at_horizon"]
