"""A site's mining on every path: fleet decay, economic replacement, curtailment, dispatch.

:func:`_site_mining` returns one site's (or one fleet tranche's) monthly BTC, mining
revenue, power cost, energy, replacement capex and the share of each month it runs, as
arrays of shape ``(n_paths, n_months)``, for the MW it mines in each month; a
``[sites.dispatch]`` site runs as :func:`_dispatched` says. A site's cash flows
(:mod:`~hashpivot.engines.pivot.site_flows`) sum it over its tranches. From
:data:`_KERNEL_MIN_PATHS` paths on (:func:`runs_compiled`), this arithmetic and the cash
flows' run compiled (:mod:`~hashpivot.engines.pivot.mining_kernel`,
:mod:`~hashpivot.engines.pivot.site_kernel`, :mod:`~hashpivot.engines.pivot.flows_kernel`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hashpivot.engines.pivot.cost_dates import cost_profile
from hashpivot.engines.pivot.fleet import SiteMarket, site_market
from hashpivot.engines.pivot.flows import FloatArray
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.market import MarketPaths
from hashpivot.models.pivot import PivotSpec
from hashpivot.units import HOURS_PER_DAY

#: From this many paths on, a site's mining volumes come from the compiled kernel (the
#: numpy expressions below are its reference; small path counts skip loading numba), and
#: so do the site's opex and resale and the strategy's flows
#: (:mod:`~hashpivot.engines.pivot.cashflows`, through :func:`runs_compiled`).
_KERNEL_MIN_PATHS = 64


def runs_compiled(n_paths: int) -> bool:
    """Whether a market of ``n_paths`` paths runs the compiled kernels.

    Parameters
    ----------
    n_paths : int
        Number of market paths [-].

    Returns
    -------
    bool
        True from :data:`_KERNEL_MIN_PATHS` paths on (read when called, so one setting
        switches the mining, site and flows kernels alike).
    """
    return n_paths >= _KERNEL_MIN_PATHS


def _site_mining(
    site: SiteInputs,
    mining_mw: FloatArray,
    spec: PivotSpec,
    market: MarketPaths,
    shared: SiteMarket | None = None,
    reference: MarketPaths | None = None,
) -> dict[str, Any]:
    """Mining of one site on every path: fleet decay, economic replacement, curtailment.

    The market-only arrays (hash price, power price, hashrate per MW and the replacement
    decisions, :func:`~hashpivot.engines.pivot.fleet.site_market` with ``reference``)
    are taken from ``shared`` when given. Curtailment: a month is mined only when its
    revenue exceeds its power cost and its variable site costs (which curtailing saves);
    a site with ``[sites.dispatch]`` runs as
    :func:`_dispatched` says. Returns arrays of shape (P, T). From
    :data:`_KERNEL_MIN_PATHS` paths on, the same arithmetic runs compiled
    (:mod:`~hashpivot.engines.pivot.mining_kernel`).
    """
    sm = shared if shared is not None else site_market(site, spec, market, reference)
    days = market.days_per_period
    hv = market.hashvalue_btc_per_th_day
    net = site.uptime_fraction * (1.0 - site.pool_fee_fraction)
    per_mw = sm.th_s_per_mw
    energy_full = mining_mw * HOURS_PER_DAY * days * site.uptime_fraction  # (T,)
    # (T,) paid in months mined, each item between its dates (cost_dates.py)
    variable = mining_mw * (site.variable_opex_usd_per_mw_month
                            * cost_profile(site, "variable", market.periods))
    price_mwh = sm.power_price_usd_per_mwh
    if price_mwh.strides[0] == 0:  # the same on every path: one row, broadcast
        price_mwh = price_mwh[:1]
    replacement = sm.replacement_capex_usd(mining_mw)
    if runs_compiled(market.n_paths):
        # the same arithmetic in one compiled pass (bitwise the same figures)
        from hashpivot.engines.pivot.mining_kernel import mine

        out = mine(mining_mw, per_mw, sm.hashprice_usd_per_th_day, hv, price_mwh, days,
                   energy_full, variable, net)
        out = {**out, "replacement_capex": replacement, "released_th_s_per_mw": per_mw}
        return _dispatched(out, sm, mining_mw, days, hv, net, energy_full)
    th_s = mining_mw[None, :] * per_mw  # installed, running MW
    revenue_full = th_s * sm.hashprice_usd_per_th_day
    revenue_full *= days  # gross of nothing: net of uptime and pool fee
    power_full = energy_full[None, :] * price_mwh
    run = revenue_full > power_full + variable
    idle = ~run
    btc = th_s * hv
    btc *= net
    btc *= days
    btc[idle] = 0.0
    revenue_full[idle] = 0.0
    out = {
        "btc": btc,
        "mining_revenue": revenue_full,
        "power_cost": np.where(run, power_full, 0.0),
        "energy": np.where(run, energy_full[None, :], 0.0),
        "replacement_capex": replacement,
        "released_th_s_per_mw": per_mw,
        "running": run.astype(float),
    }
    return _dispatched(out, sm, mining_mw, days, hv, net, energy_full)


def _dispatched(
    mining: dict[str, Any],
    sm: SiteMarket,
    mining_mw: FloatArray,
    days: FloatArray,
    hashvalue_btc_per_th_day: FloatArray,
    net: float,
    energy_full: FloatArray,
) -> dict[str, Any]:
    """A month's mining as a ``[sites.dispatch]`` site runs it (``mining`` as it is
    without ``[sites.dispatch]``).

    Its net margin is the monthly model's plus the uplift of the MW mining
    (:mod:`~hashpivot.engines.pivot.uplift.curve`); in a month it mines some
    intervals (worth more than off with the variable costs of the energy it mines: the
    monthly model runs it, or the cheap hours of a curtailed month pay), its revenue and
    BTC are a full month's times the dispatch's revenue share at the month's margin, its
    energy a full month's times the energy share, and the power cost the rest (net of
    resale, demand-response and 4CP). ``running`` (the share of the month the variable
    site costs are paid for) is the energy share in those months, 0 in the others.
    """
    if sm.uplift_usd_per_mw_month is None:
        return mining
    assert sm.dispatch_revenue_share is not None and sm.dispatch_running_share is not None
    uplift = sm.uplift_usd_per_mw_month * mining_mw
    margin = mining["mining_revenue"] - mining["power_cost"] + uplift
    running = sm.dispatch_running_share
    mined = running > 0
    th_s = mining_mw * sm.th_s_per_mw
    rho = sm.dispatch_revenue_share
    revenue = np.where(mined, th_s * sm.hashprice_usd_per_th_day * days * rho, 0.0)
    btc = np.where(mined, th_s * hashvalue_btc_per_th_day * net * days * rho, 0.0)
    energy = energy_full * running
    return {**mining, "btc": btc, "mining_revenue": revenue, "power_cost": revenue - margin,
            "energy": energy, "running": running}


__all__ = ["runs_compiled"]
