"""What a site's mining depends on that is the same in every strategy: :class:`SiteMarket`.

The hash price of the fleet, the power price per path and month, the installed hashrate per
mining MW and the fleet replacement decisions depend on the market only, not on how many MW
a strategy keeps mining (every mining quantity is proportional to the mining MW). The risk
engine computes them once per chunk of paths (:func:`market_mining`) and shares them
across strategies; :func:`~hashpivot.engines.pivot.cashflows.strategy_cash_flows` computes
them itself when none are given. The figures are bitwise the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from hashpivot.engines.pivot.inputs import SiteInputs, _pivot_spec, resolve_sites
from hashpivot.market import MarketPaths
from hashpivot.models.hosting import PivotSpec
from hashpivot.units import HOURS_PER_DAY, MONTHS_PER_YEAR, W_PER_MW

if TYPE_CHECKING:
    from hashpivot.models import Portfolio

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SiteMarket:
    """Market-only arrays of one site's mining, shape (P, T) unless stated.

    Attributes
    ----------
    site : str
        Site name.
    hashprice_usd_per_th_day : ndarray
        Revenue per installed TH/s per day, net of uptime and the pool fee. [USD/(TH/s)/day]
    power_price_usd_per_mwh : ndarray
        Power price of the site with its adder; a read-only broadcast view of a constant for
        fixed-price contracts. [USD/MWh]
    th_s_per_mw : ndarray
        Installed hashrate per mining MW after decay and replacements. [TH/s/MW]
    replacement_months : tuple of int
        Months at which a replacement may happen. [-]
    replaced : tuple of ndarray of bool, shape (P,) each
        Per replacement month: the paths that replace their fleet.
    capex_usd_per_mw : tuple of float
        Per replacement month: capex of replacing the machines of one mining MW. [USD/MW]
    """

    site: str
    hashprice_usd_per_th_day: FloatArray
    power_price_usd_per_mwh: FloatArray
    th_s_per_mw: FloatArray
    replacement_months: tuple[int, ...] = ()
    replaced: tuple[BoolArray, ...] = ()
    capex_usd_per_mw: tuple[float, ...] = ()

    def replacement_capex_usd(self, mining_mw: FloatArray) -> FloatArray:
        """Replacement capex of a strategy mining ``mining_mw`` (T,) MW, shape (P, T). [USD]"""
        out = np.zeros(self.th_s_per_mw.shape)
        for tk, go, capex in zip(
            self.replacement_months, self.replaced, self.capex_usd_per_mw, strict=True
        ):
            out[:, tk] = go * mining_mw[tk] * capex
        return out


def site_market(site: SiteInputs, spec: PivotSpec, market: MarketPaths) -> SiteMarket:
    """Market-only arrays of one site on every path of ``market``.

    Replacement: every ``fleet_replacement_years`` the fleet may be replaced by machines of
    the then current efficiency (``replacement_efficiency_j_per_th`` improving by
    ``replacement_efficiency_gain_per_year``) at the same power. A path replaces only when
    the new machines would pay back their capex within one replacement cycle at that
    month's hash price and power price (no foresight).
    """
    n = market.n_periods
    p_count = market.n_paths
    t = np.arange(n, dtype=float)
    decay = 1.0 - spec.fleet_hashrate_decay_per_year
    per_mw0 = site.fleet_hashrate_th_s / site.fleet_power_mw
    per_mw = np.broadcast_to(per_mw0 * np.power(decay, t / MONTHS_PER_YEAR), (p_count, n))
    hv = market.hashvalue_btc_per_th_day
    net = site.uptime_fraction * (1.0 - site.pool_fee_fraction)
    hashprice = hv * market.btc_price_usd * net  # USD per installed TH/s per day
    if site.power_is_index and market.power_price_usd_per_mwh is not None:
        price_mwh = market.power_price_usd_per_mwh + site.power_adder_usd_per_mwh
    else:
        price_mwh = np.broadcast_to(np.float64(site.power_price_usd_per_mwh), (p_count, n))
    months: list[int] = []
    replaced: list[BoolArray] = []
    capex: list[float] = []
    r_years = spec.fleet_replacement_years
    if r_years is not None:
        r_m = max(1, round(r_years * MONTHS_PER_YEAR))
        cycle_days = r_years * 365.25
        per_mw = per_mw.copy()
        for tk in range(r_m, n, r_m):  # a handful of replacement dates
            eff_new = spec.replacement_efficiency_j_per_th * (
                1.0 - spec.replacement_efficiency_gain_per_year
            ) ** (tk / MONTHS_PER_YEAR)
            new_per_mw = max(W_PER_MW / (eff_new * site.power_overhead_factor), per_mw0)
            margin_per_mw_day = (
                hashprice[:, tk] * new_per_mw
                - HOURS_PER_DAY * site.uptime_fraction * price_mwh[:, tk]
            )
            capex_per_mw = new_per_mw * spec.replacement_capex_usd_per_th
            go = margin_per_mw_day * cycle_days >= capex_per_mw  # (P,)
            fresh = new_per_mw * np.power(decay, (t[tk:] - tk) / MONTHS_PER_YEAR)
            per_mw[:, tk:] = np.where(go[:, None], fresh[None, :], per_mw[:, tk:])
            months.append(tk)
            replaced.append(go)
            capex.append(float(capex_per_mw))
    return SiteMarket(
        site=site.name,
        hashprice_usd_per_th_day=hashprice,
        power_price_usd_per_mwh=price_mwh,
        th_s_per_mw=per_mw,
        replacement_months=tuple(months),
        replaced=tuple(replaced),
        capex_usd_per_mw=tuple(capex),
    )


def market_mining(
    portfolio: Portfolio, market: MarketPaths, site_name: str | None = None
) -> dict[str, SiteMarket]:
    """Market-only mining arrays of every site (or of ``site_name``), by site name.

    Pass the result to :func:`~hashpivot.engines.pivot.cashflows.strategy_cash_flows` as
    ``shared=`` to value several strategies on the same market without recomputing them.
    """
    spec = _pivot_spec(portfolio)
    return {s.name: site_market(s, spec, market) for s in resolve_sites(portfolio, site_name)}


__all__ = ["SiteMarket", "market_mining", "site_market"]
