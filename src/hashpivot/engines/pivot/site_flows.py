"""One site's monthly flows under a strategy's conversion phases, vectorized over market
paths: :func:`site_cash_flows`.

Its fleet mined as tranches (the least efficient displaced first:
:mod:`~hashpivot.engines.pivot.tranches`; each tranche's mining,
:mod:`~hashpivot.engines.pivot.mining`), the opex of the MW still mining and the site's
cash SG&A, the ASICs a conversion releases sold and the planned entries bought, each
tranche's final year for the terminal value (with the cost items and the dispatch curve
as they stand at the horizon), the halls' hosting flows
(:mod:`~hashpivot.engines.pivot.hosting_flows`) and the contracted supply's stream
(:mod:`~hashpivot.engines.pivot.uplift.supply_stream`) and its halls already in service
(:mod:`~hashpivot.engines.pivot.in_service`).
:func:`~hashpivot.engines.pivot.cashflows.strategy_cash_flows` sums the sites and adds
the financing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.engines.pivot.availability import (
    installed_share,
    never_runs,
    owned_share,
    purchase_month,
    retires_within,
    running_share,
)
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.engines.pivot.cost_dates import (
    cost_profile,
    has_dates,
    horizon_share,
    horizon_site,
    opex_usd_per_month,
)
from hashpivot.engines.pivot.fleet import SiteMarket, at_costs, site_market
from hashpivot.engines.pivot.flows import FloatArray, MiningAtHorizon
from hashpivot.engines.pivot.hosting_flows import site_hosting_flows
from hashpivot.engines.pivot.in_service import in_service_flows
from hashpivot.engines.pivot.mining import _site_mining, runs_compiled
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.strategies import ConversionPhase
from hashpivot.engines.pivot.terminal import at_horizon_mw
from hashpivot.engines.pivot.tranches import fleet_tranches, tranche_mw
from hashpivot.engines.pivot.uplift.ppa_term import site_at_horizon
from hashpivot.engines.pivot.uplift.supply_stream import site_supply_usd, supply_at_horizon
from hashpivot.market import MarketPaths
from hashpivot.models.pivot import PivotSpec
from hashpivot.units import MONTHS_PER_YEAR

#: The per-path mining arrays of :func:`~hashpivot.engines.pivot.mining._site_mining`
#: summed over a site's tranches.
_MINING_KEYS = ("btc", "mining_revenue", "power_cost", "energy", "replacement_capex")


def site_cash_flows(
    site: SiteInputs,
    phases: list[ConversionPhase],
    spec: PivotSpec,
    market: MarketPaths,
    shared: SiteMarket | list[SiteMarket] | None = None,
    risk_draws: FloatArray | None = None,
) -> dict[str, Any]:
    """Arrays of one site under a plan: mining (P, T), hosting and opex (T,).

    A site of several fleet entries mines them as tranches, the least efficient displaced
    first (:mod:`~hashpivot.engines.pivot.tranches`; ``shared``: their market arrays, in
    that order).

    With ``risk_draws`` (:func:`hashpivot.hosting.risk.hosting_risk_draws`) and
    ``[sites.hosting.risk]``, ``hosting_paths`` holds the hosting arrays of every path
    (P, T) and ``hosting_after`` is (P, M); ``hosting`` stays the planned (budget) build,
    which sets the converted MW and the project debt.
    """
    n = len(market.periods)
    h = site.hosting
    hosting = site_hosting_flows(site, phases, market, risk_draws)
    converted = hosting.converted_gross_mw
    if h.asic_disposition == "redeploy":
        mining_mw = np.full(n, site.fleet_power_mw)
    else:
        mining_mw = np.clip(
            np.minimum(site.fleet_power_mw, site.capacity_mw - converted), 0.0, None
        )
    start_mw = np.array([min(site.fleet_power_mw, site.capacity_mw)])  # before conversions
    # each block mines while installed and the site connected (availability.py); a
    # conversion displaces its MW, installed or not, least efficient first
    connected = connected_share(site.connection_date, market.periods)
    parts = fleet_tranches(site)
    if parts:  # several fleet entries: a tranche each, the least efficient displaced first
        blocks = list(zip(parts, tranche_mw(parts, mining_mw), tranche_mw(parts, start_mw),
                          shared if isinstance(shared, list) else [None] * len(parts),
                          strict=True))
    else:
        one = shared[0] if isinstance(shared, list) else shared
        blocks = [(site, mining_mw, start_mw, one)]
    k = min(MONTHS_PER_YEAR, n)
    year_ahead = market.year_ahead_revenue_factor(k)
    mining: dict[str, Any] = {}
    resale: FloatArray = np.zeros((1, n))
    opex: FloatArray = np.zeros((1, n))
    ebitda_at_horizon: list[FloatArray] = []
    capex_at_horizon: list[FloatArray] = []
    purchase: FloatArray = np.zeros(n)
    mined_total: FloatArray = np.zeros(n)
    dated = any(b[0].installed != (None, None) for b in blocks)
    compiled = runs_compiled(market.n_paths)
    if compiled:  # (P, T) opex and resale in one compiled pass each, bitwise the same
        from hashpivot.engines.pivot import site_kernel
    one_opex: tuple[FloatArray, FloatArray, FloatArray] | None = None
    for part, mw, start, part_shared in blocks:
        installed = installed_share(*part.installed, market.periods)
        mined_mw = mw * running_share(part, market.periods)  # installed and connected
        mined_total = mined_total + mined_mw
        tv_part = horizon_site(part, market.periods) if has_dates(part) else None
        # (and with the dispatch curve in force at the horizon: a PPA's term, uplift/ppa_term.py)
        tv_part = site_at_horizon(tv_part or part, market.periods) or tv_part
        if tv_part is not None and part_shared is None:  # one fleet for both (below)
            part_shared = site_market(part, spec, market)
        m = _site_mining(part, mined_mw, spec, market, part_shared)
        for key in _MINING_KEYS:
            mining[key] = m[key] if key not in mining else mining[key] + m[key]
        prev = np.concatenate([start, mw[:-1]])
        k_buy = purchase_month(part, market.periods)
        # machines displaced while installed are sold (those not yet bought are not)
        released_mw = np.clip(prev - mw, 0.0, None) * owned_share(installed, k_buy,
                                                                  never_runs(part))
        if h.asic_disposition == "sell" and np.any(released_mw):
            per_mw = m["released_th_s_per_mw"]
            if compiled and np.shape(per_mw) == (market.n_paths, n):
                resale = site_kernel.resale(resale, released_mw, per_mw,
                                            h.asic_resale_usd_per_th)
            else:
                resale = resale + (released_mw[None, :] * per_mw * h.asic_resale_usd_per_th)
        if k_buy is not None:  # a planned entry, bought for the MW no conversion displaced
            purchase[k_buy] += (mw[k_buy] * part.fleet_hashrate_th_s / part.fleet_power_mw
                                * part.purchase_usd_per_th)
        share = mined_mw / part.fleet_power_mw
        # variable items in the share of the month mined (0 or 1; a dispatching site's
        # energy share); fixed site items (staff, insurance) whether the machines run or
        # are curtailed, both for the MW still mining; cash SG&A always (below)
        variable_usd = share * opex_usd_per_month(part, "variable", market.periods)
        fixed_usd = share * opex_usd_per_month(part, "fixed_mining", market.periods)
        running = m["running"]
        if compiled and len(blocks) == 1 and np.shape(running) == (market.n_paths, n):
            # the (P, T) opex with the SG&A after the loop in one pass; here the final
            # year's months only (its terminal value), the same operations
            one_opex = (variable_usd, running, fixed_usd)
            part_opex = variable_usd[None, -k:] * running[:, -k:]
            part_opex += fixed_usd[None, -k:]
        else:
            part_opex = variable_usd[None, :] * running
            part_opex += fixed_usd[None, :]
        opex = part_opex if len(blocks) == 1 else opex + part_opex
        # the tranche's final year at the MW it mines at the horizon, for its terminal
        # value, the cost items as they stand on the horizon's last day (cost_dates.py),
        # its months mined again with the variable ones so where those are dated in it
        m_tv = m
        if tv_part is not None:
            assert part_shared is not None  # (its fleet, taken above)
            m_tv = _site_mining(tv_part, mined_mw, spec, market,
                                at_costs(part_shared, tv_part, market))
        if has_dates(part):
            tv_opex = ((share * (part.scaled_opex_usd_per_month
                                 * horizon_share(part, "variable", market.periods)))[None, :]
                       * m_tv["running"]
                       + (share * (part.fixed_mining_opex_usd_per_month
                                   * horizon_share(part, "fixed_mining", market.periods)))[None, :])
        elif m_tv is not m:  # (mined again with the curve in force at the horizon)
            tv_opex = variable_usd[None, :] * m_tv["running"] + fixed_usd[None, :]
        else:
            tv_opex = part_opex
        e, c = at_horizon_mw(  # (the revenue a year later: the subsidy moved on)
            np.atleast_2d(m_tv["mining_revenue"])[:, -k:] * year_ahead
            - np.atleast_2d(m_tv["power_cost"])[:, -k:] - tv_opex[:, -k:],
            np.atleast_2d(m["replacement_capex"])[:, -k:],
            mined_mw[-k:],
            float(mw[-1]) if mined_mw[-1] > 0 and not retires_within(part, market.periods)
            else 0.0,
        )
        ebitda_at_horizon.append(e)
        capex_at_horizon.append(c)
    # (no site before it connects; each item between its dates)
    sga_share = cost_profile(site, "sga", market.periods)
    sga_usd = site.fixed_opex_usd_per_month * sga_share * connected
    if one_opex is not None:
        opex = site_kernel.site_opex(one_opex[0], one_opex[1], one_opex[2], sga_usd)
    else:
        opex = opex + sga_usd
    if purchase.any():  # fleet capex, after the terminal value's final year took its own
        mining["replacement_capex"] = mining["replacement_capex"] + purchase
    # the contracted supply's worth with no miners: the site's, from its whole fleet's MW,
    # in every strategy alike (a conversion ends no contract; uplift/supply_stream.py), a line
    # of its own (CashFlows.site_supply_usd), not in the mining power cost
    supply = site_supply_usd(site, market)
    # the halls already in service: a stream of the site in every strategy alike
    # (in_service.py); their MW are out of site.capacity_mw already
    in_service = in_service_flows(site.hosting, market.periods, market.days_per_period,
                                  site.power_price_usd_per_mwh)
    paths = (market.n_paths,)
    at_horizon = MiningAtHorizon(
        np.stack([np.broadcast_to(e, paths) for e in ebitda_at_horizon]),
        np.stack([np.broadcast_to(c, paths) for c in capex_at_horizon]),
        # as it stands on the horizon's last day
        site.fixed_opex_usd_per_month * MONTHS_PER_YEAR
        * horizon_share(site, "sga", market.periods),
        supply_at_horizon(site, market, supply),
    )
    return {
        **mining, "resale": resale, "opex": opex,
        "mining_mw": mined_total if dated else mining_mw * connected,
        "at_horizon": at_horizon,
        "hosting": hosting.planned, "hosting_after": hosting.after_horizon_usd,
        "hosting_paths": hosting.paths,
        "halls_at_horizon": (hosting.final_year_ebitda_usd, hosting.final_year_capex_usd),
        "site_supply": supply,
        "in_service": in_service,
    }
