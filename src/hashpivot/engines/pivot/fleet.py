"""What a site's mining depends on that is the same in every strategy: :class:`SiteMarket`.

The hash price of the fleet, the power price per path and month, the installed hashrate per
mining MW and the fleet replacement decisions depend on the market only, not on how many MW
a strategy keeps mining (every mining quantity is proportional to the mining MW). The risk
engine computes them once per chunk of paths (:func:`market_mining`) and shares them
across strategies; :func:`~hashpivot.engines.pivot.cashflows.strategy_cash_flows` computes
them itself when none are given. The figures are bitwise the same either way. Each
replacement decision values one MW with new machines against the fleet it has
(:mod:`~hashpivot.engines.pivot.replacement`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashpivot.arrays import BoolArray, FloatArray, IntArray
from hashpivot.engines.pivot.availability import retires_within, running_share
from hashpivot.engines.pivot.cost_dates import cost_profile
from hashpivot.engines.pivot.inputs import _pivot_spec, resolve_sites
from hashpivot.engines.pivot.replacement import (
    MwValuation,
    replacement_gain_usd_per_mw,
)
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.tranches import fleet_tranches
from hashpivot.engines.pivot.uplift.curve import MonthMargin
from hashpivot.engines.standing import standing_portfolio
from hashpivot.market import MarketPaths
from hashpivot.models.pivot import PivotSpec
from hashpivot.units import HOURS_PER_DAY, MONTHS_PER_YEAR, W_PER_MW

if TYPE_CHECKING:
    from hashpivot.models import Portfolio
    from hashpivot.scenarios import ScenarioParams



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
    gain_usd_per_mw : tuple of ndarray, shape (P,) each
        Per replacement month: the forecast NPV gain of replacing one MW's machines
        (:func:`replacement_gain_usd_per_mw`); replaced where positive. [USD/MW]
    uplift_usd_per_mw_month : ndarray or None
        The site's dispatch flexibility at each path's and month's margin
        (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.usd_per_mw_month`),
        after decay and replacements; None without ``[sites.dispatch]``. [USD/MW/month]
    dispatch_revenue_share : ndarray or None
        The share of a full month's mining revenue (and BTC) the dispatching site keeps in
        a month it mines, at the month's margin. [-]
    dispatch_running_share : ndarray or None
        The share of a full month's always-on mining energy the dispatching site uses: the
        dispatch's energy share at the month's margin in a month it mines some intervals,
        else 0 (its variable site costs follow it). [-]
    """

    site: str
    hashprice_usd_per_th_day: FloatArray
    power_price_usd_per_mwh: FloatArray
    th_s_per_mw: FloatArray
    replacement_months: tuple[int, ...] = ()
    replaced: tuple[BoolArray, ...] = ()
    capex_usd_per_mw: tuple[float, ...] = ()
    gain_usd_per_mw: tuple[FloatArray, ...] = ()
    uplift_usd_per_mw_month: FloatArray | None = None
    dispatch_revenue_share: FloatArray | None = None
    dispatch_running_share: FloatArray | None = None

    def take_paths(self, idx: IntArray) -> SiteMarket:
        """The paths ``idx`` (in that order); a one-row array (one market for every
        path) stays as it is."""
        n = self.hashprice_usd_per_th_day.shape[0]

        def rows(a: Any) -> Any:
            return a[idx] if np.ndim(a) >= 1 and np.shape(a)[0] == n else a

        return dataclasses.replace(
            self,
            hashprice_usd_per_th_day=rows(self.hashprice_usd_per_th_day),
            power_price_usd_per_mwh=rows(self.power_price_usd_per_mwh),
            th_s_per_mw=rows(self.th_s_per_mw),
            replaced=tuple(rows(a) for a in self.replaced),
            gain_usd_per_mw=tuple(rows(a) for a in self.gain_usd_per_mw),
            uplift_usd_per_mw_month=rows(self.uplift_usd_per_mw_month),
            dispatch_revenue_share=rows(self.dispatch_revenue_share),
            dispatch_running_share=rows(self.dispatch_running_share),
        )

    def replacement_capex_usd(self, mining_mw: FloatArray) -> FloatArray:
        """Replacement capex of a strategy mining ``mining_mw`` (T,) MW, shape (P, T). [USD]"""
        out = np.zeros(self.th_s_per_mw.shape)
        for tk, go, capex in zip(
            self.replacement_months, self.replaced, self.capex_usd_per_mw, strict=True
        ):
            out[:, tk] = go * mining_mw[tk] * capex
        return out


def uplift_arguments(
    site: SiteInputs,
    market: MarketPaths,
    th_s_per_mw: FloatArray,
    hashprice_usd_per_th_day: FloatArray,
    power_price_usd_per_mwh: FloatArray,
) -> MonthMargin:
    """What a dispatching site's uplift depends on each month
    (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.usd_per_mw_month`):
    the gross hash price (``market``'s) times ``th_s_per_mw``, the power price, the margin
    of one MW running all month (``hashprice_usd_per_th_day`` is net of uptime and pool
    fee), the month's hours, the site's variable costs per MW and the months (a PPA's
    term: :mod:`~hashpivot.engines.pivot.uplift.ppa_term`)."""
    days = market.days_per_period
    margin = (th_s_per_mw * hashprice_usd_per_th_day
              - (HOURS_PER_DAY * site.uptime_fraction) * power_price_usd_per_mwh) * days
    revenue = market.hashvalue_btc_per_th_day * market.btc_price_usd * th_s_per_mw
    return MonthMargin(revenue, power_price_usd_per_mwh, margin, HOURS_PER_DAY * days,
                       site.variable_opex_usd_per_mw_month
                       * cost_profile(site, "variable", market.periods), market.periods)


def site_power_price_usd_per_mwh(site: SiteInputs, market: MarketPaths) -> FloatArray:
    """The site's power price in each path and month, its adder included: an index
    contract's the market's index plus the adder (the index scaled to the site's own
    expected price where the paths are centred on another index contract's:
    :attr:`~hashpivot.market.MarketPaths.power_reference_usd_per_mwh`), the index of its
    own market node where that has a process of its own
    (:meth:`~hashpivot.market.MarketPaths.index_power`), else the contract's price (a
    read-only broadcast view), shape (P, T). [USD/MWh]"""
    index, ref = market.index_power(site.power_market_node)
    if site.power_is_index and index is not None:
        own = (site.power_index_price_usd_per_mwh
               if site.power_index_price_usd_per_mwh is not None
               else site.power_price_usd_per_mwh - site.power_adder_usd_per_mwh)
        if ref is not None and own != ref:  # (the first index site's: as drawn, bitwise)
            index = index * (own / ref)
        return np.asarray(index + site.power_adder_usd_per_mwh, dtype=np.float64)
    return np.broadcast_to(np.float64(site.power_price_usd_per_mwh),
                           (market.n_paths, market.n_periods))


def at_costs(sm: SiteMarket, site: SiteInputs, market: MarketPaths) -> SiteMarket:
    """``sm`` with a dispatching site's flexibility measured again at ``site``'s variable
    costs (the terminal value's final year mines with the items standing on the horizon's
    last day: :func:`~hashpivot.engines.pivot.cost_dates.horizon_site`); ``sm`` itself
    without ``[sites.dispatch]``."""
    if site.dispatch_uplift is None:
        return sm
    d = site.dispatch_uplift.breakdown(uplift_arguments(
        site, market, sm.th_s_per_mw, sm.hashprice_usd_per_th_day, sm.power_price_usd_per_mwh))
    return dataclasses.replace(sm, uplift_usd_per_mw_month=d.get("uplift_usd_per_mw_month"),
                               dispatch_revenue_share=d.get("revenue_share"),
                               dispatch_running_share=d.get("running_share"))


def site_market(
    site: SiteInputs,
    spec: PivotSpec,
    market: MarketPaths,
    reference: MarketPaths | None = None,
) -> SiteMarket:
    """Market-only arrays of one site on every path of ``market``.

    Replacement, a forward-looking NPV decision. Every ``fleet_replacement_years`` (the
    decision months ``tk``; none in a month the site is not wholly connected,
    ``connection_date``) the fleet may be replaced, at the same power, by machines of
    the then current efficiency (``replacement_efficiency_j_per_th`` improving by
    ``replacement_efficiency_gain_per_year``) at ``replacement_capex_usd_per_th``. A path
    replaces when :func:`replacement_gain_usd_per_mw` is positive: the discounted cash
    flows of one MW with the new machines minus those with the fleet it has, from ``tk``
    to the end of the horizon (both curtailed in months that lose money, variable site
    costs in months mined, a dispatching site's in proportion to the energy it mines; the
    mining line's discount rate), plus the change in the mining terminal value
    (``[pivot.terminal_value]``: the final year's EBITDA, or FCF for Gordon, of the
    keep-mining site, floored at 0), minus the capex paid in ``tk``.

    The forecast uses what is known at ``tk`` only. The hash price of month ``t >= tk``
    is the path's hash price at ``tk`` times ``hp_ref(t) / hp_ref(tk)``, the relative
    trajectory of ``reference`` (halvings, network growth, the BTC price drift and fees
    of the deterministic market); the power price is the contract's, or for an index
    contract the path's price at ``tk`` and the expected price (contract price + adder)
    after it. With ``reference=None`` each path is its own reference: exact on
    deterministic paths (the pivot model, the tornado's variants), foresight on random
    ones; the Monte Carlo passes the deterministic market (:func:`market_mining`).

    Why allowing replacement never lowers keep-mining's NPV on a deterministic path:
    let ``U_k`` be the NPV with the decisions of the first ``k`` months taken and no
    replacement after. ``U_0`` is the NPV without replacement and ``U_K`` the NPV of the
    rule. ``U_k - U_(k-1)`` is 0 where month ``k`` keeps and the gain of month ``k``
    where it replaces, and that gain is computed from the fleet the earlier decisions
    left, on the exact path, with the valuation's own arithmetic: it is positive where
    taken. So ``U_K - U_0`` is a sum of non-negative terms (one-step improvements, the
    telescoping behind policy improvement). This holds for the NPV with terminal value
    (without it when ``mining_method = "none"``), pre-tax, for a keep-mining of one site
    of one fleet entry (with several, the terminal value is floored per tranche, then as
    a whole with the cash SG&A, and each tranche decides with its share of the SG&A).
    """
    n = market.n_periods
    p_count = market.n_paths
    t = np.arange(n, dtype=float)
    decay = 1.0 - spec.fleet_hashrate_decay_per_year
    per_mw0 = site.fleet_hashrate_th_s / site.fleet_power_mw
    # machines bought during the horizon (a planned entry) age from their start
    age = t if site.installed[0] is None else np.maximum(
        t - max(0, (pd.Period(site.installed[0], "M") - pd.Period(market.periods[0], "M")).n),
        0.0)
    per_mw: FloatArray = np.broadcast_to(
        per_mw0 * np.power(decay, age / MONTHS_PER_YEAR), (p_count, n)
    )
    hv = market.hashvalue_btc_per_th_day
    net = site.uptime_fraction * (1.0 - site.pool_fee_fraction)
    hashprice = hv * market.btc_price_usd * net  # USD per installed TH/s per day
    indexed = site.power_is_index and market.power_price_usd_per_mwh is not None
    price_mwh = site_power_price_usd_per_mwh(site, market)
    months: list[int] = []
    replaced: list[BoolArray] = []
    capex: list[float] = []
    gains: list[FloatArray] = []
    r_years = spec.fleet_replacement_years if site.fleet_replacement else None
    if r_years is not None:
        r_m = max(1, round(r_years * MONTHS_PER_YEAR))
        # the valuation of one MW, taken in the first month decided: a block retired
        # within the horizon decides none (most of a swap's units)
        val: MwValuation | None = None
        hp_ref = None
        if reference is not None:
            hp_ref = (reference.hashvalue_btc_per_th_day * reference.btc_price_usd * net)[0]
        sunk_final: FloatArray | float = 0.0
        # no replacement while the site is not (wholly) connected or the block not
        # (wholly) installed: its machines wait; none of machines retired before the
        # horizon ends (their entry's end: they leave, replaced or not)
        running = running_share(site, market.periods)
        leaves = retires_within(site, market.periods)
        for tk in range(r_m, n, r_m):  # a handful of decision months
            if running[tk] < 1.0 or leaves:
                continue
            if val is None:
                val = MwValuation.of(site, spec, market, reference)
            eff_new = spec.replacement_efficiency_j_per_th * (
                1.0 - spec.replacement_efficiency_gain_per_year
            ) ** (tk / MONTHS_PER_YEAR)
            new_per_mw = max(W_PER_MW / (eff_new * site.power_overhead_factor), per_mw0)
            capex_per_mw = float(new_per_mw * spec.replacement_capex_usd_per_th)
            fresh = new_per_mw * np.power(decay, (t[tk:] - tk) / MONTHS_PER_YEAR)
            # forecast from tk: the path's state times the reference's relative trajectory
            now = hashprice[:, tk : tk + 1]
            # a hashprice of 0 at tk (an idle fleet: uptime 0, in the path or in the
            # reference) forecasts NaN, which no replacement gain exceeds; say nothing of it
            with np.errstate(divide="ignore", invalid="ignore"):
                hp_f = now * (hashprice[:, tk:] / now if hp_ref is None
                              else hp_ref[tk:] / hp_ref[tk])
            if indexed and reference is not None:
                price_f = np.empty((p_count, n - tk))
                price_f[:, 0] = price_mwh[:, tk]
                price_f[:, 1:] = site.power_price_usd_per_mwh
            else:
                price_f = price_mwh[:, tk:]
            old = per_mw[:, tk:]
            if old.strides[0] == 0:  # the same on every path: one row
                old = old[:1]
            past = 0.0
            if tk > val.final_start and val.tv_method != "none":
                past_sl = slice(val.final_start, tk)
                past = val.final_year_flows_usd(
                    per_mw[:, past_sl], hashprice[:, past_sl], price_mwh[:, past_sl],
                    val.final_start, tk,
                ).sum(axis=-1)
            gain = replacement_gain_usd_per_mw(
                tk, hp_f, price_f, old, fresh, capex_per_mw, val, past, sunk_final
            )
            go = gain > 0.0  # (P,)
            if go.any():
                if per_mw.strides[0] == 0:
                    per_mw = per_mw.copy()
                per_mw[go, tk:] = fresh
                if tk >= val.final_start:
                    sunk_final = np.asarray(sunk_final + go * capex_per_mw, dtype=np.float64)
            months.append(tk)
            replaced.append(go)
            capex.append(capex_per_mw)
            gains.append(gain)
    dispatch: dict[str, FloatArray] = {}
    if site.dispatch_uplift is not None:  # at each month's margin per MW, after replacements
        dispatch = site.dispatch_uplift.breakdown(
            uplift_arguments(site, market, per_mw, hashprice, price_mwh))
    return SiteMarket(
        site=site.name,
        hashprice_usd_per_th_day=hashprice,
        power_price_usd_per_mwh=price_mwh,
        th_s_per_mw=per_mw,
        replacement_months=tuple(months),
        replaced=tuple(replaced),
        capex_usd_per_mw=tuple(capex),
        gain_usd_per_mw=tuple(gains),
        uplift_usd_per_mw_month=dispatch.get("uplift_usd_per_mw_month"),
        dispatch_revenue_share=dispatch.get("revenue_share"),
        dispatch_running_share=dispatch.get("running_share"),
    )


#: The last reference market built (portfolio, first period, months, market): a run
#: values every chunk of paths against the same one.
_REFERENCE: list[tuple[Any, str, int, MarketPaths]] = []


def reference_market(portfolio: Portfolio, market: MarketPaths) -> MarketPaths:
    """The portfolio's deterministic market over ``market``'s months (one path).

    The forecast of the replacement decision (:func:`site_market`): known at the start,
    it carries the halvings, the network growth, the fees and the BTC drift of
    ``[pivot]`` (and the ``[scenario]`` margin response). Cached for the last portfolio
    and months asked.
    """
    from hashpivot.engines.pivot.market import deterministic_market

    first, n = str(market.periods[0]), market.n_periods
    for pf, start, months, ref in _REFERENCE:
        if pf is portfolio and start == first and months == n:
            return ref
    ref = deterministic_market(portfolio, market.periods[0], n)
    _REFERENCE[:] = [(portfolio, first, n, ref)]
    return ref


def center_market(params: ScenarioParams) -> MarketPaths:
    """The center of Monte Carlo paths as a one-path market: the reference of the
    replacement forecast where no portfolio is at hand (the decision engine)."""
    power = params.power_center_usd_per_mwh
    return MarketPaths(
        periods=params.periods,
        btc_price_usd=params.price_center_usd[None, :],
        network_hashrate_th_s=params.hashrate_center_th_s[None, :],
        fees_btc_per_block=params.fees_center_btc_per_block[None, :],
        subsidy_btc_per_block=params.subsidy_btc_per_block[None, :],
        power_price_usd_per_mwh=None if power is None else power[None, :],
        subsidy_year_later_btc_per_block=params.subsidy_year_later_btc_per_block,
        power_reference_usd_per_mwh=params.power_reference_usd_per_mwh,
        power_node=params.power_node,
        power_by_market={m.node: m.center_usd_per_mwh[None, :] for m in params.power_markets
                         if m.center_usd_per_mwh is not None},
        power_reference_by_market={m.node: m.reference_usd_per_mwh
                                   for m in params.power_markets},
    )


def market_mining(
    portfolio: Portfolio, market: MarketPaths, site_name: str | None = None
) -> dict[str, SiteMarket]:
    """Market-only mining arrays of every site (or of ``site_name``), by site name.

    Pass the result to :func:`~hashpivot.engines.pivot.cashflows.strategy_cash_flows` as
    ``shared=`` to value several strategies on the same market without recomputing them.
    The replacement decisions forecast from each decision month with the portfolio's
    deterministic market as reference (:func:`reference_market`): no look-ahead on
    Monte Carlo paths.
    """
    spec = _pivot_spec(portfolio)
    portfolio = standing_portfolio(portfolio, market.periods, site_name).portfolio
    sites = resolve_sites(portfolio, site_name, market.periods[0], market.periods[-1])
    ref = reference_market(portfolio, market) if spec.fleet_replacement_years else None
    out: dict[str, SiteMarket] = {}
    for s in sites:
        parts = fleet_tranches(s)
        if not parts:
            out[s.name] = site_market(s, spec, market, ref)
        for j, part in enumerate(parts):  # a site of several fleet entries: per tranche
            out[tranche_key(s.name, j)] = site_market(part, spec, market, ref)
    return out


def tranche_key(site_name: str, j: int) -> str:
    """The key of a site's ``j``-th tranche (:func:`~hashpivot.engines.pivot.tranches.
    fleet_tranches` order) in :func:`market_mining`'s result."""
    return f"{site_name}\x1f{j}"


def site_shared(shared: dict[str, SiteMarket], site: SiteInputs
                ) -> SiteMarket | list[SiteMarket] | None:
    """A site's entries of :func:`market_mining`'s result: its own, or its tranches' in
    order (None where the result has none)."""
    n = len(fleet_tranches(site))
    if not n:
        return shared.get(site.name)
    found = [shared.get(tranche_key(site.name, j)) for j in range(n)]
    return None if any(f is None for f in found) else [f for f in found if f is not None]


__all__ = [
    "SiteMarket",
    "at_costs",
    "center_market",
    "market_mining",
    "reference_market",
    "site_market",
    "site_power_price_usd_per_mwh",
    "site_shared",
    "tranche_key",
    "uplift_arguments",
]
